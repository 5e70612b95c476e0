#!/usr/bin/env python3
"""The main loops on ARM64 (NEON, 128-bit vectors): instructions and micro-ops per element, and the bound that a
published core model puts on them.

No ARM64 hardware is at hand, and timings under qemu-aarch64 mean nothing, so nothing here is a measured rate. What is
exact is the code: quick mode runs under qemu-aarch64 with the JIT's listing of each kernel's main loop written out
(DOTNET_JitDisasm, DOTNET_TieredCompilation=0 so the first compile is the optimised one), and the loop's steady path is
taken from it as loop_limits.py takes it on x64. That path then goes through llvm-mca-16 with LLVM's Neoverse N2
scheduling model (two 128-bit vector pipes, V0 and V1; Debian's llvm-16 has no Neoverse V1 or N1 model of its own),
which gives micro-ops, the pressure on each pipe and the cycles an iteration takes in its simulation. The vector pipes'
share is the bound that matters for these loops: every exp step, conversion and vector copy runs there.

Usage: /usr/bin/python3 bench/limits/arm64_limits.py BENCH_DIR [kernel=K] [dtype=D] > arm64.jsonl
  BENCH_DIR is the benchmark app published for linux-arm64 (eng/test-arm64.sh's artifacts/arm64/bench, or
  `dotnet publish bench/LossEngine.Benchmarks -c Release -r linux-arm64 --self-contained -o DIR`); needs qemu-aarch64
  and the arm64 libraries as eng/test-arm64.sh installs them (QEMU_LD_PREFIX, LD_LIBRARY_PATH set as it sets them),
  and llvm-mca-16 (Debian's llvm-16).
       /usr/bin/python3 bench/limits/arm64_limits.py --listing LISTING kernel=K dtype=D   (one listing written before)
       /usr/bin/python3 bench/limits/arm64_limits.py --table arm64.jsonl                  (the Markdown table)
"""
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loop_limits import DTYPES, KERNELS, hot_path, listing, main_loop  # noqa: E402

MCA = os.environ.get("LLVM_MCA", "llvm-mca-16")
CPU = "neoverse-n2"
VECTOR_PIPES = ("N2UnitV0", "N2UnitV1")
# A register copy of a whole vector (the alias of ORR): the JIT's way to keep an FMLA's addend, which FMLA overwrites.
VECTOR_MOVE = re.compile(r"^v\d+\.16b, v\d+\.16b$")


def assembly(path_ops):
    """The loop's path as llvm-mc reads it: branches to one label at the top, the JIT's data-section operands
    ([@RWD16]) as a base register, a load like any other."""
    lines = ["loop:"]
    for op, args in path_ops:
        if re.match(r"^(b|b\.?[a-z]{2}|cbn?z|tbn?z)$", op):
            args = re.sub(r"G_M\d+_IG\d+", "loop", args)
        args = re.sub(r"\[@RWD\d+\]", "[x28]", args)
        lines.append(f"    {op} {args}".rstrip())
    return "\n".join(lines) + "\n"


def simulate(path_ops):
    """llvm-mca's account of the loop: micro-ops, block reciprocal throughput, simulated cycles and each resource's
    pressure, per iteration."""
    with tempfile.NamedTemporaryFile("w", suffix=".s", delete=False) as f:
        f.write(assembly(path_ops))
        source = f.name
    try:
        out = subprocess.run([MCA, "-mtriple=aarch64", f"-mcpu={CPU}", "-iterations=200", source],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(source)

    def number(name):
        return float(re.search(rf"^{name}:\s+([0-9.]+)", out, re.M).group(1))

    iterations = number("Iterations")
    names = re.findall(r"^\[(\d+(?:\.\d+)?)\]\s+-\s+(\S+)", out, re.M)
    pressure_lines = out.split("Resource pressure per iteration:")[1].strip().splitlines()
    values = [0.0 if v == "-" else float(v) for v in pressure_lines[1].split()]
    pressure = {}
    for (_, name), value in zip(names, values):
        pressure[name] = pressure.get(name, 0.0) + value
    return {
        "uops": number("Total uOps") / iterations,
        "block_rthroughput": number("Block RThroughput"),
        "simulated_cycles": number("Total Cycles") / iterations,
        "pressure": pressure,
    }


def loop_row(path_ops, kernel, dtype):
    elements = 128 // 32 * main_loop(kernel, dtype, 128)[1]
    mca = simulate(path_ops)
    vector = sum(mca["pressure"].get(p, 0.0) for p in VECTOR_PIPES)
    moves = sum(1 for op, args in path_ops if op == "mov" and VECTOR_MOVE.match(args))
    fmla = sum(1 for op, _ in path_ops if op in ("fmla", "fmls"))
    return {
        "kernel": kernel, "dtype": dtype, "bits": 128, "isa": "neon", "model": f"llvm-mca-16 {CPU}",
        "elements_per_iteration": elements,
        "instructions": len(path_ops),
        "instructions_per_element": round(len(path_ops) / elements, 3),
        "uops_per_element": round(mca["uops"] / elements, 3),
        "vector_moves": moves,
        "fmla": fmla,
        "vector_pipe_cycles_per_iteration": round(vector / len(VECTOR_PIPES), 2),
        "block_rthroughput": mca["block_rthroughput"],
        "simulated_cycles_per_iteration": round(mca["simulated_cycles"], 2),
        "bound_elements_per_cycle": round(elements / max(mca["block_rthroughput"], vector / len(VECTOR_PIPES)), 3),
        "simulated_elements_per_cycle": round(elements / mca["simulated_cycles"], 3),
    }


def row_from_listing(path, kernel, dtype):
    chunk = listing(path, kernel, dtype, 128)
    ops = hot_path(chunk) if chunk else None
    if not ops:
        sys.exit(f"arm64_limits: {path}: no main loop found for {kernel} {dtype}")
    return loop_row(ops, kernel, dtype), ops


def table(path):
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.startswith("{")]
    print("| kernel | dtype | instructions / element | µops / element | vector copies / iteration | "
          "vector-pipe bound, elements / cycle | llvm-mca simulated, elements / cycle |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['kernel']} | {r['dtype']} | {r['instructions_per_element']} | {r['uops_per_element']} | "
              f"{r['vector_moves']} of {r['instructions']} | {r['bound_elements_per_cycle']} | "
              f"{r['simulated_elements_per_cycle']} |")


def main():
    if sys.argv[1] == "--table":
        table(sys.argv[2])
        return
    if sys.argv[1] == "--listing":
        only = dict(a.split("=", 1) for a in sys.argv[3:])
        row, ops = row_from_listing(sys.argv[2], only["kernel"], only["dtype"])
        row["path"] = [f"{op} {args}".rstrip() for op, args in ops]
        print(json.dumps(row, indent=1))
        return
    bench = os.path.join(sys.argv[1], "LossEngine.Benchmarks")
    only = dict(a.split("=", 1) for a in sys.argv[2:])
    for kernel, dtype in itertools.product(KERNELS, DTYPES):
        if only.get("kernel", kernel) != kernel or only.get("dtype", dtype) != dtype:
            continue
        with tempfile.NamedTemporaryFile(suffix=".asm", delete=False) as f:
            path = f.name
        env = dict(os.environ, DOTNET_TieredCompilation="0", DOTNET_EnableWriteXorExecute="0",
                   DOTNET_JitDisasm="RunGroups RunGroupPairs RunVectors", DOTNET_JitStdOutFile=path)
        out = subprocess.run(["qemu-aarch64", bench, "quick", "--kernel", kernel, "--dtype", dtype, "--threads", "1",
                              "--seconds", "0.3", "--rows", "8", "--vocab", "32768"],
                             env=env, capture_output=True, text=True, check=True).stdout
        quick = next(json.loads(line) for line in out.splitlines() if line.startswith('{"kernel"'))
        if quick["simd_bits"] != 128:
            sys.exit(f"arm64_limits: {kernel} {dtype} ran {quick['simd_bits']}-bit vectors, not NEON's 128")
        row, _ = row_from_listing(path, kernel, dtype)
        os.unlink(path)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
