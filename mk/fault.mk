# Fault injection (tests/fault/): postlet built with ASan+UBSan and every
# libc call of the POSIX port wrapped by tests/fault/port_fault.c, which
# fails the Nth call.  tests/fault/suite.sh sweeps N over a complete send.
#
#   make fault-build    $(O)/fault/postlet
#   make fault          run the sweep against the test bed
FAULT_WRAPS := socket connect send recv poll clock_gettime getrandom time __poll_chk __recv_chk
FAULT_LDFLAGS := $(foreach f,$(FAULT_WRAPS),-Wl,--wrap=$(f))

.PHONY: fault fault-build fault-build-store
fault-build: $(O)/fault/postlet

$(O)/fault/postlet: $(call sanobj,$(LIB_SRCS) $(MAIN_SRC)) $(O)/san/tests/fault/port_fault.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD-SAN  $@ (fault injection)")
	$(Q)$(CC) $(SAN_FLAGS) $(FAULT_LDFLAGS) $^ $(WOLFSSL_LIBS) -o $@

fault: $(O)/fault/postlet
	$(Q)O=$(O) bash tests/fault/suite.sh

# The same wrappers in an ordinary (non-sanitizer) build: its memory can be
# searched for secrets at exit (PL_FAULT_SECRETS), which ASan's shadow and
# quarantine would make slow and misleading.
fault-build: $(O)/fault/postlet-scan
$(O)/fault/postlet-scan: $(call obj,$(LIB_SRCS) $(MAIN_SRC)) $(O)/obj/tests/fault/port_fault.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@ (secret scan)")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(FAULT_LDFLAGS) $^ $(WOLFSSL_LIBS) -o $@

# The queue's spool under file I/O faults (tests/queue/faults.sh): the
# network wrappers plus write, fsync, link, rename and openat.
STORE_FAULT_WRAPS := write pwrite fsync fdatasync linkat renameat openat
fault-build-store: $(O)/fault/postlet-store
$(O)/fault/postlet-store: $(call sanobj,$(LIB_SRCS) $(MAIN_SRC)) $(O)/san/tests/fault/port_fault.o \
		$(O)/san/tests/fault/store_fault.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD-SAN  $@ (spool fault injection)")
	$(Q)$(CC) $(SAN_FLAGS) $(FAULT_LDFLAGS) $(foreach f,$(STORE_FAULT_WRAPS),-Wl,--wrap=$(f)) \
		$^ $(WOLFSSL_LIBS) -o $@
