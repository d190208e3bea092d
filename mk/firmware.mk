# Cortex-M4 example firmware image (port/lwip/example): postlet's library
# (CONFIG_POSTLET_PORT_LWIP) + lwIP from Debian's lwip source package with
# the example's lwipopts.h + wolfSSL from Debian's source package with the
# firmware user_settings.h, linked with newlib-nano.  It links; it is not
# meant to run (board and OS layers are stubs).  See port/lwip/README.md.
#
#   make firmware                       -> build-cm4/postlet-example.elf (+ .map)
#   make firmware FW_O=build-cm4-min FW_DEFCONFIG=configs/minimal_defconfig FW_KCONFIG=allnoconfig
#   make firmware FW_O=build-cm4-c FW_WOLFSSL_DEFS=POSTLET_WOLFSSL_CORTEX_M_ASM=0
#   make firmware-smtp-app              -> lwIP's own SMTP client, same flags
#
# Knobs: FW_O (build dir), FW_DEFCONFIG, FW_KCONFIG (alldefconfig: the
# defconfig plus defaults; allnoconfig: the defconfig and nothing else),
# FW_WOLFSSL_DEFS (WOLFSSL_DEFS for the firmware profile), FW_CROSS,
# FW_CPU, FW_CA_PEM (CA compiled into the example), LWIP_SRC_CACHE.

FW_CROSS ?= arm-none-eabi-
FW_O ?= build-cm4
FW_DEFCONFIG ?= configs/firmware_defconfig
FW_KCONFIG ?= alldefconfig
FW_WOLFSSL_DEFS ?=
FW_CPU ?= -mcpu=cortex-m4 -mthumb
FW_CFLAGS := $(FW_CPU) -Os -ffunction-sections -fdata-sections
FW_CA_PEM ?= /etc/ssl/certs/ISRG_Root_X1.pem
LWIP_SRC_CACHE ?= build/lwip-src
FW_LWIP := $(LWIP_SRC_CACHE)/lwip
FW_EX := port/lwip/example
FW_INC := -I$(FW_EX) -I$(FW_LWIP)/src/include
FW_CC := $(FW_CROSS)gcc
FW_AR := $(FW_CROSS)ar
FW_LDFLAGS := $(FW_CPU) --specs=nano.specs --specs=nosys.specs -T $(FW_EX)/cm4.ld \
	-Wl,--gc-sections -Wl,--no-warn-rwx-segments

# lwIP: core, IPv4, sequential and socket API, Ethernet (Debian's
# Filelists.mk lists; --gc-sections drops what lwipopts.h leaves unused)
FW_LWIP_SRCS := $(addprefix $(FW_LWIP)/src/, \
	core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c \
	core/memp.c core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c \
	core/tcp.c core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
	core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
	api/api_lib.c api/api_msg.c api/err.c api/netbuf.c api/netdb.c \
	api/sockets.c api/tcpip.c netif/ethernet.c)
FW_LWIP_OBJS := $(patsubst $(FW_LWIP)/src/%.c,$(FW_O)/fw/lwip/%.o,$(FW_LWIP_SRCS))
FW_BOARD_OBJS := $(addprefix $(FW_O)/fw/,startup.o board.o sys_arch.o)
FW_APP_OBJS := $(addprefix $(FW_O)/fw/,main.o wolfssl_hooks.o) $(FW_BOARD_OBJS)
FW_SMTP_OBJS := $(addprefix $(FW_O)/fw/,smtp_app.o lwip/apps/smtp/smtp.o) $(FW_BOARD_OBJS)
FW_WARN := -std=c11 -Wall -Wextra -Werror

.PHONY: firmware firmware-smtp-app firmware-lib firmware-toolchain
firmware: $(FW_O)/postlet-example.elf
firmware-smtp-app: $(FW_O)/lwip-smtp-example.elf

firmware-toolchain:
	$(Q)sh scripts/install-cross.sh cm4

$(FW_LWIP)/.complete:
	@echo "  FETCH   lwip source -> $(LWIP_SRC_CACHE)"
	$(Q)sh scripts/debian-source.sh lwip $(LWIP_SRC_CACHE) liblwip-dev >$(LWIP_SRC_CACHE).log 2>&1 || \
		{ tail -n 5 $(LWIP_SRC_CACHE).log >&2; exit 1; }
$(FW_LWIP_SRCS) $(FW_LWIP)/src/apps/smtp/smtp.c: | $(FW_LWIP)/.complete ;

# postlet's configuration for this image: the defconfig expanded by
# kconfiglib (not when this file is read by the library sub-make itself)
ifneq ($(FW_O),$(O))
$(FW_O)/.config: $(FW_DEFCONFIG) Kconfig
	$(Q)mkdir -p $(FW_O)
	$(Q)KCONFIG_CONFIG=$@ KCONFIG_ALLCONFIG=$(FW_DEFCONFIG) srctree=. \
		$(PYTHON) -m $(FW_KCONFIG) Kconfig >/dev/null
	@echo "  CONFIG  $@ ($(FW_KCONFIG) + $(FW_DEFCONFIG))"
endif

# libpostlet.a and libwolfssl.a: the ordinary library build, cross compiled
# (a sub-make, so the Makefile reads $(FW_O)/.config)
firmware-lib: $(FW_O)/.config | $(FW_LWIP)/.complete
	$(Q)$(MAKE) --no-print-directory O=$(FW_O) CROSS_COMPILE=$(FW_CROSS) \
		CFLAGS="$(FW_CFLAGS) $(FW_INC)" WOLFSSL_DEFS="$(FW_WOLFSSL_DEFS)" lib wolfssl

$(FW_O)/fw/lwip/%.o: $(FW_LWIP)/src/%.c $(FW_EX)/lwipopts.h | $(FW_LWIP)/.complete
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      lwip/$*.c")
	$(Q)$(FW_CC) $(FW_CFLAGS) $(FW_INC) -MMD -MP -c $< -o $@

$(FW_O)/fw/example_ca.h: $(FW_CA_PEM)
	@mkdir -p $(dir $@)
	$(Q){ echo '/* generated from $(FW_CA_PEM) by mk/firmware.mk */'; \
		echo 'static const char example_ca_pem[] ='; \
		sed 's/.*/	"&\\n"/' $<; echo ';'; } >$@

$(FW_O)/fw/main.o: $(FW_O)/fw/example_ca.h
$(FW_O)/fw/%.o: $(FW_EX)/%.c $(FW_EX)/lwipopts.h | firmware-lib $(FW_LWIP)/.complete
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(FW_CC) $(FW_WARN) $(FW_CFLAGS) $(FW_INC) -I$(FW_O)/fw -I$(FW_O)/include \
		-DPL_HAVE_AUTOCONF -Iagent -Iport -Iport/common -Iport/lwip -MMD -MP -c $< -o $@

$(FW_O)/fw/liblwip.a: $(FW_LWIP_OBJS)
	$(Q)rm -f $@
	$(Q)$(FW_AR) rcs $@ $^

$(FW_O)/postlet-example.elf: $(FW_APP_OBJS) $(FW_O)/fw/liblwip.a firmware-lib $(FW_EX)/cm4.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FW_CC) $(FW_LDFLAGS) -Wl,-Map=$(FW_O)/postlet-example.map $(FW_APP_OBJS) \
		$(FW_O)/libpostlet.a $(FW_O)/wolfssl/libwolfssl.a $(FW_O)/fw/liblwip.a -o $@

$(FW_O)/lwip-smtp-example.elf: $(FW_SMTP_OBJS) $(FW_O)/fw/liblwip.a $(FW_EX)/cm4.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FW_CC) $(FW_LDFLAGS) -Wl,-Map=$(FW_O)/lwip-smtp-example.map $(FW_SMTP_OBJS) \
		$(FW_O)/fw/liblwip.a -o $@

-include $(shell find $(FW_O)/fw -name '*.d' 2>/dev/null)
