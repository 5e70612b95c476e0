#!/usr/bin/env python3
"""The port-bound limit of each kernel's main loop, beside its measured rate, per kernel, dtype and vector width.

For every combination this runs quick mode twice on one thread: once on a few rows that stay in the core's caches
(the compute rate) and once streamed from memory (the rate users see, and the read ceiling beside it). The first run
also writes the JIT's disassembly of the main loop (DOTNET_JitDisasm), from which the script takes the loop's steady
path, counts its instructions, sorts the vector ones onto the core's pipes as measured by pipes.c, and bounds the
loop's cycles per element by the busiest pipe set. The hardware counters that `perf stat` would read are not exposed
in the VMs these benchmarks run on (/sys/bus/event_source/devices has no "cpu"), so counts come from the listing.

Usage: /usr/bin/python3 bench/limits/loop_limits.py BENCHMARKS_DLL PIPES_JSONL [bits=N] [kernel=K] [dtype=D] > loops.jsonl
  PIPES_JSONL is pipes.c's output; its clock turns cycles into elements per second.
       /usr/bin/python3 bench/limits/loop_limits.py --table loops.jsonl   (the Markdown table of bench/results)
The pipe model (AMD Zen 5 as pipes.c measures it: two FMA pipes, two add pipes, permutes on one of each, vscalefps
on both add pipes at once, compares into mask registers on one FMA and one add pipe, bitwise operations anywhere) is in PIPES below; another core needs its own.
"""
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile

# Vector pipes and what may run on each. An instruction class maps to (slots, allowed pipes).
PIPES = ("fp0", "fp1", "fp2", "fp3")
CLASSES = {
    "fma": (1, {"fp0", "fp1"}),
    "add": (1, {"fp2", "fp3"}),
    "scalef": (2, {"fp2", "fp3"}),  # measured: one per cycle, and none of the add pipes' work beside it
    "permute": (1, {"fp1", "fp2"}),
    "compare": (1, {"fp1", "fp2"}),  # measured: two per cycle alone, and it slows both FMAs and adds beside it
    "logic": (1, {"fp0", "fp1", "fp2", "fp3"}),
}
# The leading "v" is optional: the 128-bit level without AVX compiles to SSE's two-operand forms.
FMA = re.compile(r"^v?(f[n]?m(add|sub)\d+[ps][sd]|mul[ps][sd])$")
ADD = re.compile(r"^v?(add|sub|max|min)[ps][sd]$|^v?p(sll|srl|sra)[dqw]$|^v?cvt|^v?round|^vrndscale")
COMPARE = re.compile(r"^v?(p?cmp)")
LOGIC = re.compile(r"^v?(p?and|p?andn|p?or|p?xor)[ps]?[sdq]?$|^vpternlog|^vblendm|^vpblendm|^v?p?blendv|^v?p(add|sub)[dq]$")
PERMUTE = re.compile(r"^v?perm|^v?pmovzx|^v?pmovsx|^vbroadcast[^ ]* zmm\d+, zmm|^v?shuf|^v?unpck|^v?extract|^v?insert")

KERNELS = ("lse", "cross_entropy", "statistics", "compare")
DTYPES = ("f32", "bf16", "f16")
# Widths and the runtime switch that selects each (as eng/x64-levels.sh).
WIDTHS = ((512, {}), (256, {"DOTNET_EnableAVX512": "0"}), (128, {"DOTNET_EnableAVX": "0"}))
ELEMENT = {"f32": "float", "bf16": "LossEngine.BFloat16", "f16": "System.Half"}
WIDTH_TYPE = {512: "Vector512Width", 256: "Vector256Width", 128: "Vector128Width"}


def quick(dll, env, args):
    out = subprocess.run(["dotnet", dll, "quick", *args], env=env, capture_output=True, text=True, check=True).stdout
    return next(json.loads(line) for line in out.splitlines() if line.startswith('{"kernel"'))


def main_loop(kernel, dtype, width):
    """The kernel's main-loop method and the vectors it reads a row per iteration: bf16 and fp16 log-sum-exp and
    cross-entropy run two groups of four a step at 512 bits (RunGroupPairs), the rest one group (RunGroups), compare two
    vectors of each row (RunVectors)."""
    if kernel == "compare":
        return "RunVectors", 4
    if kernel in ("lse", "cross_entropy") and dtype != "f32" and width == 512:
        return "RunGroupPairs", 8
    return "RunGroups", 4


def listing(path, kernel, dtype, width):
    """The last fully optimised listing of the kernel's main-loop method for this element type and width."""
    method = main_loop(kernel, dtype, width)[0]
    mode = {"lse": "LogSumExpMode", "cross_entropy": "LogSumExpMode", "statistics": "AllStatisticsMode"}.get(kernel)
    text = open(path, encoding="utf-8").read()
    found = {}
    for chunk in text.split("; Assembly listing for method ")[1:]:
        header = chunk.splitlines()[0]
        if (f":{method}[{ELEMENT[dtype]}," in header and WIDTH_TYPE[width] in header
                and (mode is None or mode in header)):
            tier = header.rstrip().rsplit("(", 1)[-1]
            # Tier1 where the method was called often enough, else the optimised loop that on-stack replacement
            # compiled (the same loop body).
            if tier in ("Tier1)", "Tier0-FullOpts)", "FullOpts)") or (tier == "Tier1-OSR)" and ("ClampedShift" in header, True) not in found):
                found[("ClampedShift" in header, tier != "Tier1-OSR)")] = chunk
    # The pass that runs: unclamped where vscalefps allows it (512 bits), clamped otherwise.
    for key in ((False, True), (False, False), (True, True), (True, False)):
        if key in found:
            return found[key]
    return None


def hot_path(chunk):
    """The instructions on the innermost loop's common path: of the backward jump ranges, the smallest of those that
    hold the most FMAs (the exps), less the blocks that a forward conditional jump inside that range skips (the rare
    if-then blocks). Blocks the JIT moved out of the loop (the temperature's multiply) are outside the range."""
    lines = [l.split(";")[0].rstrip() for l in chunk.splitlines()]
    items = []  # (label or None, mnemonic, operands)
    for l in lines:
        m = re.match(r"^(G_M\d+_IG\d+):", l)
        if m:
            items.append((m.group(1), None, None))
            continue
        m = re.match(r"^\s+([a-z][a-z0-9]*)\s*(.*)$", l)
        if m and not l.strip().startswith(("RWD", "align")):
            items.append((None, m.group(1), m.group(2).replace("SHORT ", "")))
    position = {label: k for k, (label, _, _) in enumerate(items) if label}
    loops = []
    # Blocks after the epilogue are the cold ones the JIT moved out of line; their jumps back are not loops.
    epilogue = next((k for k, (_, op, _) in enumerate(items) if op == "ret"), len(items))
    for k, (_, op, args) in enumerate(items[:epilogue]):
        if op and op.startswith("j") and args in position and position[args] < k:
            body = items[position[args]:k + 1]
            fmas = sum(1 for _, o, _ in body if o and FMA.match(o))
            if fmas:
                loops.append((-fmas, k - position[args], position[args], k))
    if not loops:
        return None
    _, _, start, end = min(loops)
    skipped = set()
    for k in range(start, end + 1):
        _, op, args = items[k]
        if op and op.startswith("j") and op != "jmp" and args in position and k < position[args] <= end:
            skipped.update(range(k + 1, position[args]))
    return [(op, args) for k, (_, op, args) in enumerate(items[start:end + 1], start) if op and k not in skipped]


def classify(op, args):
    if op in ("vmovaps", "vmovups", "vmovdqu32", "vmovdqa32", "movaps", "movups", "movdqa", "movdqu") and "ptr" not in args:
        return "move"  # register copies are renamed, not executed
    if op.startswith("vbroadcast") and "ptr" in args:
        return "load"
    if op.startswith(("vmov", "mov")) and "ptr" in args and "mm" in args:
        return "load" if args.split(",")[0].strip().startswith(("zmm", "ymm", "xmm")) else "store"
    if op == "vscalefps":
        return "scalef"
    if FMA.match(op):
        return "fma"
    if COMPARE.match(op):
        return "compare"
    if ADD.match(op):
        return "add"
    if LOGIC.match(op):
        return "logic"
    if PERMUTE.match(op + " " + args) or PERMUTE.match(op):
        return "permute"
    if op.startswith("v") or "xmm" in args:
        return "other-vector"
    return "scalar"


def pipe_bound(counts):
    """Fewest cycles to issue the vector work: the largest, over sets of pipes, of the slots that can only run within
    the set divided by its size (the bound of a fractional assignment, exact for these few pipes)."""
    best = 0.0
    for size in range(1, len(PIPES) + 1):
        for subset in itertools.combinations(PIPES, size):
            slots = sum(counts.get(c, 0) * n for c, (n, allowed) in CLASSES.items() if allowed <= set(subset))
            best = max(best, slots / size)
    return best


def binding(r):
    """Which limit the streamed rate sits at: memory when it is within 10 % of the read ceiling; the pipes when the rate
    in cache is within 15 % of their bound; otherwise neither, and the loop waits on its dependency chains (the exp's
    is about 35 cycles) with too little independent work in the out-of-order window to cover them."""
    if r["streamed_gelems"] >= 0.9 * r["ceiling_gelems"]:
        return "memory"
    bound = r.get("pipe_bound_gelems")
    if bound and r["cached_gelems"] >= 0.85 * bound:
        return "pipes"
    return "latency"


def table(path):
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.startswith("{")]
    print("| kernel | dtype | bits | instructions / element | pipe slots / element | FMA · add · scalef · compare · "
          "permute · bitwise per iteration | pipe bound G elem/s | in cache G elem/s | × pipe bound | streamed G elem/s "
          "| read ceiling G elem/s | × ceiling | binds |")
    print("|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        c = r.get("classes", {})
        mix = " · ".join(str(c.get(k, 0)) for k in ("fma", "add", "scalef", "compare", "permute", "logic"))
        bound = r.get("pipe_bound_gelems")
        print(f"| {r['kernel']} | {r['dtype']} | {r['bits']} | {r.get('instructions_per_element', '–')} | "
              f"{r.get('vector_slots_per_element', '–')} | {mix if bound else '–'} | {bound or '–'} | "
              f"{r['cached_gelems']:.2f} | {r['cached_gelems'] / bound:.2f} | {r['streamed_gelems']:.2f} | "
              f"{r['ceiling_gelems']:.2f} | {r['streamed_gelems'] / r['ceiling_gelems']:.2f} | {binding(r)} |"
              if bound else
              f"| {r['kernel']} | {r['dtype']} | {r['bits']} | – | – | – | – | {r['cached_gelems']:.2f} | – | "
              f"{r['streamed_gelems']:.2f} | {r['ceiling_gelems']:.2f} | {r['streamed_gelems'] / r['ceiling_gelems']:.2f} | "
              f"{binding(r)} |")


def main():
    if sys.argv[1] == "--table":
        table(sys.argv[2])
        return
    dll, pipes_path = sys.argv[1], sys.argv[2]
    # Optional filters, e.g. bits=128 kernel=compare: run only the matching combinations.
    only = dict(a.split("=", 1) for a in sys.argv[3:])
    pipes = [json.loads(l) for l in open(pipes_path, encoding="utf-8") if l.startswith("{")]
    ghz = next(p["ghz"] for p in pipes if p["measure"] == "clock")
    for (width, switches), kernel, dtype in itertools.product(WIDTHS, KERNELS, DTYPES):
        if any(str({"bits": width, "kernel": kernel, "dtype": dtype}[k]) != v for k, v in only.items()):
            continue
        with tempfile.NamedTemporaryFile(suffix=".asm", delete=False) as f:
            path = f.name
        env = dict(os.environ, **switches, DOTNET_JitDisasm="RunGroups RunGroupPairs RunVectors", DOTNET_JitStdOutFile=path)
        cached = quick(dll, env, ["--kernel", kernel, "--dtype", dtype, "--threads", "1", "--seconds", "1",
                                  "--rows", "8", "--vocab", "32768"])
        env = dict(os.environ, **switches)
        streamed = quick(dll, env, ["--kernel", kernel, "--dtype", dtype, "--threads", "1", "--seconds", "1.5",
                                    "--buffer-mib", "640", "--vocab", "128256"])
        chunk = listing(path, kernel, dtype, width)
        os.unlink(path)
        path_ops = hot_path(chunk) if chunk else None
        row = {"kernel": kernel, "dtype": dtype, "bits": width, "simd_bits": cached["simd_bits"], "ghz": ghz}
        if path_ops:
            counts = {}
            for op, args in path_ops:
                c = classify(op, args)
                counts[c] = counts.get(c, 0) + 1
            lanes = width // 32
            elements = lanes * main_loop(kernel, dtype, width)[1]
            cycles = pipe_bound(counts)
            fp_slots = sum(counts.get(c, 0) * n for c, (n, _) in CLASSES.items())
            row.update({
                "elements_per_iteration": elements,
                "instructions_per_element": round(len(path_ops) / elements, 3),
                "vector_slots_per_element": round(fp_slots / elements, 3),
                "classes": counts,
                "pipe_bound_cycles_per_element": round(cycles / elements, 4),
                "pipe_bound_gelems": round(ghz * elements / cycles, 2),
            })
        row.update({
            "cached_gelems": cached["gelems"],
            "streamed_gelems": streamed["gelems"],
            "streamed_gbps": streamed["gbps"],
            "ceiling_gbps": streamed["ceiling_gbps"],
            "ceiling_gelems": round(streamed["ceiling_gbps"] / {"f32": 4, "bf16": 2, "f16": 2}[dtype], 2),
        })
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
