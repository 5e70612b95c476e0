#!/usr/bin/env python3
"""Checks that the main loops of the NativeAOT builds make no call.

The row kernels' main loops (RowStatisticsKernel.RunGroups and RunGroupPairs, RowComparisonKernel.RunVectors) live in
methods of their own that call nothing, because on the SysV ABI a call loses every vector register: with one call
anywhere in the method, the compiler keeps the sums and constants on the stack for the whole loop. The JIT inlines small
library helpers that NativeAOT's compiler calls instead (MathF.BitDecrement was one), so a loop that is clean under the
JIT can still be slow in liblossengine.so. This reads each build's code with objdump, finds the loops by their symbols in the .dbg file, and
fails on any call in one of them at a vector width (the scalar width may call the fp16 conversion).

    eng/check-native-loops.py LIBRARY.so SYMBOLS.dbg [LIBRARY.so SYMBOLS.dbg ...]
"""
import re
import subprocess
import sys

LOOPS = re.compile(r"RowStatisticsKernel__RunGroups<|RowStatisticsKernel__RunGroupPairs<|RowComparisonKernel__RunVectors<")
CALL = re.compile(r"\s(call|callq)\s")


def loops(symbols):
    """(name, start, size) of each main-loop method at a vector width."""
    out = subprocess.run(["nm", "-S", "--defined-only", symbols], check=True, capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) == 4 and parts[2] in ("t", "T") and LOOPS.search(parts[3]) and "ScalarWidth" not in parts[3]:
            found.append((parts[3], int(parts[0], 16), int(parts[1], 16)))
    return found


def calls(library, start, size):
    listing = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", f"--start-address={start:#x}", f"--stop-address={start + size:#x}",
         library], check=True, capture_output=True, text=True).stdout
    return [line.strip() for line in listing.splitlines() if CALL.search(line)]


def main(args):
    if len(args) == 0 or len(args) % 2:
        sys.exit(__doc__)
    failures = 0
    for library, symbols in zip(args[::2], args[1::2]):
        methods = loops(symbols)
        if not methods:
            print(f"{library}: no main-loop symbols in {symbols}")
            failures += 1
            continue
        bad = [(name, found) for name, start, size in methods if (found := calls(library, start, size))]
        for name, found in bad:
            print(f"{library}: {name} calls: {'; '.join(found)}")
        print(f"{library}: {len(methods) - len(bad)} of {len(methods)} main loops make no call")
        failures += len(bad)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
