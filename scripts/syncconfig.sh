#!/bin/sh
# Bring an existing .config up to date after Kconfig changed (a pull that
# added options): what `olddefconfig` does.  With kconfiglib it is exactly
# that; without it, every symbol the file lacks gets its default from
# configs/default.config (dependencies are not re-evaluated) and every
# value it has is kept.  Either way the file is newer than Kconfig after.
#   scripts/syncconfig.sh .config
set -eu
[ $# -eq 1 ] || { echo "usage: $0 .config" >&2; exit 2; }
cfg=$1
top=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-/usr/bin/python3}
if "$py" -c 'import kconfiglib' 2>/dev/null; then
	(cd "$top" && KCONFIG_CONFIG=$(cd "$(dirname "$cfg")" && pwd)/$(basename "$cfg") srctree=. \
		"$py" -m olddefconfig Kconfig >/dev/null)
else
	awk '
	function sym(line) {
		if (match(line, /^CONFIG_[A-Za-z0-9_]+=/)) return substr(line, 1, RLENGTH - 1)
		if (match(line, /^# CONFIG_[A-Za-z0-9_]+ is not set/)) { split(line, w, " "); return w[2] }
		return ""
	}
	NR == FNR { s = sym($0); if (s != "") have[s] = 1; print; next }
	{ s = sym($0); if (s != "" && !(s in have)) print }
	' "$cfg" "$top/configs/default.config" >"$cfg.tmp"
	mv "$cfg.tmp" "$cfg"
fi
touch "$cfg"
