#!/usr/bin/env bash
# Router and static builds, proven: postlet cross compiled for mipsel and
# aarch64 (Debian's cross gcc, glibc, static) and for x86_64 with musl,
# each with wolfSSL built from Debian's source package for that target
# (mk/cross.mk), then run under qemu-user (natively for musl) against the
# test bed: a message must arrive intact.  Also: the Cortex-M4 firmware
# image (make firmware) links with everything it needs.
#
# Prints one PASS/FAIL/SKIP line per test.  Toolchains come from Debian's
# archive (scripts/install-cross.sh, root); without them the tests SKIP with
# the reason.  Builds are cached under $O/cross (a rebuild is a no-op), so
# the suite takes well under a minute after the first run.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
MAKE=${MAKE:-make}
failed=0
TB_STARTED=0
LOG=$O/cross
mkdir -p "$LOG"

cleanup() {
	if [ "$TB_STARTED" = 1 ]; then bash tests/testbed/testbed.sh stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failed=1; }
skip() { echo "SKIP $*"; }

# build TARGET -> 0 when $O/cross/TARGET/postlet is a static ELF for MACHINE
build() { # target machine-regex
	local t=$1 re=$2 bin=$O/cross/$1/postlet hdr
	if ! timeout 600 $MAKE --no-print-directory -j2 "cross-$t" >"$LOG/$t.log" 2>&1; then
		fail "cross_build_$t: make cross-$t failed: $(grep -m1 -E 'error|Error' "$LOG/$t.log" | cut -c1-160)"
		return 1
	fi
	hdr=$(readelf -h "$bin" 2>/dev/null | sed -n 's/^ *Machine: *//p')
	if ! printf '%s\n' "$hdr" | grep -Eq "$re"; then
		fail "cross_build_$t: $bin is for '$hdr', expected $re"
		return 1
	fi
	if readelf -l "$bin" | grep -q 'INTERP'; then
		fail "cross_build_$t: $bin is dynamically linked (has a program interpreter)"
		return 1
	fi
	# wolfSSL linked from this target's source build, not a system library
	if ! grep -q "$O/cross/$t/wolfssl/libwolfssl.a" "$O/cross/$t/postlet.map"; then
		fail "cross_build_$t: the link map shows no $O/cross/$t/wolfssl/libwolfssl.a"
		return 1
	fi
	pass "cross_build_$t ($hdr, static, $(stat -c %s "$bin") bytes unstripped)"
}

deliver() { # name binary [qemu]
	local name=$1 rc=0 reason=$LOG/$1.reason
	: >"$reason"
	T_REASON_FILE=$reason timeout -k 5 300 bash tests/cross/test_deliver.sh "$2" "${3:-}" \
		>"$LOG/$name.log" 2>&1 || rc=$?
	case $rc in
	0) pass "$name" ;;
	77) skip "$name: $(cat "$reason")" ;;
	*) fail "$name: $(cat "$reason" 2>/dev/null || tail -n 1 "$LOG/$name.log") (log: $LOG/$name.log)" ;;
	esac
}

testbed() {
	bash tests/testbed/testbed.sh status >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || return 1
	bash tests/testbed/testbed.sh start >"$LOG/testbed.log" 2>&1 || return 1
	TB_STARTED=1
}

have_mips=1 have_arm64=1 have_qemu=1 have_musl=1
sh scripts/install-cross.sh mips 2>"$LOG/apt.err" || have_mips=0
sh scripts/install-cross.sh arm64 2>>"$LOG/apt.err" || have_arm64=0
sh scripts/install-cross.sh qemu 2>>"$LOG/apt.err" || have_qemu=0
if [ "$(uname -m)" = x86_64 ]; then
	sh scripts/install-cross.sh musl 2>>"$LOG/apt.err" || have_musl=0
else
	have_musl=0
fi
why() { tail -n 1 "$LOG/apt.err" 2>/dev/null; }

tb=1
testbed || tb=0

if [ "$have_mips" = 1 ]; then
	if build mipsel 'MIPS'; then
		if [ "$have_qemu" = 0 ]; then
			skip "cross_qemu_mipsel_deliver: qemu-user cannot be installed ($(why))"
		elif [ "$tb" = 0 ]; then
			skip "cross_qemu_mipsel_deliver: the test bed is not running and cannot be started (needs root)"
		else
			deliver cross_qemu_mipsel_deliver "$O/cross/mipsel/postlet" qemu-mipsel
		fi
	fi
else
	skip "cross_build_mipsel: gcc-mipsel-linux-gnu cannot be installed ($(why))"
fi

if [ "$have_arm64" = 1 ]; then
	if build aarch64 'AArch64'; then
		if [ "$have_qemu" = 0 ]; then
			skip "cross_qemu_aarch64_deliver: qemu-user cannot be installed ($(why))"
		elif [ "$tb" = 0 ]; then
			skip "cross_qemu_aarch64_deliver: the test bed is not running and cannot be started (needs root)"
		else
			deliver cross_qemu_aarch64_deliver "$O/cross/aarch64/postlet" qemu-aarch64
		fi
	fi
else
	skip "cross_build_aarch64: gcc-aarch64-linux-gnu cannot be installed ($(why))"
fi

if [ "$have_musl" = 1 ]; then
	if build musl 'X86-64'; then
		if [ "$tb" = 0 ]; then
			skip "cross_musl_deliver: the test bed is not running and cannot be started (needs root)"
		else
			deliver cross_musl_deliver "$O/cross/musl/postlet"
		fi
	fi
else
	skip "cross_build_musl: musl-tools cannot be installed here (x86_64 only; $(why))"
fi

# The Cortex-M4 firmware image (mk/firmware.mk) must link: postlet's lwIP
# port library with the alert API and its flash and RAM stores, lwIP and
# wolfSSL (firmware profile) in one ARM ELF.
if sh scripts/install-cross.sh cm4 2>>"$LOG/apt.err"; then
	fw=$O/cross/cm4
	if ! timeout 600 $MAKE --no-print-directory -j2 firmware FW_O="$fw" >"$LOG/cm4.log" 2>&1; then
		fail "firmware_link: make firmware failed: $(grep -m1 -E 'error|Error' "$LOG/cm4.log" | cut -c1-160)"
	else
		elf=$fw/postlet-example.elf
		m=$(readelf -h "$elf" 2>/dev/null | sed -n 's/^ *Machine: *//p')
		missing=
		for sym in main pl_alert_send pl_alert_poll pl_store_block_init pl_store_ram_init \
			pl_session_transact pl_smtp_rx pl_tls_open pl_port_connect wolfSSL_connect \
			wolfSSL_CTX_load_verify_buffer_ex lwip_connect tcpip_init tcp_write; do
			arm-none-eabi-nm "$elf" | grep -q " [TtWw] $sym\$" || missing="$missing $sym"
		done
		if [ "$m" != ARM ]; then
			fail "firmware_link: $elf is for '$m', expected ARM"
		elif [ -n "$missing" ]; then
			fail "firmware_link: $elf lacks:$missing"
		else
			pass "firmware_link (Cortex-M4 ELF, $(arm-none-eabi-size "$elf" | awk 'NR == 2 { print $1 + $2 " bytes flash, " $2 + $3 " bytes static RAM" }'))"
		fi
	fi
else
	skip "firmware_link: arm-none-eabi-gcc with newlib-nano cannot be installed ($(why))"
fi

exit "$failed"
