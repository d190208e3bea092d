#!/bin/sh
# Expand a defconfig without kconfiglib (OpenWrt SDK, other build hosts):
#   scripts/defconfig-merge.sh DEFCONFIG > .config
# Starts from configs/default.config (which `make check` keeps equal to the
# Kconfig defaults), applies every CONFIG_ line of DEFCONFIG, and for a
# choice member set to y turns its siblings off (choices read from Kconfig).
# Dependencies are not re-evaluated: for the shipped defconfigs that is
# exact; with kconfiglib prefer `make defconfig DEFCONFIG=...`.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DEFCONFIG" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
awk -v def="$1" '
	# pass 1: Kconfig choice groups
	FILENAME ~ /Kconfig$/ {
		if ($1 == "choice") { g++; inchoice = 1 }
		else if ($1 == "endchoice") inchoice = 0
		else if (inchoice && $1 == "config") group["CONFIG_" $2] = g
		next
	}
	# pass 2: the defconfig
	FILENAME == def {
		if (match($0, /^CONFIG_[A-Za-z0-9_]+=/)) { s = substr($0, 1, RLENGTH - 1); set[s] = $0; order[++n] = s }
		else if (match($0, /^# CONFIG_[A-Za-z0-9_]+ is not set/)) { s = $2; set[s] = $0; order[++n] = s }
		next
	}
	# pass 3: the defaults, overridden
	{
		s = ""
		if (match($0, /^CONFIG_[A-Za-z0-9_]+=/)) s = substr($0, 1, RLENGTH - 1)
		else if (match($0, /^# CONFIG_[A-Za-z0-9_]+ is not set/)) s = $2
		if (s != "" && s in set) { print set[s]; done[s] = 1; next }
		if (s != "" && (s in group)) {
			for (k in set) if ((k in group) && group[k] == group[s] && set[k] ~ /=y$/) {
				print "# " s " is not set"; next
			}
		}
		print
	}
	END { for (i = 1; i <= n; i++) if (!(order[i] in done)) print set[order[i]] }
' "$top/Kconfig" "$1" "$top/configs/default.config"
