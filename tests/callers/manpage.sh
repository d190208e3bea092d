#!/usr/bin/env bash
# The man page against the code, so that neither drifts: every flag the
# command line parser accepts (agent/cli/main.c, and the queue's
# agent/cli/queue_cli.c once it is there), every configuration key
# (agent/cli/conf.c) and every exit code the front end can return
# (EX_* in agent/cli/*.c) must be documented in docs/postlet.8, and the
# page must render without groff warnings.
#
#   bash tests/callers/manpage.sh        (no root, no test bed)
#
# Prints one "PASS|FAIL|SKIP callers_manpage_<what>[: why]" line per check;
# exit 0 when none failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
PAGE=docs/postlet.8
failed=0

result() { # NAME STATUS [why]
	echo "$2 callers_manpage_$1${3:+: $3}"
	[ "$2" = FAIL ] && failed=$((failed + 1))
	return 0
}

# the page's text between ".SH NAME" and the next .SH, or the whole page
section() {
	awk -v s="$1" '/^\.SH / { on = ($0 ~ "^\\.SH \"?" s) ; next } on' "$PAGE"
}

# a flag as the page writes it: each '-' as '\-'
man_flag() { printf '%s' "$1" | sed 's/-/\\-/g'; }

# --- flags ------------------------------------------------------------------
# The parser's single-letter cases (the body of parse_args) and every option
# string it compares against, in main.c and the queue's front end.
src=agent/cli/main.c
[ -f agent/cli/queue_cli.c ] && src="$src agent/cli/queue_cli.c"
body=$(awk '/^static int parse_args\(/, /^}/' agent/cli/main.c)
letters=$(printf '%s\n' "$body" | sed -n "s/^[[:space:]]*case '\([A-Za-z]\)':.*/\1/p" | sort -u)
# shellcheck disable=SC2086 # a list of files
strings=$(grep -ho 'str[n]*cmp([^,]*, *"--\?[A-Za-z][A-Za-z0-9-]*"' $src |
	sed 's/.*"\(.*\)"/\1/' | sort -u)
# plus the long options of `postlet alert` (a table of names)
strings=$({
	printf '%s\n' "$strings"
	grep -o '"--[a-z]*"' agent/cli/main.c | tr -d '"'
} | sort -u)
# where a flag counts as documented: the tag line of an item (the line after
# .TP) in OPTIONS, or a bold line in a subsection (postlet alert); a mention
# in some other option's text does not count
opts=$(section OPTIONS | awk '/^\.SS/ { sub_ = 1; next }
	tag { print; tag = 0; next }
	/^\.TP/ { tag = 1; next }
	sub_ && /^\.B/ { print }')
missing=
[ -n "$letters" ] || missing="(no case labels found in parse_args: update this test)"
for l in $letters; do
	printf '%s\n' "$opts" | grep -Fq -- "\\-$l" || missing="$missing -$l"
done
for f in $strings; do
	m=$(man_flag "$f")
	# as a whole word: "\-b" must not count for "\-bs"
	printf '%s\n' "$opts" | grep -Eq -- "$(printf '%s' "$m" | sed 's/\\/\\\\/g')([^A-Za-z0-9]|$)" ||
		missing="$missing $f"
done
n=$(($(printf '%s\n' $letters | grep -c .) + $(printf '%s\n' $strings | grep -c .)))
if [ -z "$missing" ]; then
	result flags PASS "$n flags"
else
	result flags FAIL "not in OPTIONS of $PAGE:$missing"
fi

# --- configuration keys ------------------------------------------------------
keys=$(sed -n 's/^[[:space:]]*FIELD_\(STR\|INT\)("\([a-z_]*\)".*/\2/p' agent/cli/conf.c | sort -u)
conf=$(section CONFIGURATION | grep '^\.B')
missing=
[ -n "$keys" ] || missing="(no FIELD_ keys found in conf.c: update this test)"
for k in $keys; do
	printf '%s\n' "$conf" | grep -Eq "(^|[ \"])$k([ \"]|$)" || missing="$missing $k"
done
if [ -z "$missing" ]; then
	result config_keys PASS
else
	result config_keys FAIL "keys not described in CONFIGURATION of $PAGE:$missing"
fi

# --- exit codes ----------------------------------------------------------------
codes=$(grep -ho '\bEX_[A-Z]*\b' agent/cli/*.c | sort -u)
exits=$(section "EXIT STATUS")
missing=
for c in $codes; do
	v=$(sed -n "s/^#define[[:space:]]*${c}[[:space:]]*\([0-9]*\).*/\1/p" /usr/include/sysexits.h)
	if [ -z "$v" ]; then
		missing="$missing $c(unknown to sysexits.h)"
	elif [ "$c" = EX_OK ]; then
		printf '%s\n' "$exits" | grep -Eq '^\.B 0$' || missing="$missing 0"
	else
		printf '%s\n' "$exits" | grep -Eq "^\.B $v $c\$" || missing="$missing $v($c)"
	fi
done
if [ -z "$missing" ]; then
	result exit_codes PASS
else
	result exit_codes FAIL "not in EXIT STATUS of $PAGE:$missing"
fi

# --- rendering -------------------------------------------------------------------
if command -v groff >/dev/null; then
	w=$(groff -man -ww -z "$PAGE" 2>&1)
	if [ -z "$w" ]; then
		result render PASS
	else
		result render FAIL "groff warnings: $(printf '%s' "$w" | tr '\n' ' ' | cut -c 1-300)"
	fi
else
	result render SKIP "groff not installed"
fi

[ "$failed" = 0 ]
