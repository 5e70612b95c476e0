#!/usr/bin/env bash
# Builds the C ABI (NativeAOT liblossengine.so), then runs the C tests (cmake + ctest) and the Python binding's tests
# against numpy (and torch where it is installed). Installs Debian's python3-numpy when it is missing.
# On linux-x64 liblossengine.so is a loader in front of one build per x86-64 level: the tests run once per level this
# CPU has (LOSSENGINE_ISA picks it), each against CLI reports made by the .NET runtime at the same level.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

python=/usr/bin/python3
if ! "$python" -c 'import numpy' 2>/dev/null; then
  apt-get update -qq
  apt-get install -y -qq python3-numpy >/dev/null
fi

fail() { echo "native: $*"; exit 1; }

echo "=== publishing liblossengine.so (NativeAOT: on linux-x64 a loader and one build per x86-64 level)"
dotnet publish src/LossEngine.Native -c Release -r linux-x64 -o artifacts/native -v quiet --nologo >/dev/null
library="$PWD/artifacts/native/liblossengine.so"
exports() { nm -D --defined-only "$1" | awk '$3 ~ /^lossengine_/ { print $3 }' | sort; }
for build in artifacts/native/liblossengine-*.so; do
  # The loader forwards a fixed list of functions: an export added to the library but not to the loader fails here.
  diff <(exports "$library") <(exports "$build") >/dev/null || fail "the loader's exports differ from $build's"
done
# The main loops call nothing in the builds for x86-64-v2 and up (eng/check-native-loops.py says why). The baseline
# x86-64 build is left out: without SSE4.1 its 128-bit operations are calls by design.
levels_obj=src/LossEngine.Native/obj/Release/net10.0/linux-x64/levels
loop_args=()
for level in x86-64-v2 x86-64-v3 x86-64-v4; do
  loop_args+=("artifacts/native/liblossengine-$level.so" "$levels_obj/$level/bin/liblossengine.so.dbg")
done
"$python" eng/check-native-loops.py "${loop_args[@]}" || fail "a main loop of the shared library makes a call"
loop_checks=$(( ${#loop_args[@]} / 2 ))

echo "=== dumps for the file tests (the pipeline sample writes two models' dumps)"
dumps="$PWD/artifacts/native-dumps"
dotnet build samples/LossEngine.Pipeline -c Release -v quiet --nologo >/dev/null
dotnet build src/LossEngine.Cli -c Release -v quiet --nologo >/dev/null
dotnet samples/LossEngine.Pipeline/bin/Release/net10.0/LossEngine.Pipeline.dll "$dumps" >/dev/null
cli="dotnet src/LossEngine.Cli/bin/Release/net10.0/LossEngine.Cli.dll"

# The vector width the shared library runs at a level ("" = its own choice), -1 when the loader refuses the level.
library_bits() {
  LOSSENGINE_ISA="$1" "$python" -c 'import ctypes, sys; print(ctypes.CDLL(sys.argv[1]).lossengine_vector_bits())' "$library"
}
# The .NET runtime's width under a DOTNET_ switch, as `lossengine score` reports it ("SIMD 512-bit").
dotnet_bits() {
  env $1 $cli score "$dumps/model-a.safetensors" --threads 2 "${@:2}" | sed -n 's/.*SIMD \([0-9]*\)-bit.*/\1/p'
}
source eng/x64-levels.sh  # x64_levels, dotnet_switch

default_bits=$(library_bits "")
[ "$default_bits" = "$(dotnet_bits "")" ] ||
  fail "the shared library runs ${default_bits}-bit vectors by default, the .NET runtime $(dotnet_bits "")-bit"
echo "(by default the shared library runs ${default_bits}-bit vectors, as the .NET runtime does on this machine)"

c_passed=0
py_passed=0
for level in $x64_levels; do
  bits=$(library_bits "$level")
  if [ "$bits" = -1 ]; then
    echo "=== $level: not run, this CPU lacks it"
    continue
  fi
  switch=$(dotnet_switch "$level")
  folder="$dumps/$level"
  mkdir -p "$folder"
  ln -f "$dumps/model-a.safetensors" "$dumps/model-b.safetensors" "$folder/"  # hard links: the reader sizes a symlink, not its target
  net_bits=$(dotnet_bits "$switch" --json "$folder/cli-score.json")
  env $switch $cli compare "$folder/model-a.safetensors" "$folder/model-b.safetensors" --threads 2 \
    --json "$folder/cli-compare.json" >/dev/null
  [ "$bits" = "$net_bits" ] || fail "$level: the shared library runs ${bits}-bit vectors, the .NET runtime ${net_bits}-bit with $switch"
  echo "=== $level: ${bits}-bit vectors (CLI reports made with $switch)"
  export LOSSENGINE_ISA="$level" LOSSENGINE_EXPECT_VECTOR_BITS="$bits" LOSSENGINE_TEST_DUMPS="$folder"

  echo "--- C tests"
  cmake -S tests/native -B artifacts/native-tests -DLOSSENGINE_LIB_DIR="$PWD/artifacts/native" -DLOSSENGINE_TEST_DUMPS="$folder" >/dev/null
  cmake --build artifacts/native-tests >/dev/null
  (cd artifacts/native-tests && ctest --output-on-failure | grep -E 'tests passed|tests failed')
  c_passed=$(( c_passed + $(cd artifacts/native-tests && ctest -N | grep -Eo 'Total Tests: [0-9]+' | grep -Eo '[0-9]+') ))

  echo "--- Python tests"
  log=$(mktemp)
  set +e
  LOSSENGINE_LIBRARY="$library" "$python" -m unittest discover -s python/tests -v >"$log" 2>&1
  rc=$?
  set -e
  tail -n 3 "$log" | grep .
  py_total=$(grep -Eo '^Ran [0-9]+' "$log" | grep -Eo '[0-9]+')
  py_skipped=$(grep -Eo 'skipped=[0-9]+' "$log" | grep -Eo '[0-9]+' || echo 0)
  if [ "$rc" -ne 0 ]; then
    cat "$log"
    rm -f "$log"
    fail "python tests failed at $level"
  fi
  rm -f "$log"
  py_passed=$(( py_passed + py_total - py_skipped ))
done
echo "=== the loader on emulated older CPUs (qemu-x86_64): it picks their level, and refuses a level they lack"
if ! command -v qemu-x86_64 >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq qemu-user >/dev/null
fi
emulated=0
for run in "qemu64 128" "Nehalem 128" "Haswell 256"; do
  set -- $run
  # qemu64 lacks SSSE3, SSE4 and AVX: the x86-64 build must load and run there. Nehalem gets the x86-64-v2 build.
  env -u LOSSENGINE_ISA LOSSENGINE_EXPECT_VECTOR_BITS="$2" qemu-x86_64 -cpu "$1" artifacts/native-tests/test_lossengine --no-files 2>/dev/null |
    grep -q "all C ABI checks passed" || fail "the C test fails on an emulated $1 CPU"
  echo "$1: ${2}-bit vectors, C ABI checks passed"
  emulated=$(( emulated + 1 ))
done
for run in "qemu64 x86-64-v2" "Nehalem x86-64-v3" "Haswell x86-64-v4"; do
  set -- $run
  LOSSENGINE_ISA="$2" qemu-x86_64 -cpu "$1" artifacts/native-tests/test_loader_refusal 2>/dev/null | head -n 1 |
    sed "s/^/$1: /"
  LOSSENGINE_ISA="$2" qemu-x86_64 -cpu "$1" artifacts/native-tests/test_loader_refusal >/dev/null 2>&1 ||
    fail "LOSSENGINE_ISA=$2 on an emulated $1 was not refused cleanly"
  emulated=$(( emulated + 1 ))
done
echo "native: $(( loop_checks + c_passed + py_passed + emulated )) passed, 0 failed"
