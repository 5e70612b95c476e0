#!/usr/bin/env bash
# The C ABI against the .NET library in process: the quick mode's cross_entropy / statistics, the same kernel through
# Python (abi_bench.py) and through C (abi_bench.c), one process each, alternately, in rounds whose order rotates, so
# that the shared machine's drift falls on every front alike. Prints each run as a JSON line (also appended to --out)
# and then, per level, kernel and thread count, the median GB/s of each front and the per-round ratios to .NET.
#   bench/native-abi/compare.sh [--rounds 5] [--threads "1 2"] [--kernels "cross_entropy statistics"]
#                               [--levels "default x86-64-v3 x86-64"] [--seconds 3] [--huge-pages] [--out results.jsonl]
# --huge-pages puts the Python and C logits in 2 MiB pages (numpy's default for large arrays); the .NET quick mode's
# buffers stay in 4 KiB pages where transparent huge pages are "madvise", so leave it off to compare like with like.
# Needs artifacts/native from `dotnet publish src/LossEngine.Native -c Release -r linux-x64 -o artifacts/native`.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=5
threads="1 2"
kernels="cross_entropy statistics"
levels="default"
seconds=3
huge=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --kernels) kernels=$2; shift 2 ;;
    --levels) levels=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --huge-pages) huge=1; shift ;;
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

# The .NET runtime switch for the level the ABI runs (see eng/test-native.sh).
dotnet_switch() {
  case "$1" in
    x86-64-v4) echo "DOTNET_PreferredVectorBitWidth=512" ;;
    x86-64-v3) echo "DOTNET_EnableAVX512=0" ;;
    x86-64)    echo "DOTNET_EnableAVX=0" ;;
  esac
}

# One run of one front, tagged with its round, front and level, to stdout and the results.
run() {
  local round=$1 front=$2 level=$3 kernel=$4 t=$5 isa line
  isa=$([ "$level" = default ] && echo "" || echo "$level")
  case "$front" in
    dotnet) line=$(env $(dotnet_switch "$level") dotnet bench/LossEngine.Benchmarks/bin/Release/net10.0/LossEngine.Benchmarks.dll \
                     quick --threads "$t" --vocab 128256 --dtype f32 --kernel "$kernel" --seconds "$seconds") ;;
    python) line=$(LOSSENGINE_ISA="$isa" LOSSENGINE_LIBRARY="$native/liblossengine.so" /usr/bin/python3 bench/native-abi/abi_bench.py \
                     --kernel "$kernel" --threads "$t" --seconds "$seconds" $([ "$huge" = 1 ] && echo --huge-pages)) ;;
    c)      line=$(LOSSENGINE_ISA="$isa" "$build/abi_bench" --kernel "$kernel" --threads "$t" --seconds "$seconds" --huge-pages "$huge") ;;
  esac
  echo "$line" | /usr/bin/python3 -c 'import json, sys
run = json.loads([l for l in sys.stdin if l.startswith("{")][-1])
run.update(round=int(sys.argv[1]), front=sys.argv[2], level=sys.argv[3], huge_pages=sys.argv[2] != "dotnet" and sys.argv[4] == "1")
print(json.dumps(run))' "$round" "$front" "$level" "$huge" | tee -a "$results"
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

/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
keys = sorted({(r["level"], r["kernel"], r["threads"]) for r in runs}, key=lambda k: (k[0] != "default", k))
print(f"\n{'level':10} {'kernel':14} {'thr':>3} {'.NET GB/s':>9} {'Python':>7} {'C':>7} {'Py/.NET median [min, max]':>27} {'C/.NET median [min, max]':>26} bits")
for level, kernel, threads in keys:
    group = [r for r in runs if (r["level"], r["kernel"], r["threads"]) == (level, kernel, threads)]
    by = {front: {r["round"]: r for r in group if r["front"] == front} for front in ("dotnet", "python", "c")}
    cells = []
    for front in ("python", "c"):
        ratios = [by[front][k]["gbps"] / by["dotnet"][k]["gbps"] for k in by["dotnet"] if k in by[front]]
        cells.append(f"{statistics.median(ratios):.2f} [{min(ratios):.2f}, {max(ratios):.2f}]")
    medians = [statistics.median(r["gbps"] for r in by[front].values()) for front in ("dotnet", "python", "c")]
    bits = sorted({r["simd_bits"] for r in group})
    print(f"{level:10} {kernel:14} {threads:3} {medians[0]:9.2f} {medians[1]:7.2f} {medians[2]:7.2f} {cells[0]:>27} {cells[1]:>26} {bits}")
PY
