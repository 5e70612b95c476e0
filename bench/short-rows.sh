#!/usr/bin/env bash
# Item 5 of the speed work: the per-row cost. Runs quick mode at V = 128256, 32000 and 50257 back to back, for each
# build named, kernel, thread count and residency, ROUNDS times, and prints JSON lines tagged with the series, the
# build and the residency. "cached" holds about 1 MiB of rows per thread (at least two rows a thread), "streamed" 640
# MiB. A per-row cost (dispatch, the row's setup and finish) shows as a lower element rate at the shorter rows.
# Usage: bench/short-rows.sh SERIES ROUNDS NAME=DLL [NAME=DLL ...] > rows.jsonl
# KERNELS="statistics:f32 statistics:bf16" picks the kernels and dtypes (default: statistics f32, compare f32 and
# cross-entropy bf16).
set -euo pipefail
series=$1; rounds=$2; shift 2
kernels=("statistics f32" "compare f32" "cross_entropy bf16")
if [ -n "${KERNELS:-}" ]; then
  kernels=()
  for pair in $KERNELS; do kernels+=("${pair%%:*} ${pair#*:}"); done
fi
for config in "${kernels[@]}"; do
  read -r kernel dtype <<< "$config"
  bytes=4; [ "$dtype" = f32 ] || bytes=2
  for threads in 1 2; do
    for residency in cached streamed; do
      for round in $(seq "$rounds"); do
        for build in "$@"; do
          name=${build%%=*}; dll=${build#*=}
          for vocab in 128256 32000 50257; do
            if [ "$residency" = cached ]; then
              rows=$(( (1048576 / (vocab * bytes) + 1) * threads ))
              [ "$rows" -ge $((2 * threads)) ] || rows=$((2 * threads))
              size="--rows $rows"
            else
              size="--buffer-mib 640"
            fi
            # shellcheck disable=SC2086
            dotnet "$dll" quick --kernel "$kernel" --dtype "$dtype" --threads "$threads" --seconds 1.5 --vocab "$vocab" $size \
              | grep '^{"kernel"' \
              | sed "s/^{/{\"series\":\"$series\",\"build\":\"$name\",\"round\":$round,\"residency\":\"$residency\",/"
          done
        done
      done
    done
  done
done
