# make size: flash and RAM per component of the Cortex-M4 example image
# (mk/firmware.mk) for the minimal and the full Kconfig, with wolfSSL's SP
# Cortex-M assembly on and off, lwIP's own SMTP app for comparison, the
# TLS handshake's peak heap with the firmware wolfSSL profile (measured on
# the host against the test bed), and the static router/musl binaries.
# Everything is printed by scripts/size-report.sh and written to
# build/size/report.md; budgets are shown, not asserted.
#
#   make size                 everything
#   make size SIZE_PARTS="firmware heap"   (firmware, heap, routers)
#   make heap-probe           just the host probe: build-heap/heap_probe

HEAP_O ?= build-heap
SIZE_PARTS ?= firmware heap routers

.PHONY: size heap-probe heap-probe-lib
size:
	$(Q)SIZE_PARTS="$(SIZE_PARTS)" MAKE="$(MAKE)" bash scripts/size-report.sh

ifneq ($(HEAP_O),$(O))
$(HEAP_O)/.config: configs/firmware_host_defconfig Kconfig
	$(Q)mkdir -p $(HEAP_O)
	$(Q)KCONFIG_CONFIG=$@ KCONFIG_ALLCONFIG=configs/firmware_host_defconfig srctree=. \
		$(PYTHON) -m alldefconfig Kconfig >/dev/null
endif

# portable C math on the host, as wolfSSL's SP C code on a Cortex-M without
# the assembly: the same big-number temporaries on the heap
heap-probe-lib: $(HEAP_O)/.config
	$(Q)$(MAKE) --no-print-directory O=$(HEAP_O) WOLFSSL_ASM=n lib wolfssl

HEAP_SRCS := port/lwip/example/heap_probe.c port/lwip/example/wolfssl_hooks.c
heap-probe: heap-probe-lib
	@mkdir -p $(HEAP_O)/probe
	@$(if $(Q),echo "  LD      $(HEAP_O)/heap_probe")
	$(Q)$(CC) -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra $(WERROR) -O2 -g -DPL_HAVE_AUTOCONF \
		-DWOLFSSL_USER_SETTINGS -I$(HEAP_O)/wolfssl/include -I$(or $(WOLFSSL_SRC_CACHE),build/wolfssl-src)/wolfssl \
		-I$(HEAP_O)/include -Iagent -Iport $(HEAP_SRCS) $(HEAP_O)/libpostlet.a \
		$(HEAP_O)/wolfssl/libwolfssl.a -o $(HEAP_O)/heap_probe
