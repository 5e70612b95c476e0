#!/usr/bin/env python3
"""The port-bound limit of each kernel's main loop, beside its measured rate, per kernel, dtype and vector width.

For every combination this runs quick mode twice on one thread: once on a few rows that stay in the core's caches
(the compute rate) and once streamed from memory (the rate users see, and the read ceiling beside it). A short run
before them, with tiered compilation off, writes the JIT's disassembly of the main loop (DOTNET_JitDisasm), from which
the script takes the loop's steady path, counts its instructions, sorts the vector ones onto the core's pipes as
measured by pipes.c, and bounds the loop's cycles per element by the busiest pipe set. The hardware counters that
`perf stat` would read are not exposed in the VMs these benchmarks run on (/sys/bus/event_source/devices has no
"cpu"), so counts come from the listing.

Usage: /usr/bin/python3 bench/limits/loop_limits.py BENCHMARKS_DLL PIPES_JSONL [bits=N] [kernel=K] [dtype=D] [model=M]
         > loops.jsonl
  PIPES_JSONL is pipes.c's output; its clock turns cycles into elements per second.
       /usr/bin/python3 bench/limits/loop_limits.py --listing LISTING PIPES_JSONL kernel=K dtype=D bits=N [model=M]
  reads a listing written before (DOTNET_JitDisasm into DOTNET_JitStdOutFile) instead of running the benchmarks, and
  prints the loop's instructions, classes and pipe bound (no rates).
       /usr/bin/python3 bench/limits/loop_limits.py --table loops.jsonl   (the Markdown table of bench/results)

Pipe models (MODELS below), each as pipes.c measures it on that core; model=zen5, zen3 or spr picks one, otherwise
the CPUID family and model on pipes.c's clock line do (Zen 3: family 25, models 0x00-0x0f and 0x20-0x5f; Zen 5: family
26; Intel: family 6), and Zen 5's is the default for any other core:
  zen5 (AVX-512, `./pipes`): two FMA pipes, two add pipes (add, max, shifts, conversions), permutes on one of each,
    vscalefps on both add pipes at once, compares into mask registers on one FMA and one add pipe, bitwise operations
    and integer adds anywhere.
  spr (AVX-512, `./pipes`, Intel family 6): two pipes (ports 0 and 5) for every 512-bit instruction; shifts on port 0
    only, as are the 16-bit integer maximums (vpmaxsw, vpmaxuw: one a cycle, and not beside shifts), permutes, widening
    moves and compares into a mask register (vpcmpgtw too) on port 5 only; vpmaddwd on either port. Measure 512-bit
    loops only (bits=512): the core's 256- and 128-bit instructions have a third port that this model leaves out.
  zen3 (AVX2, `./pipes --avx2`): two FMA pipes (FMA, multiply, vblendvps), two add pipes (add, subtract, max, float
    compares into a vector), shifts and in-lane shuffles on one FMA pipe and one add pipe (fp1, fp2), bitwise
    operations, integer adds and integer maximums anywhere; a lane-crossing permute (vpermd, vpermps) takes one op on
    fp1 and one on either FMA pipe, a widening move or fp16 conversion (vpmovzxwd, vcvtph2ps) one on fp1 and one
    anywhere; vptest one op on fp1 or fp2 and one transfer to the integer side, which runs one a cycle and which
    vmovmskps also takes; stores of vector registers one a cycle. Beside FMAs, frequent vptests, vmovmskps and stores
    take longer than their pipes account for (ten beside ten FMAs: 14-15 cycles where the pipes need 10).
Instructions no pipe executes are counted apart: register copies (renamed), zero idioms (vxorps x, x, x and the like:
recognised at rename), loads (vbroadcastss from memory is one), and stores where the model has no store pipe (zen5).
A model bounds a loop from below: the fewest cycles in which its pipes could issue the loop's ops, however the
scheduler picks.
"""
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile

# Pipe models: each instruction class maps to the ops it issues, (slots, pipes any one of which may run the op); the
# rules sort mnemonics into classes, first match wins (matched against the mnemonic, then against it with its operands).
# The leading "v" is optional: the 128-bit level without AVX compiles to SSE's two-operand forms.
FP = {"fp0", "fp1", "fp2", "fp3"}
FMA = re.compile(r"^v?(f[n]?m(add|sub)\d+[ps][sd]|mul[ps][sd])$")
FUSED = re.compile(r"^v?f[n]?m(add|sub)\d+[ps][sd]$")
ARM64_FMA = re.compile(r"^f(mla|mls|mul|madd|msub)$")
# Jumps as the JIT's listings spell them: x64's jcc and jmp; ARM64's b, b<cond> (blo, bne, ...), cbz/cbnz, tbz/tbnz.
BRANCH = re.compile(r"^(j[a-z]+|b|b\.?(eq|ne|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|cs|cc)|cbn?z|tbn?z)$")
# Classes both AVX-512 models name alike.
SCALEF = re.compile(r"^vscalefps$")
MASK_COMPARE = re.compile(r"^v?(p?cmp)")
BITWISE = re.compile(r"^v?(p?and|p?andn|p?or|p?xor)[ps]?[sdq]?$|^vpternlog|^vblendm|^vpblendm|^v?p?blendv"
                     r"|^v?p(add|sub)[dq]$")
PERMUTE = re.compile(r"^v?perm|^v?pmovzx|^v?pmovsx|^vbroadcast[^ ]* zmm\d+, zmm|^v?shuf|^v?unpck|^v?extract"
                     r"|^v?insert")
MODELS = {
    # AMD Zen 5, 512-bit and 256-bit instructions (bench/results/limits-amd-epyc-zen5-2vcpu.md).
    "zen5": {
        "pipes": ("fp0", "fp1", "fp2", "fp3"),
        "classes": {
            "fma": [(1, {"fp0", "fp1"})],
            "add": [(1, {"fp2", "fp3"})],
            "scalef": [(2, {"fp2", "fp3"})],  # measured: one per cycle, and none of the add pipes' work beside it
            "permute": [(1, {"fp1", "fp2"})],
            # measured: two per cycle alone, and it slows both FMAs and adds beside it
            "compare": [(1, {"fp1", "fp2"})],
            "logic": [(1, FP)],
        },
        "rules": [
            ("scalef", SCALEF),
            ("fma", FMA),
            ("compare", MASK_COMPARE),
            ("add", re.compile(r"^v?(add|sub|max|min)[ps][sd]$|^v?p(sll|srl|sra)[dqw]$|^v?cvt|^v?round|^vrndscale")),
            ("logic", BITWISE),
            ("permute", PERMUTE),
        ],
        "labels": ("fma", "add", "scalef", "compare", "permute", "logic"),
    },
    # Intel Sapphire Rapids (Golden Cove), 512-bit instructions (bench/results/limits-intel-xeon-spr-2vcpu.md): two
    # vector ports, 0 and 5, take every 512-bit instruction. FMAs, multiplies, adds, maximums, vscalefps and bitwise
    # operations issue on either (FMA beside add: 24 in 12 cycles); shifts only on port 0; permutes, vpermi2ps, widening
    # moves and compares into a mask register only on port 5 (compare beside permute: 24 in 24 cycles, shift beside
    # permute: 24 in 12). The 16-bit maximums take port 0 (vpmaxsw beside shifts: 24 in 24 cycles, beside permutes 24 in
    # 14), vpmaddwd either port (beside shifts and beside permutes: 24 in 12.5). Conversions and rounding go to port 0,
    # as Intel's optimization manual places them; pipes.c does not measure them, and no 512-bit main loop has one.
    "spr": {
        "pipes": ("p0", "p5"),
        "classes": {
            "fma": [(1, {"p0", "p5"})],
            "add": [(1, {"p0", "p5"})],
            "scalef": [(1, {"p0", "p5"})],
            "shift": [(1, {"p0"})],
            "permute": [(1, {"p5"})],
            "compare": [(1, {"p5"})],
            "logic": [(1, {"p0", "p5"})],
            "multiply-add-words": [(1, {"p0", "p5"})],
        },
        "rules": [
            ("scalef", SCALEF),
            ("fma", FMA),
            ("compare", MASK_COMPARE),
            ("add", re.compile(r"^v?(add|sub|max|min)[ps][sd]$")),
            ("shift", re.compile(r"^v?p(sll|srl|sra)v?[dqw]$|^v?cvt|^v?round|^vrndscale|^vp(max|min)[su]w$")),
            ("multiply-add-words", re.compile(r"^vpmaddwd$")),
            ("logic", BITWISE),
            ("permute", PERMUTE),
        ],
        "labels": ("fma", "add", "scalef", "shift", "compare", "permute", "logic", "multiply-add-words"),
    },
    # AMD Zen 3, 256-bit instructions (pipes.c --avx2): four FP pipes, the transfer to the integer side ("fpint") and
    # the store of vector data ("fpst").
    # Against pipes.c's 65 throughput rows, the bound is never above the measured time and within 2 % of it for 45;
    # the rest take longer than their pipes alone explain, as noted beside the class. Instructions the measurements do
    # not cover follow LLVM's Zen 3 scheduling model, which draws on AMD's optimization guide (conversions and rounding
    # on the add pipes, immediate blends on the FMA pipes, integer compares anywhere, 128-bit extracts and inserts as
    # permutes).
    "zen3": {
        "pipes": ("fp0", "fp1", "fp2", "fp3", "fpint", "fpst"),
        "classes": {
            "fma": [(1, {"fp0", "fp1"})],  # FMA, multiply
            # Max and compares run on the add pipes here, where LLVM's model has them on the FMA pipes: ten beside ten
            # adds take 10 cycles, beside ten FMAs 5.
            "add": [(1, {"fp2", "fp3"})],  # add, subtract, max
            "compare": [(1, {"fp2", "fp3"})],  # float compares into a vector
            # Shifts and in-lane shuffles: 20 beside each other take 10 cycles; beside FMAs or adds 6.7-7.3 cycles for
            # 20 (the bound 6.7: three pipes).
            "shift": [(1, {"fp1", "fp2"})],
            # vpermd, vpermps: ten beside ten FMAs take 15 cycles, four beside ten take 9; beside vcvtph2ps the two
            # add up. Alone they issue 0.75 a cycle (13.4 cycles for ten, bound 10), beside adds or shifts 11-12.
            "permute": [(1, {"fp1"}), (1, {"fp0", "fp1"})],
            # vcvtph2ps: one a cycle beside anything but a permute. vpmovzxwd alone 0.79 a cycle (bound 1).
            "widen": [(1, {"fp1"}), (1, FP)],
            "blend": [(1, {"fp0", "fp1"})],  # vblendvps: ten beside ten FMAs take 10 cycles, beside adds 5
            "integer": [(1, FP)],  # bitwise, integer add and maximum: four a cycle, beside FMAs and adds as well
            # vptest: one a cycle, sharing the transfer with vmovmskps (ten of each take 20 cycles). Beside FMAs (and
            # vblendvps, not multiplies) frequent vptests cost more than this: ten beside ten FMAs take 15 cycles.
            "test": [(1, {"fp1", "fp2"}), (1, {"fpint"})],
            "transfer": [(1, {"fpint"})],  # vmovmskps: ten take 12.3 cycles alone, 13.9 beside ten FMAs
            # Stores of a vector register (the loops' spills): one a cycle, beside vptest partly on the same path (ten
            # of each: 14.3 cycles); beside FMAs like vptest (ten beside ten: 15 cycles), beside multiplies or adds not.
            "store": [(1, {"fpst"})],
        },
        "rules": [
            ("fma", FMA),
            ("blend", re.compile(r"^v?p?blendv|^v?blendp[sd]$")),
            ("compare", re.compile(r"^v?cmp[a-z]*[ps][sd]$")),
            ("widen", re.compile(r"^v?pmov[sz]x|^vcvtph2ps$")),
            ("add", re.compile(r"^v?(add|sub|max|min)[ps][sd]$|^v?cvt|^v?round")),
            ("shift", re.compile(r"^v?ps(ll|rl|ra)v?[dqw]$|^v?p?unpck|^v?pshuf|^v?shufp|^v?palignr|^v?pack")),
            ("permute", re.compile(r"^vperm|^vextract|^vinsert|^vp?broadcast[^ ]* ymm\d+, [xy]mm")),
            ("integer", re.compile(r"^v?(p?and|p?andn|p?or|p?xor)[ps]?[sdq]?$|^v?p(add|sub)[bwdq]$"
                                   r"|^v?p(max|min)[su][bwd]$|^v?pcmp(eq|gt)[bwdq]$|^v?pblendd$|^v?pabs[bwd]$")),
            ("test", re.compile(r"^v?ptest$|^vtestp[sd]$")),
            ("transfer", re.compile(r"^v?movmskp[sd]$|^v?pmovmskb$|^v?pextr|^v?extractps$"
                                    r"|^v?mov[dq] [re]\w+, xmm|^v?mov[dq] xmm\d+, [re]\w+$")),
        ],
        "labels": ("fma", "add", "compare", "shift", "permute", "widen", "blend", "integer", "test", "transfer",
                   "store"),
    },
}
LABELS = {"fma": "FMA", "logic": "bitwise"}
REGISTER_MOVE = re.compile(r"^v?mov(aps|ups|apd|upd|dqa|dqu)(8|16|32|64)?$")
# Zero idioms: the two sources are one register (vxorps ymm1, ymm2, ymm2; SSE's xorps xmm0, xmm0).
ZERO_IDIOM = re.compile(r"^v?(p?xor[ps]?[sdq]?|p?andn[ps]?[sdq]?|psub[bwdq])$")


def model_for_cpu(family, model):
    """The pipe model measured on this core's generation, or None."""
    if family == 26:
        return "zen5"
    if family == 6:
        # Intel's AVX-512 server cores; the VM measured here reports model 167 for a Sapphire Rapids.
        return "spr"
    if family == 25 and (model < 0x10 or 0x20 <= model < 0x60):
        return "zen3"
    return None


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
    """The kernel's main-loop method and the vectors it reads per iteration: bf16 and fp16 log-sum-exp and
    cross-entropy run two groups of four a step at 512 bits (RunGroupPairs), the rest one group (RunGroups); compare
    (RunVectors) reads two vectors of each row a step."""
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
    """The instructions on the innermost loop's common path: of the backward jumps that close a loop (reached from
    their target without leaving the range) and enclose no other such loop, the smallest range of those whose common
    path holds the most FMAs (the exps), less the
    blocks that a forward conditional jump inside that range skips (the rare if-then blocks). Blocks the JIT moved out
    of the loop (the temperature's multiply) are outside the range."""
    lines = [l.split(";")[0].rstrip() for l in chunk.splitlines()]
    items = []  # (label or None, mnemonic, operands)
    for l in lines:
        m = re.match(r"^(G_M\d+_IG\d+):", l)
        if m:
            items.append((m.group(1), None, None))
            continue
        m = re.match(r"^\s+([a-z][a-z0-9.]*)\s*(.*)$", l.split("//")[0].rstrip())
        if m and not l.strip().startswith(("RWD", "align")):
            items.append((None, m.group(1), m.group(2).replace("SHORT ", "")))
    position = {label: k for k, (label, _, _) in enumerate(items) if label}
    loops = []
    # Blocks after the epilogue are the cold ones the JIT moved out of line; their jumps back are not loops.
    epilogue = next((k for k, (_, op, _) in enumerate(items) if op == "ret"), len(items))

    def target(op, args):
        """The label a jump goes to (x64 jcc/jmp; ARM64 b, b.cond, cbz/cbnz, tbz/tbnz), or None."""
        if not op or not BRANCH.match(op):
            return None
        label = args.split(",")[-1].strip()
        return label if label in position else None

    def closes(start, end):
        """Whether the jump at `end` is reached from `start` without leaving the range: not so for a block the JIT
        placed after the loop's back edge (the rare path that multiplies by the temperature), whose jump back into
        the loop would otherwise look like a loop of its own."""
        seen, todo = set(), [start]
        while todo:
            k = todo.pop()
            while k <= end and k not in seen:
                seen.add(k)
                _, op, args = items[k]
                label = target(op, args)
                if label and start <= position[label] <= end:
                    todo.append(position[label])
                if op in ("jmp", "b", "ret"):
                    break
                k += 1
        return end in seen

    def common_path(start, end):
        """The positions in [start, end] that no forward conditional jump inside the range skips."""
        skipped = set()
        for k in range(start, end + 1):
            _, op, args = items[k]
            label = target(op, args)
            if label and op not in ("jmp", "b") and k < position[label] <= end:
                skipped.update(range(k + 1, position[label]))
        return [k for k in range(start, end + 1) if items[k][1] and k not in skipped]

    def find_loops(end):
        for k, (_, op, args) in enumerate(items[:end]):
            label = target(op, args)
            if label and position[label] < k:
                # FMAs on the common path: the ARM64 JIT keeps rare blocks (a new record's rescaling, with exps of its
                # own) inside the loop, where x64's moves them out of line. Fused ones only on x64: where the JIT
                # closes the loop twice, once through the temperature's multiplies (x · scale − max) and once through
                # the plain subtraction, the multiplies must not make the temperature's loop look like the exps' own.
                fmas = sum(1 for j in common_path(position[label], k)
                           if FUSED.match(items[j][1]) or ARM64_FMA.match(items[j][1]))
                if fmas and closes(position[label], k):
                    loops.append((-fmas, k - position[label], position[label], k))

    find_loops(epilogue)
    if not loops:
        # The ARM64 JIT may place a whole loop after the epilogue, entered by a jump.
        find_loops(len(items))
    if not loops:
        return None
    # Innermost first: a loop that closes around another (the fold's outer loop, whose fold may hold an FMA of its own)
    # is not the main loop.
    def encloses(loop):
        return any(other is not loop and loop[2] <= other[2] and other[3] < loop[3] for other in loops)
    _, _, start, end = min(loops, key=lambda loop: (encloses(loop), loop))
    return [items[k][1:] for k in common_path(start, end)]


def classify(op, args, model):
    """The instruction's class in the model, or what it is if no pipe executes it: scalar, move, zero, load, store,
    other-vector (a vector instruction the model does not place)."""
    if "mm" not in args and not op.startswith("v"):
        return "scalar"  # integer instructions (cmp and test among them), prefetches, branches
    if REGISTER_MOVE.match(op) and "ptr" not in args:
        return "move"  # register copies are renamed, not executed
    sources = [a.strip() for a in args.split(",")][-2:]
    if ZERO_IDIOM.match(op) and len(sources) == 2 and sources[0] == sources[1] and "mm" in sources[0]:
        return "zero"  # recognised at rename: no pipe, no dependency on the register's old value
    if op.startswith(("vbroadcast", "vpbroadcast")) and "ptr" in args:
        return "load"
    if op.startswith(("vmov", "mov")) and "ptr" in args and "mm" in args:
        return "store" if "ptr" in args.split(",")[0] else "load"
    for name, rule in MODELS[model]["rules"]:
        if rule.match(op) or rule.match(op + " " + args):
            return name
    if op.startswith("v") or "xmm" in args:
        return "other-vector"
    return "scalar"


def pipe_bound(counts, model):
    """Fewest cycles to issue the vector work: the largest, over sets of pipes, of the slots that can only run within
    the set divided by its size (the bound of a fractional assignment, exact for these few pipes); and the set that
    sets it (the smallest, of equal bounds)."""
    pipes, classes = MODELS[model]["pipes"], MODELS[model]["classes"]
    best, busiest = 0.0, ()
    for size in range(1, len(pipes) + 1):
        for subset in itertools.combinations(pipes, size):
            slots = sum(counts.get(c, 0) * n
                        for c, ops in classes.items() for n, allowed in ops if allowed <= set(subset))
            if slots / size > best:
                best, busiest = slots / size, subset
    return best, busiest


def loop_row(path_ops, kernel, dtype, width, model, ghz):
    """Class counts and pipe bound of a main loop's common path (hot_path), or {} where no loop was found."""
    if not path_ops:
        return {}
    counts = {}
    for op, args in path_ops:
        c = classify(op, args, model)
        counts[c] = counts.get(c, 0) + 1
    elements = width // 32 * main_loop(kernel, dtype, width)[1]
    cycles, busiest = pipe_bound(counts, model)
    slots = sum(counts.get(c, 0) * n for c, ops in MODELS[model]["classes"].items() for n, _ in ops)
    return {
        "elements_per_iteration": elements,
        "instructions_per_element": round(len(path_ops) / elements, 3),
        "vector_slots_per_element": round(slots / elements, 3),
        "classes": counts,
        "pipe_bound_cycles_per_iteration": round(cycles, 2),
        "busiest_pipes": "+".join(busiest),
        "pipe_bound_cycles_per_element": round(cycles / elements, 4),
        "pipe_bound_gelems": round(ghz * elements / cycles, 2),
    }


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
    # One table per pipe model (rows written before models were named are Zen 5's).
    for model in dict.fromkeys(r.get("model", "zen5") for r in rows):
        labels = MODELS[model]["labels"]
        print(f"| kernel | dtype | bits | instructions / element | pipe slots / element | "
              f"{' · '.join(LABELS.get(k, k) for k in labels)} per iteration | pipe bound G elem/s | "
              "in cache G elem/s | × pipe bound | streamed G elem/s | read ceiling G elem/s | × ceiling | binds |")
        print("|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|")
        for r in rows:
            if r.get("model", "zen5") != model:
                continue
            c = r.get("classes", {})
            mix = " · ".join(str(c.get(k, 0)) for k in labels)
            bound = r.get("pipe_bound_gelems")
            print(f"| {r['kernel']} | {r['dtype']} | {r['bits']} | {r.get('instructions_per_element', '–')} | "
                  f"{r.get('vector_slots_per_element', '–')} | {mix if bound else '–'} | {bound or '–'} | "
                  f"{r['cached_gelems']:.2f} | {r['cached_gelems'] / bound:.2f} | {r['streamed_gelems']:.2f} | "
                  f"{r['ceiling_gelems']:.2f} | {r['streamed_gelems'] / r['ceiling_gelems']:.2f} | {binding(r)} |"
                  if bound else
                  f"| {r['kernel']} | {r['dtype']} | {r['bits']} | – | – | – | – | "
                  f"{r['cached_gelems']:.2f} | – | {r['streamed_gelems']:.2f} | {r['ceiling_gelems']:.2f} | "
                  f"{r['streamed_gelems'] / r['ceiling_gelems']:.2f} | {binding(r)} |")
        print()


def pipes_and_model(pipes_path, only):
    """The clock and the pipe model: model= if given, else the one for the CPU on pipes.c's clock line, else Zen 5's."""
    pipes = [json.loads(l) for l in open(pipes_path, encoding="utf-8") if l.startswith("{")]
    clock = next(p for p in pipes if p["measure"] == "clock")
    model = only.pop("model", None) or model_for_cpu(clock.get("cpu_family"), clock.get("cpu_model"))
    if model is None:
        cpu = (f"CPU family {clock['cpu_family']} model {clock['cpu_model']}" if "cpu_family" in clock
               else "the core (PIPES_JSONL's clock line names none)")
        print(f"loop_limits: no pipe model measured for {cpu}; using Zen 5's (model=zen3, zen5 or spr picks one)",
              file=sys.stderr)
        model = "zen5"
    if model not in MODELS:
        sys.exit(f"loop_limits: model={model}: one of {', '.join(MODELS)}")
    return clock["ghz"], model


def main():
    if sys.argv[1] == "--table":
        table(sys.argv[2])
        return
    if sys.argv[1] == "--listing":
        listing_path, pipes_path = sys.argv[2], sys.argv[3]
        only = dict(a.split("=", 1) for a in sys.argv[4:])
        ghz, model = pipes_and_model(pipes_path, only)
        kernel, dtype, width = only["kernel"], only["dtype"], int(only["bits"])
        chunk = listing(listing_path, kernel, dtype, width)
        ops = hot_path(chunk) if chunk else None
        row = {"kernel": kernel, "dtype": dtype, "bits": width, "ghz": ghz, "model": model,
               **loop_row(ops, kernel, dtype, width, model, ghz)}
        if ops:
            row["path"] = [f"{classify(op, args, model)}: {op} {args}".rstrip() for op, args in ops]
        print(json.dumps(row, indent=1))
        return
    dll, pipes_path = sys.argv[1], sys.argv[2]
    # Optional filters, e.g. bits=128 kernel=compare: run only the matching combinations.
    only = dict(a.split("=", 1) for a in sys.argv[3:])
    ghz, model = pipes_and_model(pipes_path, only)
    for (width, switches), kernel, dtype in itertools.product(WIDTHS, KERNELS, DTYPES):
        if any(str({"bits": width, "kernel": kernel, "dtype": dtype}[k]) != v for k, v in only.items()):
            continue
        with tempfile.NamedTemporaryFile(suffix=".asm", delete=False) as f:
            path = f.name
        # The listing comes from a run of its own with tiered compilation off: one fully optimised compile, laid out
        # without a profile. A Tier1 compile orders its blocks by the profile of its first calls, and the steady path
        # found in it can leave out the group's loads and tests and take in the fold that runs every 32 groups.
        in_cache = ["--kernel", kernel, "--dtype", dtype, "--threads", "1", "--rows", "8", "--vocab", "32768"]
        quick(dll, dict(os.environ, **switches, DOTNET_TieredCompilation="0",
                        DOTNET_JitDisasm="RunGroups RunGroupPairs RunVectors", DOTNET_JitStdOutFile=path),
              [*in_cache, "--seconds", "0.2"])
        env = dict(os.environ, **switches)
        cached = quick(dll, env, [*in_cache, "--seconds", "1"])
        streamed = quick(dll, env, ["--kernel", kernel, "--dtype", dtype, "--threads", "1", "--seconds", "1.5",
                                    "--buffer-mib", "640", "--vocab", "128256"])
        chunk = listing(path, kernel, dtype, width)
        os.unlink(path)
        row = {"kernel": kernel, "dtype": dtype, "bits": width, "simd_bits": cached["simd_bits"], "ghz": ghz,
               "model": model, **loop_row(hot_path(chunk) if chunk else None, kernel, dtype, width, model, ghz)}
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
