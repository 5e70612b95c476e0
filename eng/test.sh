#!/usr/bin/env bash
# Builds once, then runs the whole test suite once per instruction-set level, so every kernel path (AVX-512, AVX2,
# 128-bit, scalar) is tested on this one x64 machine. Each run tells the suite which vector width to expect, and a
# test fails if the runtime switch did not take effect.
#   eng/test.sh            all four levels
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

dotnet build LossEngine.sln -c Release -warnaserror --nologo -v quiet

passed=0
failed=0
status=0
log=$(mktemp)
for level in "${levels[@]}"; do
  switch=$(switch_for "$level")
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
