#!/usr/bin/env python3
"""Picks, for each kernel, dtype, V and thread count, the run with the median GB/s out of several runs of
bench/compare.sh (one JSON-lines file per run, in the order given), and prints that run's line tagged with "run" (its
1-based number) and "runs" (how many). The order of the lines is the first run's. The README's speed table is
make_table.py over this output, so one disturbed run on a shared host does not decide a row.

    median_of_runs.py run1.jsonl run2.jsonl run3.jsonl > bench/results/<machine>.jsonl
"""
import json
import sys


def key(row):
    return (row["kernel"], row["dtype"], row["vocab"], row["threads"])


runs = []
for path in sys.argv[1:]:
    with open(path) as f:
        runs.append([(line.rstrip("\n"), json.loads(line)) for line in f if line.startswith("{")])
if not runs:
    sys.exit("median_of_runs.py: name at least one file of JSON lines")

for _, first in runs[0]:
    candidates = []
    for number, run in enumerate(runs, start=1):
        matches = [(text, row) for text, row in run if key(row) == key(first)]
        if len(matches) != 1:
            sys.exit(f"median_of_runs.py: run {number} has {len(matches)} lines for {key(first)}, expected 1")
        candidates.append((matches[0][1]["gbps"], number, matches[0][0]))
    candidates.sort()
    gbps, number, text = candidates[(len(candidates) - 1) // 2]
    print(text.rstrip()[:-1] + f', "run": {number}, "runs": {len(runs)}}}')
