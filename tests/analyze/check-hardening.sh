#!/bin/sh
# Prove from the ELF headers that a Linux binary was built hardened:
# PIE, full RELRO (GNU_RELRO + BIND_NOW), stack protector, fortified calls.
# Prints one PASS/FAIL line per property; exit 1 if any failed.
set -u
bin=${1:?usage: check-hardening.sh BINARY}
rc=0
check() { # $1 = what, $2 = shell test
	if eval "$2"; then echo "PASS hardening: $1"; else echo "FAIL hardening: $1"; rc=1; fi
}
check "PIE ($bin)" "readelf -hW '$bin' | grep -q 'Type: *DYN'"
check "RELRO segment" "readelf -lW '$bin' | grep -q GNU_RELRO"
check "BIND_NOW (full RELRO)" "readelf -dW '$bin' | grep -Eq 'BIND_NOW|FLAGS.*NOW'"
check "stack protector" "readelf -sW --dyn-syms '$bin' | grep -q __stack_chk_fail"
check "FORTIFY_SOURCE" "readelf -sW --dyn-syms '$bin' | grep -q '__[a-z]*_chk'"
check "non-executable stack" "readelf -lW '$bin' | grep GNU_STACK | grep -qv RWE"
exit $rc
