#!/usr/bin/env bash
# The C ABI against the .NET library in process: the quick mode's cross_entropy / statistics, the same kernel through
# Python (abi_bench.py) and through C (abi_bench.c), one process each, alternately, in rounds whose order rotates, so
# that the shared machine's drift falls on every front alike. Prints each run as a JSON line (also appended to --out)
# and then the table of bench/native-abi/summarize.py: per level, kernel and thread count, the median GB/s of each front
# and the per-round ratios to .NET.
#   bench/native-abi/compare.sh [--rounds 5] [--threads "1 2"] [--kernels "cross_entropy statistics"]
#                               [--levels "default x86-64-v3 x86-64"] [--seconds 3] [--huge-pages] [--offset-bytes B]
#                               [--out results.jsonl]
# --huge-pages puts the Python and C logits in 2 MiB pages (numpy's default for large arrays); the .NET quick mode's
# buffers stay in 4 KiB pages where transparent huge pages are "madvise", so leave it off to compare like with like.
# Every front's logits start on a 64-byte boundary; --offset-bytes B starts all three B bytes past one (16 is where numpy
# puts a large array of its own).
# Needs artifacts/native from `dotnet publish src/LossEngine.Native -c Release -r linux-x64 -o artifacts/native`.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=5
threads="1 2"
kernels="cross_entropy statistics"
levels="default"
seconds=3
huge=0
offset=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --kernels) kernels=$2; shift 2 ;;
    --levels) levels=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --huge-pages) huge=1; shift ;;
    --offset-bytes) offset=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

native="$PWD/artifacts/native"
[ -f "$native/liblossengine.so" ] || { echo "compare.sh: build artifacts/native first (see the header)" >&2; exit 1; }
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cc -std=c11 -O2 -Wall -Wextra -Iinclude -o "$build/abi_bench" bench/native-abi/abi_bench.c \
  -L"$native" -llossengine -Wl,-rpath,"$native"
dotnet build bench/LossEngine.Benchmarks -c Release -v quiet --nologo >/dev/null
results="$build/results.jsonl"

source eng/x64-levels.sh  # dotnet_switch: the .NET runtime switch for the level the ABI runs
batch=$(date -u +%Y%m%dT%H%M%SZ)

# One run of one front, tagged with its round, front and level, to stdout and the results.
run() {
  local round=$1 front=$2 level=$3 kernel=$4 t=$5 isa line
  isa=$([ "$level" = default ] && echo "" || echo "$level")
  case "$front" in
    dotnet) line=$(env $(dotnet_switch "$level") dotnet bench/LossEngine.Benchmarks/bin/Release/net10.0/LossEngine.Benchmarks.dll \
                     quick --threads "$t" --vocab 128256 --dtype f32 --kernel "$kernel" --seconds "$seconds" --offset-bytes "$offset") ;;
    python) line=$(LOSSENGINE_ISA="$isa" LOSSENGINE_LIBRARY="$native/liblossengine.so" /usr/bin/python3 bench/native-abi/abi_bench.py \
                     --kernel "$kernel" --threads "$t" --seconds "$seconds" --offset-bytes "$offset" $([ "$huge" = 1 ] && echo --huge-pages)) ;;
    c)      line=$(LOSSENGINE_ISA="$isa" "$build/abi_bench" --kernel "$kernel" --threads "$t" --seconds "$seconds" --huge-pages "$huge" --offset-bytes "$offset") ;;
  esac
  # abi_huge_pages is the comparison's setting (the .NET front's buffers are always in 4 KiB pages).
  echo "$line" | /usr/bin/python3 -c 'import json, sys
run = json.loads([l for l in sys.stdin if l.startswith("{")][-1])
run.update(batch=sys.argv[1], round=int(sys.argv[2]), front=sys.argv[3], level=sys.argv[4], abi_huge_pages=sys.argv[5] == "1",
           offset_bytes=int(sys.argv[6]))
run.pop("huge_pages", None)
print(json.dumps(run))' "$batch" "$round" "$front" "$level" "$huge" "$offset" | tee -a "$results"
}

fronts=(dotnet python c)
for round in $(seq 1 "$rounds"); do
  for level in $levels; do
    for kernel in $kernels; do
      for t in $threads; do
        for i in 0 1 2; do
          run "$round" "${fronts[$(( (i + round) % 3 ))]}" "$level" "$kernel" "$t"
        done
      done
    done
  done
done
[ -n "$out" ] && cat "$results" >>"$out"

echo
/usr/bin/python3 bench/native-abi/summarize.py "$results"
