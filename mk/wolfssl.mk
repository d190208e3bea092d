# wolfSSL from Debian's source package, built per target with postlet's own
# user_settings.h profile.  Included by the Makefile when
# CONFIG_POSTLET_WOLFSSL_SOURCE=y.  See docs/wolfssl.md.
#
# Sets for the Makefile:
#   WOLFSSL_CFLAGS  -DWOLFSSL_USER_SETTINGS and the include directories
#   WOLFSSL_LIBS    $(O)/wolfssl/libwolfssl.a
#   WOLFSSL_DEP     the same file: building it fetches the source, installs
#                   user_settings.h and compiles the library
# and appends the static link flags to LDFLAGS.
#
# Knobs (make variables):
#   CONFIG_POSTLET_WOLFSSL_PROFILE  profile name (from .config; may be given
#                   on the command line): configs/wolfssl/user_settings_<p>.h
#   WOLFSSL_SRC_CACHE   where the unpacked source is cached, shared by all
#                   build directories (default build/wolfssl-src)
#   WOLFSSL_OPT     optimisation for wolfSSL (default -Os)
#   WOLFSSL_TARGET_CFLAGS  extra compiler flags for wolfSSL only (-mcpu=...)
#   WOLFSSL_DEFS    extra macros for the profile, e.g.
#                   WOLFSSL_DEFS="POSTLET_WOLFSSL_SP_FAST"; they are written
#                   into the generated user_settings.h, so postlet's objects
#                   see exactly the configuration the library was built with
#   WOLFSSL_ASM=n   no assembly (portable SP C code on every target)
#   WOLFSSL_STATIC_LDFLAGS  default -static (whole binary); set it empty to
#                   link only wolfSSL statically and libc dynamically

WOLFSSL_SRC_CACHE ?= build/wolfssl-src
WOLFSSL_SRC := $(WOLFSSL_SRC_CACHE)/wolfssl
WOLFSSL_OPT ?= -Os
WOLFSSL_ASM ?= y
WOLFSSL_STATIC_LDFLAGS ?= -static
WOLFSSL_TARGET_CFLAGS ?=
WOLFSSL_DEFS ?=

ifeq ($(origin AR),default)
AR := $(CROSS_COMPILE)ar
endif

WOLFSSL_PROFILE := $(strip $(patsubst "%",%,$(CONFIG_POSTLET_WOLFSSL_PROFILE)))
ifeq ($(WOLFSSL_PROFILE),)
WOLFSSL_PROFILE := linux
endif
WOLFSSL_SETTINGS := configs/wolfssl/user_settings_$(WOLFSSL_PROFILE).h
ifeq ($(wildcard $(WOLFSSL_SETTINGS)),)
$(error CONFIG_POSTLET_WOLFSSL_PROFILE="$(WOLFSSL_PROFILE)": no $(WOLFSSL_SETTINGS))
endif

WOLFSSL_OUT := $(O)/wolfssl
WOLFSSL_LIBA := $(WOLFSSL_OUT)/libwolfssl.a
WOLFSSL_USER_H := $(WOLFSSL_OUT)/include/user_settings.h
WOLFSSL_FETCHED := $(WOLFSSL_SRC_CACHE)/VERSION

# Target machine (x86_64-linux-gnu, aarch64-linux-gnu, arm-none-eabi, ...):
# selects assembly files; user_settings.h selects the code by the compiler's
# predefined macros, so both agree.
WOLFSSL_MACHINE := $(shell $(CC) -dumpmachine 2>/dev/null)

# Bare-metal ARM without a CPU given: Cortex-M4, Thumb-2.
ifneq ($(filter arm-none-eabi%,$(WOLFSSL_MACHINE)),)
ifeq ($(filter -mcpu=% -march=%,$(CFLAGS) $(WOLFSSL_TARGET_CFLAGS)),)
WOLFSSL_TARGET_CFLAGS += -mcpu=cortex-m4 -mthumb
endif
endif

# TLS layer: client pieces only (ssl.c itself includes ssl_misc.c, pk.c,
# bio.c, x509.c, x509_str.c and wolfcrypt's evp.c and misc.c).
WOLFSSL_TLS_SRCS := src/ssl.c src/tls.c src/tls13.c src/internal.c src/keys.c src/wolfio.c

# wolfCrypt: what the profiles enable.  Every sp_*.c is listed: each one is
# empty unless user_settings.h picked it for this CPU.
WOLFSSL_CRYPT_SRCS := $(addprefix wolfcrypt/src/, \
	aes.c asn.c chacha.c chacha20_poly1305.c coding.c curve25519.c ecc.c \
	cpuid.c error.c fe_operations.c hash.c hmac.c kdf.c logging.c md5.c memory.c \
	poly1305.c pwdbased.c random.c rsa.c sha.c sha256.c sha512.c \
	sp_int.c sp_c32.c sp_c64.c sp_x86_64.c sp_arm64.c sp_arm32.c \
	sp_cortexm.c sp_armthumb.c wc_encrypt.c wc_port.c wolfmath.c)

WOLFSSL_ASM_SRCS :=
ifeq ($(WOLFSSL_ASM),y)
ifneq ($(filter x86_64-%,$(WOLFSSL_MACHINE)),)
WOLFSSL_ASM_SRCS += wolfcrypt/src/sp_x86_64_asm.S
# AVX1/AVX2 X25519, SHA-2, ChaCha20, Poly1305 (chosen at run time by
# cpuid; POSTLET_WOLFSSL_INTEL_SPEEDUP makes the profile set
# USE_INTEL_SPEEDUP).  WOLFSSL_INTEL_SPEEDUP=n leaves them out.
WOLFSSL_INTEL_SPEEDUP ?= y
ifeq ($(WOLFSSL_INTEL_SPEEDUP),y)
override WOLFSSL_DEFS += POSTLET_WOLFSSL_INTEL_SPEEDUP
WOLFSSL_ASM_SRCS += $(addprefix wolfcrypt/src/,fe_x25519_asm.S sha256_asm.S \
	sha512_asm.S chacha_asm.S poly1305_asm.S)
endif
endif
else
override WOLFSSL_DEFS += POSTLET_WOLFSSL_NO_ASM
endif

WOLFSSL_LIB_SRCS := $(WOLFSSL_TLS_SRCS) $(WOLFSSL_CRYPT_SRCS) $(WOLFSSL_ASM_SRCS)
WOLFSSL_OBJS := $(patsubst %,$(WOLFSSL_OUT)/obj/%.o,$(basename $(WOLFSSL_LIB_SRCS)))

# wolfSSL's own flags: no postlet warnings/-Werror, no postlet -O level.
# Target flags from CFLAGS (-mcpu, -march, -mfpu, -g, ...) are kept.
WOLFSSL_INC := -DWOLFSSL_USER_SETTINGS -I$(WOLFSSL_OUT)/include -I$(WOLFSSL_SRC)
WOLFSSL_OWN_CFLAGS := $(WOLFSSL_INC) $(filter-out -O% -W% -Werror%,$(CFLAGS)) \
	$(WOLFSSL_OPT) -ffunction-sections -fdata-sections -MMD -MP $(WOLFSSL_TARGET_CFLAGS)

# --- what the Makefile uses ------------------------------------------------
WOLFSSL_CFLAGS := $(WOLFSSL_INC)
WOLFSSL_LIBS := $(WOLFSSL_LIBA)
WOLFSSL_DEP := $(WOLFSSL_LIBA)
# postlet itself: static, unused sections dropped (also from postlet's
# code).  Release, router and firmware builds are sized, not profiled, so
# postlet's own objects are optimised for size too, unless CFLAGS was given
# on the command line or in the environment.
ifeq ($(origin CFLAGS),file)
override CFLAGS := $(patsubst -O2,-Os,$(CFLAGS))
endif
override CFLAGS += -ffunction-sections -fdata-sections
override LDFLAGS += $(WOLFSSL_STATIC_LDFLAGS) -Wl,--gc-sections
# relink when the library changes (e.g. another profile)
$(O)/postlet: $(WOLFSSL_LIBA)

.PHONY: wolfssl wolfssl-source FORCE
wolfssl: $(WOLFSSL_LIBA)
wolfssl-source: $(WOLFSSL_FETCHED)

# fetched once: a newer script does not refetch (delete the cache for
# that), so a copied tree with its cache (OpenWrt SDK) never calls apt
$(WOLFSSL_FETCHED):
	@echo "  FETCH   wolfssl source -> $(WOLFSSL_SRC_CACHE)"
	$(Q)sh scripts/wolfssl-source.sh $(WOLFSSL_SRC_CACHE)
	$(Q)test -f $@ && touch $@

# the sources appear when the package is unpacked
$(addprefix $(WOLFSSL_SRC)/,$(WOLFSSL_LIB_SRCS)): | $(WOLFSSL_FETCHED) ;

# the profile, copied under the name wolfSSL includes; the copy keeps its
# timestamp unless the content (or the chosen profile) changed
$(WOLFSSL_USER_H): $(WOLFSSL_SETTINGS) FORCE
	@mkdir -p $(dir $@)
	$(Q){ echo "/* from $(WOLFSSL_SETTINGS) by mk/wolfssl.mk; do not edit */"; \
		for d in $(WOLFSSL_DEFS); do echo "#define $$d" | sed 's/=/ /'; done; \
		cat $(WOLFSSL_SETTINGS); } > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; \
		echo "  GEN     $@ (profile $(WOLFSSL_PROFILE))"; fi
FORCE:

# compiler, flags and file list: a change rebuilds the library (the
# Makefile's .SECONDARY: would otherwise let a missing object go unnoticed)
WOLFSSL_FLAGS_FILE := $(WOLFSSL_OUT)/build.flags
$(WOLFSSL_FLAGS_FILE): FORCE
	@mkdir -p $(dir $@)
	$(Q)printf '%s\n' '$(CC) $(WOLFSSL_OWN_CFLAGS)' '$(WOLFSSL_LIB_SRCS)' > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(WOLFSSL_OUT)/obj/%.o: $(WOLFSSL_SRC)/%.c $(WOLFSSL_USER_H) $(WOLFSSL_FLAGS_FILE) | $(WOLFSSL_FETCHED)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      wolfssl/$*.c")
	$(Q)$(CC) $(WOLFSSL_OWN_CFLAGS) -c $< -o $@

# wolfSSL's assembler files put every function in plain .text, so
# --gc-sections could not drop the ones postlet never calls (RSA-3072/4096,
# P-521, Ed25519 ... about 150 KB on x86_64).  Each `.text` directly
# followed by `.globl NAME` becomes `.section .text.NAME`: the assembler's
# equivalent of -ffunction-sections (ELF targets; these files are x86_64).
WOLFSSL_ASM_SPLIT := held { if ($$1 == ".globl") print "\t.section\t.text." $$2 ",\"ax\",@progbits"; \
	else print hl; held = 0 } \
	/^[ \t]*\.text[ \t]*$$/ { held = 1; hl = $$0; next } { print } END { if (held) print hl }

$(WOLFSSL_OUT)/obj/%.o: $(WOLFSSL_SRC)/%.S $(WOLFSSL_USER_H) $(WOLFSSL_FLAGS_FILE) mk/wolfssl.mk | $(WOLFSSL_FETCHED)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      wolfssl/$*.S")
	$(Q)awk '$(WOLFSSL_ASM_SPLIT)' $< >$(@:.o=.split.S)
	$(Q)$(CC) $(WOLFSSL_OWN_CFLAGS) -c $(@:.o=.split.S) -o $@

$(WOLFSSL_LIBA): $(WOLFSSL_OBJS) $(WOLFSSL_FLAGS_FILE)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $(WOLFSSL_OBJS)

-include $(shell find $(WOLFSSL_OUT)/obj -name '*.d' 2>/dev/null)

# the rules above must not become the Makefile's default goal
.DEFAULT_GOAL :=
