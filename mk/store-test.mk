# Firmware store tests link the NOR flash double (tests/unit/flash_sim.c).
$(O)/tests/test_store $(O)/tests/test_store_block: $(O)/san/tests/unit/flash_sim.o
