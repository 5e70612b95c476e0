#!/usr/bin/env bash
# Item 5 of the speed work, in one process: quick mode's --versus-vocab runs rows of V = 128256 and of a shorter V in
# alternating slices, so the host's drift between runs does not enter the ratio of their element rates. One JSON line
# per build, kernel, thread count, residency and short V, tagged with the series and the build. "cached" holds about
# 1 MiB of rows a thread (2 rows of V = 128256 f32), "streamed" 640 MiB per buffer.
# Usage: bench/row-cost.sh SERIES NAME=DLL [NAME=DLL ...] > rows.jsonl
# KERNELS="statistics:f32 compare:bf16" picks the kernels and dtypes (default: lse, cross-entropy, statistics and
# compare in f32, cross-entropy in bf16); THREADS="1 2" and SHORT="32000 50257" pick the rest.
set -euo pipefail
series=$1; shift
kernels=("lse f32" "cross_entropy f32" "statistics f32" "compare f32" "cross_entropy bf16")
if [ -n "${KERNELS:-}" ]; then
  kernels=()
  for pair in $KERNELS; do kernels+=("${pair%%:*} ${pair#*:}"); done
fi
for config in "${kernels[@]}"; do
  read -r kernel dtype <<< "$config"
  for threads in ${THREADS:-1 2}; do
    for residency in cached streamed; do
      for short in ${SHORT:-32000 50257}; do
        for build in "$@"; do
          name=${build%%=*}; dll=${build#*=}
          if [ "$residency" = cached ]; then
            size="--rows $((2 * threads)) --seconds 4"
          else
            size="--buffer-mib 640 --seconds 8"
          fi
          # shellcheck disable=SC2086
          dotnet "$dll" quick --kernel "$kernel" --dtype "$dtype" --threads "$threads" --vocab 128256 --versus-vocab "$short" $size \
            | grep '^{"kernel"' \
            | sed "s/^{/{\"series\":\"$series\",\"build\":\"$name\",/"
        done
      done
    done
  done
done
