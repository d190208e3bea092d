# tests/session: programs that drive the session API against the test bed
# (several messages over one connection); run by tests/integration.
SESSION_TEST_BINS := $(O)/tests/session_multi

$(O)/tests/session_multi: $(O)/san/tests/session/session_multi.o $(call sanobj,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD-SAN  $@")
	$(Q)$(CC) $(SAN_FLAGS) $^ $(WOLFSSL_LIBS) -o $@

unit: $(SESSION_TEST_BINS)
