#!/bin/sh
# Turn a .config into autoconf.h without any Kconfig tool, so that `make`
# works on a machine that has none.  Same output convention as kconfiglib's
# genconfig: bools set to y become 1, unset bools are absent.
set -eu
in=$1 out=$2
tmp=$out.tmp
{
	echo "/* Generated from $(basename "$in") by scripts/genconfig.sh; do not edit. */"
	echo "#ifndef PL_AUTOCONF_H"
	echo "#define PL_AUTOCONF_H"
	sed -n \
		-e 's/^\(CONFIG_[A-Za-z0-9_]*\)=y$/#define \1 1/p' \
		-e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(-\{0,1\}[0-9][0-9]*\)$/#define \1 \2/p' \
		-e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(0x[0-9A-Fa-f]*\)$/#define \1 \2/p' \
		-e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(".*"\)$/#define \1 \2/p' \
		"$in"
	echo "#endif"
} > "$tmp"
# keep the old file (and its timestamp) when nothing changed
if [ -f "$out" ] && cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv "$tmp" "$out"; fi
