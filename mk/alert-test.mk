# tests/alert: the firmware alert API on the host against the test bed
# (RAM store, and the block store over a file-backed flash double).
ALERT_TEST_BIN := $(O)/tests/alert_send

$(ALERT_TEST_BIN): $(O)/san/tests/alert/alert_send.o $(O)/san/tests/unit/flash_sim.o $(call sanobj,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD-SAN  $@")
	$(Q)$(CC) $(SAN_FLAGS) $^ $(WOLFSSL_LIBS) -o $@

.PHONY: alert-test
alert-test: $(ALERT_TEST_BIN)
