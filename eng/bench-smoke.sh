#!/usr/bin/env bash
# Keeps the benchmarks working: builds the native C peer and runs quick mode in its smoke form (4 MiB of logits,
# V ≤ 4099, three passes). The numbers it prints are not measurements; bench/compare.sh makes those.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S bench/native -B bench/native/build >/dev/null
cmake --build bench/native/build >/dev/null
dotnet run -c Release --project bench/LossEngine.Benchmarks -- quick --smoke --threads 2 >/tmp/lossengine-bench-smoke.json
lines=$(grep -c '^{"kernel"' /tmp/lossengine-bench-smoke.json)
if [ "$lines" -lt 6 ]; then
  cat /tmp/lossengine-bench-smoke.json
  echo "bench smoke: expected 6 kernels, got $lines" >&2
  exit 1
fi
echo "bench smoke: $lines kernels ran"
