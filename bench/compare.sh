#!/usr/bin/env bash
# Runs LossEngine's quick mode (with the native C peer), then the PyTorch peer, on the same shapes and thread counts,
# and prints a table of ratios. Needs Debian's python3-torch for the PyTorch rows (installed here when missing).
#   bench/compare.sh [--vocab V] [--dtype f32|bf16|f16] [--threads "1 2"]
set -euo pipefail
cd "$(dirname "$0")/.."
vocab=128256
dtype=f32
threads="1 2"
while [ $# -gt 0 ]; do
  case "$1" in
    --vocab) vocab=$2; shift 2 ;;
    --dtype) dtype=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
fi
cmake -S bench/native -B bench/native/build >/dev/null && cmake --build bench/native/build >/dev/null
dotnet build bench/LossEngine.Benchmarks -c Release -v quiet --nologo >/dev/null

results=$(mktemp)
for t in $threads; do
  dotnet run -c Release --no-build --project bench/LossEngine.Benchmarks -- quick --threads "$t" --vocab "$vocab" --dtype "$dtype" | tee -a "$results"
  /usr/bin/python3 bench/peers/torch_cross_entropy.py --threads "$t" --vocab "$vocab" --dtype "$dtype" | tee -a "$results"
done

/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
for threads in sorted({r["threads"] for r in rows}):
    group = {r["kernel"]: r for r in rows if r["threads"] == threads}
    ceiling = max((r.get("ceiling_gbps", 0) for r in group.values()), default=0)
    base = group.get("cross_entropy", {}).get("gbps")
    print(f"\nthreads={threads}  (read ceiling {ceiling:.1f} GB/s)")
    print(f"{'kernel':22} {'GB/s':>7} {'× ceiling':>10} {'LossEngine CE ×':>16} {'max |err|':>10}")
    for name, r in group.items():
        ratio = f"{base / r['gbps']:.2f}" if base and r["gbps"] else "-"
        print(f"{name:22} {r['gbps']:7.2f} {r['gbps'] / ceiling if ceiling else 0:10.2f} {ratio:>16} {r['max_abs_error']:10.1e}")
PY
rm -f "$results"
