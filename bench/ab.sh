#!/usr/bin/env bash
# Runs quick mode from two builds of the benchmarks alternately, on the same machine in one session, so that a
# before/after comparison survives a noisy shared machine: every configuration runs A, B, A, B, ... and the JSON lines
# are tagged with the build. Usage:
#   bench/ab.sh A_DLL B_DLL ROUNDS "quick args; quick args; ..." > ab.jsonl
# e.g. bench/ab.sh old/LossEngine.Benchmarks.dll new/LossEngine.Benchmarks.dll 3 "--threads 1 --dtype f32 --kernel statistics"
set -euo pipefail
a=$1; b=$2; rounds=$3; IFS=';' read -ra configs <<< "$4"
for config in "${configs[@]}"; do
  for round in $(seq "$rounds"); do
    for build in A B; do
      dll=$a; [ "$build" = B ] && dll=$b
      # shellcheck disable=SC2086
      dotnet "$dll" quick $config | grep '^{"kernel"' | sed "s/^{/{\"build\":\"$build\",\"round\":$round,/"
    done
  done
done
