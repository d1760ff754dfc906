#!/usr/bin/env bash
# Runs the arm64 binary under qemu-user emulation: 'version' and 'self-test' must pass.
# Prints 'arm64-smoke: N passed, N failed'.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# The binary needs the board's libc and libssl (System.Security.Cryptography loads OpenSSL at run
# time). They come from Debian's arm64 multiarch packages, and the loader must come from the same
# set: pairing the cross toolchain's ld.so with multiarch libc.so makes pthread_create spin forever.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  as_root dpkg --add-architecture arm64
  APT_UPDATED=
fi
ensure_packages qemu-user-static libc6:arm64 libssl3:arm64
bin="$REPO/out/linux-arm64/appliance"
[ -x "$bin" ] || die "$bin is missing: run build/publish.sh arm64"
run() { timeout 300 qemu-aarch64-static -L / "$bin" "$@"; }
passed=0 failed=0
if out=$(run version) && [[ "$out" == appliance*linux-arm64* ]]; then
  echo "PASS arm64 version: $out"; passed=$((passed+1))
else
  echo "FAIL arm64 version: $out"; failed=$((failed+1))
fi
if out=$(run self-test 2>&1); then
  echo "PASS arm64 self-test ($(tail -n1 <<<"$out"))"; passed=$((passed+1))
else
  echo "$out"; echo "FAIL arm64 self-test"; failed=$((failed+1))
fi
echo "arm64-smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
