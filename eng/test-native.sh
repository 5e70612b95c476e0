#!/usr/bin/env bash
# Builds the C ABI (NativeAOT liblossengine.so), then runs the C tests (cmake + ctest) and the Python binding's tests
# against numpy (and torch where it is installed). Installs Debian's python3-numpy when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

python=/usr/bin/python3
if ! "$python" -c 'import numpy' 2>/dev/null; then
  apt-get update -qq
  apt-get install -y -qq python3-numpy >/dev/null
fi

echo "=== publishing liblossengine.so (NativeAOT)"
dotnet publish src/LossEngine.Native -c Release -r linux-x64 -o artifacts/native -v quiet --nologo >/dev/null

echo "=== C tests"
cmake -S tests/native -B artifacts/native-tests -DLOSSENGINE_LIB_DIR="$PWD/artifacts/native" >/dev/null
cmake --build artifacts/native-tests >/dev/null
(cd artifacts/native-tests && ctest --output-on-failure)
c_passed=$(cd artifacts/native-tests && ctest -N | grep -Eo 'Total Tests: [0-9]+' | grep -Eo '[0-9]+')

echo "=== Python tests"
log=$(mktemp)
set +e
LOSSENGINE_LIBRARY="$PWD/artifacts/native/liblossengine.so" "$python" -m unittest discover -s python/tests -v 2>&1 | tee "$log" | tail -n 4
rc=${PIPESTATUS[0]}
set -e
py_total=$(grep -Eo '^Ran [0-9]+' "$log" | grep -Eo '[0-9]+')
py_skipped=$(grep -Eo 'skipped=[0-9]+' "$log" | grep -Eo '[0-9]+' || echo 0)
rm -f "$log"
if [ "$rc" -ne 0 ]; then
  echo "native: python tests failed"
  exit 1
fi
echo "native: $(( c_passed + py_total - py_skipped )) passed, 0 failed"
