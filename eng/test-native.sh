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

echo "=== dumps and CLI reports for the file tests (the pipeline sample writes two models' dumps)"
dumps="$PWD/artifacts/native-dumps"
dotnet build samples/LossEngine.Pipeline -c Release -v quiet --nologo >/dev/null
dotnet build src/LossEngine.Cli -c Release -v quiet --nologo >/dev/null
dotnet samples/LossEngine.Pipeline/bin/Release/net10.0/LossEngine.Pipeline.dll "$dumps" >/dev/null
# The CLI runs at the shared library's vector width, so both take the same kernel path and agree to the last bit.
bits=$(cd python && LOSSENGINE_LIBRARY="$OLDPWD/artifacts/native/liblossengine.so" "$python" -c 'import lossengine; print(lossengine.vector_bits())')
case "$bits" in
  512) width_switch="" ;;
  256) width_switch="DOTNET_EnableAVX512=0" ;;
  128) width_switch="DOTNET_EnableAVX2=0" ;;
  *)   width_switch="DOTNET_EnableHWIntrinsic=0" ;;
esac
echo "(the shared library runs ${bits}-bit vectors; the CLI reports are made at the same width)"
cli="env $width_switch dotnet src/LossEngine.Cli/bin/Release/net10.0/LossEngine.Cli.dll"
$cli score "$dumps/model-a.safetensors" --threads 2 --json "$dumps/cli-score.json" >/dev/null
$cli compare "$dumps/model-a.safetensors" "$dumps/model-b.safetensors" --threads 2 --json "$dumps/cli-compare.json" >/dev/null
export LOSSENGINE_TEST_DUMPS="$dumps"

echo "=== C tests"
cmake -S tests/native -B artifacts/native-tests -DLOSSENGINE_LIB_DIR="$PWD/artifacts/native" -DLOSSENGINE_TEST_DUMPS="$dumps" >/dev/null
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
