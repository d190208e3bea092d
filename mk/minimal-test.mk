# tests/minimal: transcript tests of the engine with every optional ESMTP
# extension off.  Built in the minimal POSIX build directory, against its own
# autoconf.h (configs/posix_minimal_defconfig), by tests/minimal/suite.sh:
#   make O=build-minimal build-minimal/tests/test_esmtp_off
ESMTP_OFF_SRCS := agent/engine/smtp.c agent/engine/reply.c agent/engine/body.c \
	agent/engine/sasl.c agent/pl_error.c

$(O)/tests/test_esmtp_off: $(O)/san/tests/minimal/test_esmtp_off.o $(call sanobj,$(ESMTP_OFF_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD-SAN  $@")
	$(Q)$(CC) $(SAN_FLAGS) $^ -lcmocka $(WOLFSSL_LIBS) -o $@
