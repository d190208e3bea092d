#!/usr/bin/env bash
# make size: measured sizes, heap and RSS of postlet's builds, next to the
# budgets of the lwIP and wolfSSL issues.  Reports; asserts nothing (exit 0
# unless a build itself fails).  Writes the report to $O/size/report.md too.
#
# Parts (SIZE_PARTS, default all):
#   firmware  Cortex-M4 example image (mk/firmware.mk): flash/RAM per
#             component for the minimal and the full Kconfig, SP Cortex-M
#             assembly on and off; lwIP's own smtp app for comparison
#   heap      peak heap of the TLS handshake with the firmware wolfSSL
#             profile, on the host against the test bed (heap_probe)
#   routers   static postlet for mipsel, aarch64 (glibc) and x86_64 (musl,
#             glibc): postlet + wolfSSL code, stripped size, peak RSS per send
#
# Needs root for apt (toolchains) and the test bed; parts that cannot run
# say why and are left out.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
MAKE=${MAKE:-make}
PARTS=${SIZE_PARTS:-firmware heap routers}
OUT=$O/size
mkdir -p "$OUT"
REPORT=$OUT/report.md
: >"$REPORT"
MAP=scripts/size-map.py

p() { printf '%s\n' "$*" | tee -a "$REPORT"; }
note() { printf 'size: %s\n' "$*" >&2; }
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }

# comp MAPFILE REGEX FIELD... -> sum of the fields (text rodata data bss) of
# the components whose name matches REGEX
comp() {
	local map=$1 re=$2
	shift 2
	python3 "$MAP" "$map" | awk -F '\t' -v re="$re" -v f="$*" '
		BEGIN { n = split(f, w, " "); col["text"] = 2; col["rodata"] = 3; col["data"] = 4; col["bss"] = 5 }
		$1 ~ re { for (i = 1; i <= n; i++) s += $col[w[i]] }
		END { print s + 0 }'
}

# table MAPFILE: one row per component
comp_table() {
	local map=$1
	p "| component | .text | .rodata | .data | .bss | flash | RAM |"
	p "|---|---:|---:|---:|---:|---:|---:|"
	python3 "$MAP" "$map" | sort -t "$(printf '\t')" -k2,2nr | while IFS="$(printf '\t')" read -r name t r d b; do
		p "| $name | $t | $r | $d | $b | $((t + r + d)) | $((d + b)) |"
	done
}

# ---------------------------------------------------------------- firmware
firmware() {
	local v dir cfg kmode defs maps=()
	if ! sh scripts/install-cross.sh cm4; then
		p "firmware: skipped (arm-none-eabi-gcc with newlib-nano not available)"
		return
	fi
	# name dir defconfig kconfig-mode wolfssl-defs
	set -- \
		"minimal, SP asm" "$O/cm4/min-asm" configs/minimal_defconfig allnoconfig "" \
		"minimal, SP C" "$O/cm4/min-c" configs/minimal_defconfig allnoconfig POSTLET_WOLFSSL_CORTEX_M_ASM=0 \
		"full, SP asm" "$O/cm4/full-asm" configs/firmware_defconfig alldefconfig "" \
		"full, SP C" "$O/cm4/full-c" configs/firmware_defconfig alldefconfig POSTLET_WOLFSSL_CORTEX_M_ASM=0 \
		"full, SP C, TLS 1.3 + AES-GCM only" "$O/cm4/full-c-t13" configs/firmware_defconfig alldefconfig \
		"POSTLET_WOLFSSL_CORTEX_M_ASM=0 POSTLET_WOLFSSL_TLS13_ONLY POSTLET_WOLFSSL_NO_CHACHA"
	local names=()
	while [ $# -gt 0 ]; do
		v=$1 dir=$2 cfg=$3 kmode=$4 defs=$5
		shift 5
		note "building the Cortex-M4 image ($v) in $dir"
		mkdir -p "$(dirname "$dir")"
		if ! $MAKE --no-print-directory -j2 firmware FW_O="$dir" FW_DEFCONFIG="$cfg" \
			FW_KCONFIG="$kmode" FW_WOLFSSL_DEFS="$defs" >"$dir.log" 2>&1; then
			tail -n 20 "$dir.log" >&2
			p "firmware ($v): build FAILED (see $dir.log)"
			return 1
		fi
		names+=("$v")
		maps+=("$dir/postlet-example.map")
	done
	$MAKE --no-print-directory -j2 firmware-smtp-app FW_O="$O/cm4/full-c" >"$O/cm4/smtp.log" 2>&1 ||
		{ tail -n 20 "$O/cm4/smtp.log" >&2; p "lwIP smtp app: build FAILED"; return 1; }
	local smap=$O/cm4/full-c/lwip-smtp-example.map

	p "## Cortex-M4 firmware image"
	p ""
	p "port/lwip/example linked with $(arm-none-eabi-gcc --version | head -n 1), newlib-nano,"
	p "\`-mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections -Wl,--gc-sections\`;"
	p "lwIP $(cat build/lwip-src/VERSION 2>/dev/null) and wolfSSL $(cat build/wolfssl-src/VERSION 2>/dev/null) from Debian's source packages."
	p "Bytes after --gc-sections, from the link maps. flash = .text + .rodata + .data, RAM = .data + .bss"
	p "(heap and stacks not included). Budgets are the issue's; reported, not asserted."
	p ""
	local hdr="|" sep="|---|" n
	for n in "${names[@]}"; do hdr="$hdr | $n"; sep="$sep---:|"; done
	p "$hdr | budget |"
	p "$sep---|"
	row() { # label regex fields budget
		local label=$1 re=$2 f=$3 budget=$4 line m
		line="| $label |"
		for m in "${maps[@]}"; do line="$line $(comp "$m" "$re" $f) |"; done
		p "$line $budget |"
	}
	row "postlet core .text (engine, session, link)" '^postlet core$' text "≤ 4096 minimal, ≤ 10240 full"
	row "postlet core flash" '^postlet core$' "text rodata data" ""
	row "TLS glue flash" '^TLS glue$' "text rodata data" ""
	row "postlet lwIP port flash" '^postlet port$' "text rodata data" ""
	row "alert API, queue, storm control, stores flash" '^postlet queue$' "text rodata data" ""
	row "**postlet flash** (core + TLS glue + port + alerts)" '^(postlet core|TLS glue|postlet port|postlet queue)$' "text rodata data" ""
	row "postlet RAM (static pl_session or pl_alert_ctx, stores, .data/.bss)" '^(postlet core|TLS glue|postlet port|postlet session|postlet queue)$' "data bss" ""
	row "wolfSSL flash" '^wolfSSL$' "text rodata data" ""
	row "**postlet + wolfSSL flash**" '^(postlet core|TLS glue|postlet port|postlet queue|wolfSSL)$' "text rodata data" "≤ 122880"
	row "wolfSSL RAM (static)" '^wolfSSL$' "data bss" ""
	row "lwIP flash" '^lwIP$' "text rodata data" ""
	row "lwIP RAM (MEM_SIZE heap, pools)" '^lwIP$' "data bss" ""
	row "libc + libgcc flash (newlib-nano)" '^libc' "text rodata data" ""
	row "app + board stubs flash" '^app' "text rodata data" ""
	row "image flash" '.' "text rodata data" ""
	row "image RAM (static)" '.' "data bss" ""
	p ""
	p "lwIP's own SMTP client (src/apps/smtp: raw API, no TLS, one recipient), same flags, lwIP and board:"
	p ""
	p "| | .text | .rodata | .data | .bss | flash | RAM |"
	p "|---|---:|---:|---:|---:|---:|---:|"
	local t r d b
	t=$(comp "$smap" '^lwIP smtp app$' text) r=$(comp "$smap" '^lwIP smtp app$' rodata)
	d=$(comp "$smap" '^lwIP smtp app$' data) b=$(comp "$smap" '^lwIP smtp app$' bss)
	p "| lwIP smtp app | $t | $r | $d | $b | $((t + r + d)) | $((d + b)) |"
	t=$(comp "$smap" '.' text) r=$(comp "$smap" '.' rodata) d=$(comp "$smap" '.' data) b=$(comp "$smap" '.' bss)
	p "| whole lwIP smtp image | $t | $r | $d | $b | $((t + r + d)) | $((d + b)) |"
	p ""
	p "Per component, ${names[2]} ($O/cm4/full-asm/postlet-example.elf):"
	p ""
	comp_table "${maps[2]}"
	p ""
	p "wolfSSL's largest objects (${names[2]} / ${names[3]}), flash bytes:"
	p ""
	p "| object | SP asm | SP C |"
	p "|---|---:|---:|"
	{ python3 "$MAP" "${maps[2]}" --objects; python3 "$MAP" "${maps[3]}" --objects; } |
		awk -F '\t' '/libwolfssl/ { sub(/.*\(/, "", $1); sub(/\)/, "", $1); n = $2 + $3 + $4; if (n > m[$1]) m[$1] = n }
		END { for (o in m) print o "\t" m[o] }' |
		sort -t "$(printf '\t')" -k2,2nr | head -n 14 | while IFS="$(printf '\t')" read -r o n; do
			a=$(python3 "$MAP" "${maps[2]}" --objects | awk -F '\t' -v o="($o)" 'index($1, o) { print $2 + $3 + $4 }')
			c=$(python3 "$MAP" "${maps[3]}" --objects | awk -F '\t' -v o="($o)" 'index($1, o) { print $2 + $3 + $4 }')
			p "| $o | ${a:-0} | ${c:-0} |"
		done
	p ""
}

# -------------------------------------------------------------------- heap
TB_STARTED=0
testbed_up() {
	if bash tests/testbed/testbed.sh status >/dev/null 2>&1; then
		return 0
	fi
	[ "$(id -u)" = 0 ] || return 1
	bash tests/testbed/testbed.sh start >"$OUT/testbed.log" 2>&1 || return 1
	TB_STARTED=1
}
cleanup() {
	if [ "$TB_STARTED" = 1 ]; then bash tests/testbed/testbed.sh stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

heap() {
	if ! $MAKE --no-print-directory heap-probe HEAP_O="$O/heap" >"$OUT/heap-build.log" 2>&1; then
		tail -n 20 "$OUT/heap-build.log" >&2
		p "heap: build of heap_probe FAILED (see $OUT/heap-build.log)"
		return 1
	fi
	if ! testbed_up; then
		p "heap: skipped (the test bed is not running and cannot be started here)"
		return
	fi
	eval "$(bash tests/testbed/testbed.sh env)"
	local res rc=0
	res=$("$O/heap/heap_probe" --host 127.0.0.1 --port "$TESTBED_SUBMISSION_PORT" \
		--tls-name mail.postlet.test --ca "$TESTBED_CA" --user "$TESTBED_USER" \
		--password "$TESTBED_PASS" --from "$TESTBED_USER" --rcpt "heap-probe@postlet.test" \
		2>"$OUT/heap.err") || rc=$?
	if [ "$rc" != 0 ]; then
		cat "$OUT/heap.err" >&2
		p "heap: heap_probe FAILED: $(tail -n 1 "$OUT/heap.err")"
		return 1
	fi
	val() { printf '%s\n' "$res" | sed -n "s/^$1=//p"; }
	p "## TLS handshake heap (firmware wolfSSL profile, on the host)"
	p ""
	p "port/lwip/example/heap_probe.c: the agent core with wolfSSL built for x86_64 from"
	p "user_settings_firmware.h (portable SP C, WOLFSSL_SMALL_STACK, CA as PEM text), a counting"
	p "allocator behind wolfSSL_SetAllocators, one STARTTLS + AUTH PLAIN send to the test bed"
	p "(Postfix, RSA-2048 certificate). postlet itself allocates nothing."
	p ""
	p "| | bytes | budget |"
	p "|---|---:|---|"
	p "| peak heap up to the end of the handshake | $(val heap_peak_handshake) | ≤ 40960 |"
	p "| peak heap over the whole send | $(val heap_peak_total) | |"
	p "| wolfSSL allocations per send | $(val heap_allocs) | |"
	p "| heap in use after the send | $(val heap_in_use_after) | |"
	p "| sizeof(pl_session) (static, x86_64) | $(val session_bytes) | |"
	p ""
	p "Negotiated: $(val tls)."
	p ""
}

# ----------------------------------------------------------------- routers
routers() {
	local t dir bin strip prefix run
	sh scripts/install-cross.sh mips arm64 musl qemu || note "some cross tools are missing"
	mkdir -p "$O/cross"
	p "## Static postlet for routers and Linux (release profile, wolfSSL from source)"
	p ""
	p "\`configs/release_defconfig\`, wolfSSL linux profile, \`-static -Wl,--gc-sections\`."
	p "postlet = core + TLS glue + POSIX port + CLI; code = .text + .rodata from the link map."
	p "Goal (issue 10): postlet + wolfSSL code ≤ 358400 bytes (350 KB). Peak RSS: one send to the"
	p "test bed, \`/usr/bin/time -v\` (native x86_64 only; under qemu it would be qemu's)."
	p ""
	p "| target | wolfSSL math | postlet code | wolfSSL code | postlet + wolfSSL | libc code | stripped file | peak RSS |"
	p "|---|---|---:|---:|---:|---:|---:|---:|"
	# target make-target dir strip-prefix math-label extra-make-args
	set -- \
		"mipsel (glibc)" cross-mipsel "$O/cross/mipsel" mipsel-linux-gnu- "SP C (sp_c32)" "" \
		"aarch64 (glibc)" cross-aarch64 "$O/cross/aarch64" aarch64-linux-gnu- "SP ARM64 asm" "" \
		"x86_64 (musl)" cross-musl "$O/cross/musl" "" "SP x86_64 asm + AVX" "" \
		"x86_64 (musl), WOLFSSL_ASM=n" cross-musl-c "$O/cross/musl-c" "" "SP C (sp_c64)" "" \
		"x86_64 (glibc)" cross-x86_64 "$O/cross/x86_64" "" "SP x86_64 asm + AVX" ""
	while [ $# -gt 0 ]; do
		t=$1 mt=$2 dir=$3 prefix=$4 math=$5
		shift 6
		if ! $MAKE --no-print-directory -j2 "$mt" >"$dir.log" 2>&1; then
			p "| $t | $math | build failed or toolchain missing ($(grep -m1 -i 'error\|not found' "$dir.log" | cut -c1-80)) | | | | | |"
			continue
		fi
		bin=$dir/postlet
		local map=$dir/postlet.map pc wc lc sz rss=-
		pc=$(comp "$map" '^(postlet|TLS glue)' "text rodata")
		wc=$(comp "$map" '^wolfSSL$' "text rodata")
		lc=$(comp "$map" '^libc' "text rodata")
		"${prefix}strip" -o "$dir/postlet.stripped" "$bin"
		sz=$(stat -c %s "$dir/postlet.stripped")
		if [ -z "$prefix" ] && [ -x /usr/bin/time ] && testbed_up; then
			eval "$(bash tests/testbed/testbed.sh env)"
			rss=$(send_rss "$bin")
		fi
		p "| $t | $math | $pc | $wc | **$((pc + wc))** | $lc | $sz | $rss |"
	done
	p ""
}

# send_rss BINARY -> "N KiB" peak RSS of one send to the test bed
send_rss() {
	local cfg=$OUT/postletrc
	(
		umask 077
		cat >"$cfg" <<EOC
account testbed
host localhost
port $TESTBED_SUBMISSION_PORT
tls on
tls_starttls on
tls_trust_file $TESTBED_CA
auth plain
user $TESTBED_USER
password $TESTBED_PASS
from $TESTBED_USER
account default : testbed
EOC
	)
	printf 'Subject: size report RSS probe\n\nOne send, measured by scripts/size-report.sh.\n' |
		/usr/bin/time -v "$1" -C "$cfg" size-rss@postlet.test 2>"$OUT/rss.err" >/dev/null ||
		{ echo "send failed"; return; }
	awk -F': ' '/Maximum resident set size/ { print $2 " KiB" }' "$OUT/rss.err"
}

rc=0
want firmware && { firmware || rc=1; }
want heap && { heap || rc=1; }
want routers && { routers || rc=1; }
note "report written to $REPORT"
exit "$rc"
