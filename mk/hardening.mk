# Hardened code generation for host (Linux) builds of the front end:
# stack protector, fortified libc calls, position-independent executable,
# full RELRO with immediate binding.  Cross, firmware (lwIP) and static
# release builds are left alone: a foreign toolchain may not support these,
# and -pie does not combine with -static.
#
#   make HARDEN=n      build without them
#   make check-hardening   readelf proof on $(O)/postlet (see mk/analyze.mk)
HARDEN ?= y
HARDEN_CFLAGS := -fstack-protector-strong -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2 -fPIE
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now

ifeq ($(HARDEN)$(CROSS_COMPILE)$(CONFIG_POSTLET_PORT_LWIP)$(CONFIG_POSTLET_WOLFSSL_SOURCE),y)
# _FORTIFY_SOURCE needs an optimising build; without one glibc warns (-Werror)
ifeq ($(filter -O0,$(CFLAGS)),)
PL_CFLAGS += $(HARDEN_CFLAGS)
else
PL_CFLAGS += $(filter-out %_FORTIFY_SOURCE %_FORTIFY_SOURCE=2,$(HARDEN_CFLAGS))
endif
LDFLAGS += $(HARDEN_LDFLAGS)
endif
