#!/usr/bin/env bash
# Builds once, then runs the whole test suite once per instruction-set level, so every kernel path (AVX-512, AVX2,
# 128-bit, scalar) is tested on this one x64 machine. Each run tells the suite which vector width to expect, and a
# test fails if the runtime switch did not take effect.
#   eng/test.sh            all four levels (a level this CPU lacks, such as 512 bits without AVX-512, is skipped
#                          with a line that says so: the runtime would fall back to a narrower width)
#   eng/test.sh 512 0      only the named levels
set -euo pipefail
cd "$(dirname "$0")/.."

levels=("$@")
[ ${#levels[@]} -gt 0 ] || levels=(512 256 128 0)

switch_for() {
  case "$1" in
    512) echo "" ;;                          # the default on an AVX-512 machine
    256) echo "DOTNET_EnableAVX512=0" ;;     # .NET 10 name; the old DOTNET_EnableAVX512F does nothing
    128) echo "DOTNET_EnableAVX2=0" ;;
    0)   echo "DOTNET_EnableHWIntrinsic=0" ;;
    *)   echo "unknown level $1" >&2; exit 2 ;;
  esac
}

# What .NET needs of the CPU for a level: Vector512 is accelerated with AVX-512 F, BW, CD, DQ and VL, Vector256 with
# AVX2. The 128-bit and scalar levels run on any x64.
cpu_has_level() {
  local flags
  flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
  case "$1" in
    512) for f in avx512f avx512bw avx512cd avx512dq avx512vl; do grep -qw "$f" <<<"$flags" || return 1; done ;;
    256) grep -qw avx2 <<<"$flags" ;;
    *)   true ;;
  esac
}

dotnet build LossEngine.sln -c Release -warnaserror --nologo -v quiet

passed=0
failed=0
status=0
log=$(mktemp)
for level in "${levels[@]}"; do
  switch=$(switch_for "$level")
  if ! cpu_has_level "$level"; then
    echo "=== vector width ${level} bits: not run, this CPU lacks it ($(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | xargs))"
    continue
  fi
  echo "=== vector width ${level} bits ${switch:+($switch)}"
  set +e
  env $switch LOSSENGINE_EXPECTED_VECTOR_BITS="$level" \
    dotnet test --project tests/LossEngine.Tests -c Release --no-build 2>&1 | tee "$log" | grep -E '^(failed|  (total|failed|succeeded|skipped):)' 
  rc=${PIPESTATUS[0]}
  set -e
  p=$(grep -Eo '^  succeeded: [0-9]+' "$log" | grep -Eo '[0-9]+' | tail -n1 || true)
  f=$(grep -Eo '^  failed: [0-9]+' "$log" | grep -Eo '[0-9]+' | tail -n1 || true)
  if [ -z "$p" ] || [ "$rc" -ne 0 ]; then
    [ "$rc" -ne 0 ] && tail -n 60 "$log"
    status=1
  fi
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
rm -f "$log"

echo "${passed} passed, ${failed} failed"
exit $status
