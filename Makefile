# postlet: build, configure, test, demo, install.
#
#   make                  build $(O)/postlet from $(O)/.config (default config if none)
#   make check            install test dependencies, run every test (needs root for apt/MTA)
#   make demo             start the local test MTA and send one alert through it
#   make menuconfig | defconfig [DEFCONFIG=configs/x_defconfig] | savedefconfig | olddefconfig
#   make install DESTDIR= PREFIX=/usr/local
#
# O=dir (build directory), CROSS_COMPILE=prefix-, V=1 (show commands).

# Cross builds get their own build directory and start from the release
# configuration (wolfSSL from source, static): see mk/cross.mk.
ifneq ($(CROSS_COMPILE),)
O ?= build-$(notdir $(CROSS_COMPILE:%-=%))
CROSS_DEFCONFIG ?= configs/release_defconfig
endif
O ?= build
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
CROSS_COMPILE ?=
PYTHON ?= /usr/bin/python3
PKG_CONFIG ?= pkg-config
DEFCONFIG ?= configs/posix_defconfig

ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Host builds fail on warnings; cross builds of foreign toolchains may opt out.
WERROR ?= -Werror
CFLAGS ?= -O2 -g
PL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra $(WERROR) \
	-DPL_HAVE_AUTOCONF -I$(O)/include -Iagent -Iagent/cli -Iport -Iport/common -MMD -MP
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

CONFIG := $(O)/.config
AUTOCONF := $(O)/include/autoconf.h
-include $(CONFIG)

# wolfSSL: the system library, or Debian's source built with our profile
# (mk/wolfssl.mk sets WOLFSSL_CFLAGS, WOLFSSL_LIBS and WOLFSSL_DEP).
ifeq ($(CONFIG_POSTLET_WOLFSSL_SOURCE),y)
include mk/wolfssl.mk
else
WOLFSSL_CFLAGS := $(shell $(PKG_CONFIG) --cflags wolfssl 2>/dev/null)
WOLFSSL_LIBS := $(or $(shell $(PKG_CONFIG) --libs wolfssl 2>/dev/null),-lwolfssl)
WOLFSSL_DEP :=
endif


# Every C file of the core and the front end is built; Kconfig switches code
# off inside the files, so adding a module needs no edit here.
CORE_SRCS := $(sort $(wildcard agent/*.c agent/engine/*.c agent/tls/*.c agent/queue/*.c))
ifeq ($(CONFIG_POSTLET_PORT_LWIP),y)
# firmware: the application supplies lwIP, lwipopts.h and the board hooks
PORT_SRCS := port/lwip/port_lwip.c $(sort $(wildcard port/common/*.c))
PL_CFLAGS += -Iport/lwip
else
PORT_SRCS := port/posix/port_posix.c port/posix/store_posix.c $(sort $(wildcard port/common/*.c))
endif
CLI_SRCS := $(filter-out agent/cli/main.c,$(sort $(wildcard agent/cli/*.c)))
MAIN_SRC := agent/cli/main.c
LIB_SRCS := $(CORE_SRCS) $(PORT_SRCS) $(CLI_SRCS)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))
sanobj = $(patsubst %.c,$(O)/san/%.o,$(1))
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))

.PHONY: all clean check unit integration demo install menuconfig defconfig savedefconfig \
	olddefconfig deps bench lib
all: $(if $(CONFIG_POSTLET_FRONTEND),$(O)/postlet,lib)

# Firmware builds stop at the library: agent core + port, no front end.
lib: $(O)/libpostlet.a
$(O)/libpostlet.a: $(call obj,$(CORE_SRCS) $(PORT_SRCS))
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(AR) rcs $@ $^

# keep sanitizer objects between runs (make would delete them as intermediates)
.SECONDARY:

# A new build directory gets the default configuration; an existing
# .config is synced when Kconfig is newer (a pull that added options), so
# new options take their defaults instead of silently being off.
SYNC_CONFIG = PYTHON=$(PYTHON) sh scripts/syncconfig.sh $@ && \
	echo "  SYNC    $@ (options new in Kconfig take their defaults)"
$(CONFIG): Kconfig
	$(Q)mkdir -p $(O)
ifneq ($(CROSS_DEFCONFIG),)
	$(Q)if [ -f $@ ]; then $(SYNC_CONFIG); else \
		KCONFIG_CONFIG=$@ KCONFIG_ALLCONFIG=$(CROSS_DEFCONFIG) srctree=. \
		$(PYTHON) -m alldefconfig Kconfig >/dev/null && \
		echo "  CONFIG  $@ (from $(CROSS_DEFCONFIG))"; fi
else
	$(Q)if [ -f $@ ]; then $(SYNC_CONFIG); else \
		cp configs/default.config $@ && echo "  CONFIG  $@ (from configs/default.config)"; fi
endif

$(AUTOCONF): $(CONFIG) scripts/genconfig.sh
	$(Q)mkdir -p $(dir $@)
	$(Q)sh scripts/genconfig.sh $(CONFIG) $@

$(O)/obj/%.o: %.c $(AUTOCONF) | $(WOLFSSL_DEP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(PL_CFLAGS) $(WOLFSSL_CFLAGS) $(CFLAGS) -c $< -o $@

$(O)/san/%.o: %.c $(AUTOCONF) | $(WOLFSSL_DEP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC-SAN  $<")
	$(Q)$(CC) $(PL_CFLAGS) $(WOLFSSL_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(O)/postlet: $(call obj,$(LIB_SRCS) $(MAIN_SRC))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(WOLFSSL_LIBS) -o $@

# Unit tests link every agent/port object except main, built with sanitizers.
$(O)/tests/%: $(O)/san/tests/unit/%.o $(call sanobj,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD-SAN  $@")
	$(Q)$(CC) $(SAN_FLAGS) $^ -lcmocka $(WOLFSSL_LIBS) -o $@

deps:
	$(Q)sh scripts/install-deps.sh

unit: $(UNIT_BINS)

check: deps
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)O=$(O) bash tests/run-all.sh $(UNIT_BINS)

integration: deps all
	$(Q)POSTLET=$(O)/postlet bash tests/integration/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)POSTLET=$(O)/postlet bash scripts/demo.sh

MANDIR ?= $(PREFIX)/share/man
bench: all
	$(Q)bash bench/run.sh

install: $(O)/postlet
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(O)/postlet $(DESTDIR)$(BINDIR)/postlet
	install -m 0644 docs/postlet.8 $(DESTDIR)$(MANDIR)/man8/postlet.8

# Kconfig front ends: kconfiglib (python3-kconfiglib) or kconfig-frontends.
KCONFIG_ENV := KCONFIG_CONFIG=$(CONFIG) srctree=.
menuconfig: $(CONFIG)
	$(Q)if $(PYTHON) -c 'import kconfiglib' 2>/dev/null; then \
		$(KCONFIG_ENV) $(PYTHON) -m menuconfig Kconfig; \
	else KCONFIG_CONFIG=$(CONFIG) kconfig-mconf Kconfig; fi

defconfig:
	$(Q)mkdir -p $(O)
	$(Q)if $(PYTHON) -c 'import kconfiglib' 2>/dev/null; then \
		$(KCONFIG_ENV) $(PYTHON) -m defconfig --kconfig Kconfig $(DEFCONFIG); \
	else KCONFIG_CONFIG=$(CONFIG) kconfig-conf --defconfig=$(DEFCONFIG) Kconfig; fi

olddefconfig: $(CONFIG)
	$(Q)if $(PYTHON) -c 'import kconfiglib' 2>/dev/null; then \
		$(KCONFIG_ENV) $(PYTHON) -m olddefconfig Kconfig; \
	else KCONFIG_CONFIG=$(CONFIG) kconfig-conf --olddefconfig Kconfig; fi

savedefconfig: $(CONFIG)
	$(Q)if $(PYTHON) -c 'import kconfiglib' 2>/dev/null; then \
		$(KCONFIG_ENV) $(PYTHON) -m savedefconfig --kconfig Kconfig --out $(O)/defconfig; \
	else KCONFIG_CONFIG=$(CONFIG) kconfig-conf --savedefconfig=$(O)/defconfig Kconfig; fi
	@echo "  wrote $(O)/defconfig"

clean:
	rm -rf $(O)

# Topic makefiles (size, fuzz, cross builds, ...); mk/wolfssl.mk is included
# above only for the bundled-wolfSSL configuration.
include $(filter-out mk/wolfssl.mk,$(sort $(wildcard mk/*.mk)))

-include $(shell find $(O)/obj $(O)/san $(O)/fuzzobj -name '*.d' 2>/dev/null)
