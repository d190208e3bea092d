# Router and static-libc builds used by tests/cross and `make size`: the
# release configuration (wolfSSL from Debian's source package, linux
# profile, static) for each target, under $(O)/cross/<target>, with a link
# map for the size report.  The wolfSSL source is fetched once
# (build/wolfssl-src); each target's library is built once in its own dir.
#
#   make cross-mipsel     $(O)/cross/mipsel/postlet   (mipsel-linux-gnu-, SP C code)
#   make cross-aarch64    $(O)/cross/aarch64/postlet  (aarch64-linux-gnu-, SP ARM64 asm)
#   make cross-musl       $(O)/cross/musl/postlet     (musl-gcc, x86_64, SP x86_64 asm)
#   make cross-toolchains installs the compilers, qemu-user and musl-tools
#
# Plain `make CROSS_COMPILE=mipsel-linux-gnu-` works too (the Makefile then
# defaults to O=build-mipsel-linux-gnu and configs/release_defconfig).

CROSS_DIR := $(O)/cross
CROSS_PREFIX_mipsel := mipsel-linux-gnu-
CROSS_PREFIX_aarch64 := aarch64-linux-gnu-

.PHONY: cross-mipsel cross-aarch64 cross-musl cross-toolchains
cross-toolchains:
	$(Q)sh scripts/install-cross.sh mips arm64 qemu musl

cross-mipsel cross-aarch64:
	$(Q)$(MAKE) --no-print-directory O=$(CROSS_DIR)/$(@:cross-%=%) \
		CROSS_COMPILE=$(CROSS_PREFIX_$(@:cross-%=%)) \
		LDFLAGS="-Wl,-Map=$(CROSS_DIR)/$(@:cross-%=%)/postlet.map"

cross-musl:
	$(Q)$(MAKE) --no-print-directory O=$(CROSS_DIR)/musl CC=musl-gcc \
		CROSS_DEFCONFIG=configs/release_defconfig \
		LDFLAGS="-Wl,-Map=$(CROSS_DIR)/musl/postlet.map"

# the same for comparison: x86_64 musl with portable SP C (the smallest
# x86_64 build), and x86_64 glibc static (the default release build)
.PHONY: cross-musl-c cross-x86_64
cross-musl-c:
	$(Q)$(MAKE) --no-print-directory O=$(CROSS_DIR)/musl-c CC=musl-gcc WOLFSSL_ASM=n \
		CROSS_DEFCONFIG=configs/release_defconfig \
		LDFLAGS="-Wl,-Map=$(CROSS_DIR)/musl-c/postlet.map"

cross-x86_64:
	$(Q)$(MAKE) --no-print-directory O=$(CROSS_DIR)/x86_64 \
		CROSS_DEFCONFIG=configs/release_defconfig \
		LDFLAGS="-Wl,-Map=$(CROSS_DIR)/x86_64/postlet.map"
