#!/usr/bin/env bash
# Runs the whole test suite on linux-arm64 under user-mode emulation, so the NEON (AdvSimd) paths are tested on an x64
# machine, then smoke-runs the benchmark project there. Installs what it needs: Debian's qemu-user and the arm64 C
# and C++ libraries, plus the arm64 libssl3 and libicu72 unpacked into a private folder.
#   eng/test-arm64.sh            tests + benchmark smoke run
# Environment: LOSSENGINE_PROPERTY_CASES (default 20 here) scales the FsCheck cases per property; ARM64_ROOT is where
# the arm64 libraries are unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."

root=${ARM64_ROOT:-/tmp/lossengine-arm64}
sysroot=/usr/aarch64-linux-gnu
export DEBIAN_FRONTEND=noninteractive

if ! command -v qemu-aarch64 >/dev/null || [ ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || [ ! -e "$sysroot/lib/libstdc++.so.6" ]; then
  apt-get update -qq
  apt-get install -y -qq qemu-user libc6-arm64-cross libstdc++6-arm64-cross >/dev/null
fi

if [ ! -d "$root/usr/lib/aarch64-linux-gnu" ] || ! ls "$root"/usr/lib/aarch64-linux-gnu/libicuuc.so.* >/dev/null 2>&1; then
  dpkg --add-architecture arm64
  apt-get update -qq
  mkdir -p "$root/debs"
  (cd "$root/debs" && apt-get download -qq libssl3:arm64 libicu72:arm64)
  for deb in "$root"/debs/*.deb; do dpkg -x "$deb" "$root"; done
fi

export QEMU_LD_PREFIX=$sysroot
export LD_LIBRARY_PATH=$root/usr/lib/aarch64-linux-gnu
export DOTNET_EnableWriteXorExecute=0
export LOSSENGINE_PROPERTY_CASES=${LOSSENGINE_PROPERTY_CASES:-20}

out=artifacts/arm64
echo "=== publishing the test suite for linux-arm64"
dotnet publish tests/LossEngine.Tests -c Release -r linux-arm64 --self-contained -o "$out/tests" -v quiet --nologo >/dev/null

echo "=== running the test suite under qemu-aarch64 (NEON: 128-bit vectors, AdvSimd required)"
log=$(mktemp)
set +e
LOSSENGINE_EXPECTED_VECTOR_BITS=128 LOSSENGINE_EXPECT_ADVSIMD=1 qemu-aarch64 "$out/tests/LossEngine.Tests" -noColor 2>&1 | tee "$log" | grep -E '\[FAIL\]|Total: '
rc=${PIPESTATUS[0]}
set -e
# The xunit v3 console summary: "Total: N, Errors: E, Failed: F, Skipped: S, Not Run: R, Time: …".
summary=$(grep -Eo 'Total: [0-9]+, Errors: [0-9]+, Failed: [0-9]+, Skipped: [0-9]+' "$log" | tail -n1 || true)
total=$(echo "$summary" | sed -E 's/Total: ([0-9]+).*/\1/')
errors=$(echo "$summary" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
failed=$(echo "$summary" | sed -E 's/.*Failed: ([0-9]+).*/\1/')
skipped=$(echo "$summary" | sed -E 's/.*Skipped: ([0-9]+).*/\1/')
if [ -z "$summary" ] || [ "$rc" -ne 0 ] || [ "$failed" != 0 ] || [ "$errors" != 0 ]; then
  grep -A12 '\[FAIL\]' "$log" | head -n 120
  echo "arm64: $(( ${total:-0} - ${failed:-0} - ${errors:-0} - ${skipped:-0} )) passed, $(( ${failed:-0} + ${errors:-0} )) failed"
  exit 1
fi
passed=$(( total - skipped ))
rm -f "$log"

echo "=== benchmark smoke run under qemu-aarch64 (timings under emulation mean nothing and are not reported)"
dotnet publish bench/LossEngine.Benchmarks -c Release -r linux-arm64 --self-contained -o "$out/bench" -v quiet --nologo >/dev/null
qemu-aarch64 "$out/bench/LossEngine.Benchmarks" smoke

echo "arm64: ${passed} passed, 0 failed"
