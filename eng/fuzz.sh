#!/usr/bin/env bash
# Coverage-guided fuzzing of one parser or of the row kernels: eng/fuzz.sh TARGET SECONDS
# Installs Debian's afl++ when it is missing, publishes tests/LossEngine.Fuzz, instruments the published LossEngine.dll
# with SharpFuzz (the local dotnet tool in dotnet-tools.json), then runs afl-fuzz for SECONDS on the seed corpus
# tests/fuzz/TARGET under `nice -n 10`. New crashes and hangs are copied to artifacts/fuzz/findings/TARGET and listed;
# the exit code is 1 when there is one. FUZZ_SKIP_BUILD=1 reuses the last instrumented build (the smoke builds once);
# FUZZ_SEED=N fixes afl-fuzz's random seed.
# Targets: safetensors npy score-report compare-report scaling-json tidy-csv manifest logits.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DEBIAN_FRONTEND=noninteractive

if [ $# -ne 2 ] || ! [ "$2" -gt 0 ] 2>/dev/null; then
  echo "usage: eng/fuzz.sh TARGET SECONDS" >&2
  exit 2
fi
target=$1
seconds=$2
seeds="tests/fuzz/$target"
[ -d "$seeds" ] || { echo "fuzz: no seed corpus $seeds" >&2; exit 2; }

root="$PWD/artifacts/fuzz"
bin="$root/bin"
out="$root/out/$target"
findings="$root/findings/$target"

if ! command -v afl-fuzz >/dev/null; then
  # Root in CI and on the project's machines; sudo elsewhere.
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq afl++ >/dev/null
fi

if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ] || [ ! -f "$bin/LossEngine.Fuzz.dll" ]; then
  # A fresh folder each time: publishing over an instrumented LossEngine.dll could keep it (it is newer than the build)
  # and instrumenting it twice fails.
  rm -rf "$bin"
  dotnet publish tests/LossEngine.Fuzz -c Release -o "$bin" -v quiet --nologo >/dev/null
  dotnet tool restore >/dev/null
  dotnet tool run sharpfuzz "$bin/LossEngine.dll" >/dev/null
fi

rm -rf "$out"
mkdir -p "$out" "$findings"
# dotnet is not an AFL-instrumented binary (SharpFuzz speaks the fork-server protocol from managed code), and the
# machine's core_pattern and CPU governor belong to the host, not to this script.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
# Each input is written to a file in a folder of the harness's own, under artifacts rather than the shared /tmp, and
# apart per target, so that runs of two targets side by side never clean up each other's folders.
export TMPDIR="$root/tmp/$target"
mkdir -p "$TMPDIR"
# tests/fuzz/TARGET.dict: the format's keys and edge values, which afl-fuzz cannot learn from .NET code by itself.
dictionary=()
[ -f "tests/fuzz/$target.dict" ] && dictionary=(-x "tests/fuzz/$target.dict")
# FUZZ_SEED fixes afl-fuzz's random choices (the smoke sets it, so that CI repeats much the same mutations; timing
# still varies what runs). Unset, every run explores anew.
seed=()
[ -n "${FUZZ_SEED:-}" ] && seed=(-s "$FUZZ_SEED")
# -t 5000: a slow first run (JIT) on a loaded machine is not a hang; a real hang still stops at 5 s.
nice -n 10 afl-fuzz -V "$seconds" -t 5000 -m none "${seed[@]}" "${dictionary[@]}" -i "$seeds" -o "$out" -- dotnet "$bin/LossEngine.Fuzz.dll" "$target" \
  > "$out/afl.log" 2>&1 || { tail -n 30 "$out/afl.log"; echo "fuzz: afl-fuzz failed for $target"; exit 1; }
rm -rf "$TMPDIR"/lossengine-fuzz-*

stats="$out/default/fuzzer_stats"
stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
found=0
for kind in crashes hangs; do
  for file in "$out/default/$kind"/id:*; do
    [ -e "$file" ] || continue
    cp "$file" "$findings/$kind-$(basename "$file" | tr ':,' '-_')"
    echo "fuzz: $target: $kind: $findings/$kind-$(basename "$file" | tr ':,' '-_')"
    found=$((found + 1))
  done
done
echo "fuzz: $target: $(stat run_time) s, $(stat execs_done) execs, $(stat corpus_count) paths, edges $(stat edges_found)/$(stat total_edges), $(stat saved_crashes) crashes, $(stat saved_hangs) hangs"
[ "$found" -eq 0 ]
