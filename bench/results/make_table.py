#!/usr/bin/env python3
"""Turns quick-mode and PyTorch-peer JSON lines (stdin) into the Markdown tables of bench/results/*.md and the README."""
import json
import sys

rows = [json.loads(line) for line in sys.stdin if line.startswith("{")]
print("| kernel | dtype | V | threads | GB/s | G elem/s | read ceiling GB/s | × ceiling | max \\|error\\| vs float64 |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    ceiling = r.get("ceiling_gbps")
    ratio = r.get("ratio_to_ceiling")
    print(f"| {r['kernel']} | {r['dtype']} | {r['vocab']} | {r['threads']} | {r['gbps']:.2f} | {r['gelems']:.2f} | "
          f"{ceiling:.1f} | {ratio:.2f} | {r['max_abs_error']:.1e} |" if ceiling else
          f"| {r['kernel']} | {r['dtype']} | {r['vocab']} | {r['threads']} | {r['gbps']:.2f} | {r['gelems']:.2f} | – | – | {r['max_abs_error']:.1e} |")
