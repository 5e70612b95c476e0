#!/usr/bin/env python3
"""The Markdown table of bench/native-abi/compare.sh's JSON lines (stdin or files): per level, kernel, thread count,
page size and the rows' offset from a 64-byte line, the median GB/s of .NET (in process), Python and C (through the C
ABI), and the median, min and max over the rounds of each ABI front's rate divided by the .NET rate measured in the same
round (of the same compare.sh run).

    python3 bench/native-abi/summarize.py results.jsonl [more.jsonl ...]
"""
import fileinput
import json
import statistics

LEVELS = ["default", "x86-64-v4", "x86-64-v3", "x86-64-v2", "x86-64"]


def main():
    runs = [json.loads(line) for line in fileinput.input() if line.startswith("{")]
    key = lambda r: (r["level"], r["kernel"], r["threads"], r["abi_huge_pages"], r.get("offset_bytes", 0))
    print("| level | kernel | threads | logits in | bits | .NET GB/s | Python GB/s | C GB/s "
          "| Python / .NET: median [min, max] | C / .NET: median [min, max] | rounds |")
    print("|---|---|---:|---|---:|---:|---:|---:|---|---|---:|")
    for level, kernel, threads, huge, offset in sorted({key(r) for r in runs}, key=lambda k: (LEVELS.index(k[0]), k[1:])):
        group = [r for r in runs if key(r) == (level, kernel, threads, huge, offset)]
        by = {front: {(r["batch"], r["round"]): r["gbps"] for r in group if r["front"] == front}
              for front in ("dotnet", "python", "c")}
        cells = []
        for front in ("python", "c"):
            ratios = [by[front][k] / by["dotnet"][k] for k in by["dotnet"] if k in by[front]]
            cells.append(f"{statistics.median(ratios):.2f} [{min(ratios):.2f}, {max(ratios):.2f}]" if ratios else "-")
        medians = [f"{statistics.median(by[f].values()):.2f}" if by[f] else "-" for f in ("dotnet", "python", "c")]
        bits = "/".join(str(b) for b in sorted({r["simd_bits"] for r in group}))
        pages = ("2 MiB pages" if huge else "4 KiB pages") + (f", rows {offset} B past a line" if offset else "")
        print(f"| {level} | {kernel} | {threads} | {pages} | {bits} | {' | '.join(medians)} | {cells[0]} | {cells[1]} "
              f"| {len(by['dotnet'])} |")


if __name__ == "__main__":
    main()
