"""Throughput of lossengine.distributed: N shards scored on a local Dask cluster of two one-thread workers, against
one process scoring the same files with two threads (the same core count), and with one thread (the per-core rate);
then the fixed cost of a call, over as many shards of one row each.

    /usr/bin/python3 bench/distributed/bench_distributed.py [--shards 8] [--mib 256] [--repeats 5] [--out FILE.md]

Writes the shards (f32 logits, V = 128256; one random block of logits shared by all shards, with labels of their
own: the kernels' speed does not depend on the values) to --folder, checks the free space first, and deletes them
at the end unless --keep. Every measurement is one whole call, from the list of paths to the report dict; the
modes alternate, and the first call of each mode is a warm-up (worker imports, library load). Needs Debian's
python3-numpy, python3-dask and python3-distributed, and liblossengine.so (as the binding finds it).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "python" / "tests"))
import lossengine  # noqa: E402
import lossengine.distributed as cluster_scoring  # noqa: E402
from dumps import random_shard, write_dump  # noqa: E402

TASKS = ["grammar", "arithmetic", "translation"]


def write_shards(folder: Path, shards: int, mib: int, vocab: int, name: str = "bench-shard") -> list[str]:
    rows = max(1, mib * 2**20 // (vocab * 4))
    needed = shards * rows * vocab * 4
    free = shutil.disk_usage(folder).free
    if free < 2 * needed:
        sys.exit(f"{folder}: {free / 2**30:.1f} GiB free, {2 * needed / 2**30:.1f} GiB wanted (twice the shards)")
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((rows, vocab), dtype=np.float32) * np.float32(2)
    paths = []
    for index in range(shards):
        shard = random_shard(rng, rows, 16, len(TASKS))   # labels, tasks and examples only; vocab 16 keeps it cheap
        shard["labels"] = rng.integers(0, vocab, rows)
        path = folder / f"{name}-{index}.safetensors"
        write_dump(path, task_names=TASKS, **{**shard, "logits": logits})
        paths.append(str(path))
    return paths


def machine() -> str:
    fields = {}
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{fields.get('Model name', '?')}, CPU family {fields.get('CPU family', '?')} model "
            f"{fields.get('Model', '?')}, {fields.get('CPU(s)', '?')} CPUs, {memory:.0f} GiB; Linux "
            f"{platform.release()}; Python {platform.python_version()}, numpy {np.__version__}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--mib", type=int, default=256, help="MiB of logits per shard")
    parser.add_argument("--vocab", type=int, default=128256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--folder", default=tempfile.gettempdir())
    parser.add_argument("--keep", action="store_true", help="keep the shards")
    parser.add_argument("--out", help="write the results as Markdown to this file")
    args = parser.parse_args()

    import dask
    import distributed

    folder = Path(args.folder) / "lossengine-bench-distributed"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"writing {args.shards} shards of {args.mib} MiB to {folder}", file=sys.stderr)
    paths = write_shards(folder, args.shards, args.mib, args.vocab)
    total = sum(os.path.getsize(p) for p in paths)
    tiny = write_shards(folder, args.shards, 0, args.vocab, "one-row-shard")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster)
    modes = {
        "one process, 2 threads": lambda: cluster_scoring.score(paths, threads_per_task=2),
        "local cluster, 2 workers × 1 thread": lambda: cluster_scoring.score(paths, client, threads_per_task=1),
        "one process, 1 thread": lambda: cluster_scoring.score(paths, threads_per_task=1),
        "fixed cost: one process, one-row shards": lambda: cluster_scoring.score(tiny, threads_per_task=2),
        "fixed cost: local cluster, one-row shards": lambda: cluster_scoring.score(tiny, client, threads_per_task=1),
    }
    seconds = {mode: [] for mode in modes}
    load_before = os.getloadavg()[0]
    reports = {}
    try:
        for repeat in range(args.repeats + 1):
            for mode, run in modes.items():
                start = time.perf_counter()
                reports[mode] = run()
                elapsed = time.perf_counter() - start
                if repeat:
                    seconds[mode].append(elapsed)
                print(f"{mode}: {elapsed:.3f} s{'' if repeat else ' (warm-up)'}", file=sys.stderr)
    finally:
        client.close()
        cluster.close()
        if not args.keep:
            shutil.rmtree(folder)
    load_after = os.getloadavg()[0]
    for kind in (False, True):
        numbers = [{k: v for k, v in r.items() if k not in ("inputs", "state")}
                   for mode, r in reports.items() if mode.startswith("fixed cost") == kind]
        if any(n != numbers[0] for n in numbers):
            sys.exit("the modes' reports differ")

    single = total / statistics.median(seconds["one process, 2 threads"])
    rows = []
    fixed = []
    for mode, times in seconds.items():
        if mode.startswith("fixed cost"):
            fixed.append(f"| {mode.removeprefix('fixed cost: ')} | {statistics.median(times):.3f} | "
                         f"{min(times):.3f}–{max(times):.3f} |")
            continue
        rate = total / statistics.median(times)
        rows.append(f"| {mode} | {statistics.median(times):.3f} | {min(times):.3f}–{max(times):.3f} | "
                    f"{rate / 1e9:.2f} | {rate / single:.2f} |")
    text = "\n".join([
        f"# lossengine.distributed on a local Dask cluster, {datetime.date.today().isoformat()}",
        "",
        f"Machine: {machine()}; dask {dask.__version__}, distributed {distributed.__version__}; liblossengine.so "
        f"{lossengine.version()} at {lossengine.vector_bits()}-bit vectors.",
        "",
        f"Command: `/usr/bin/python3 bench/distributed/bench_distributed.py --shards {args.shards} --mib {args.mib} "
        f"--repeats {args.repeats}`. {args.shards} shards, {total:,} bytes of f32 logits in all (V = {args.vocab}), "
        "in the page cache (written by the benchmark). Each time is one whole call from the list of paths to the "
        f"report dict; medians of {args.repeats} alternating runs after a warm-up. All modes' reports are equal. "
        f"Load average (1 min) {load_before:.1f} before the runs, {load_after:.1f} after.",
        "",
        "| mode | median s | range s | GB/s | × one process, 2 threads |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
        f"The fixed cost of a call: the same modes over {args.shards} shards of one row each.",
        "",
        "| mode | median s | range s |",
        "|---|---:|---:|",
        *fixed,
        "",
    ])
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
