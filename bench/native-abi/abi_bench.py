#!/usr/bin/env python3
"""The Python binding's throughput: lossengine.cross_entropy (reduction none) or lossengine.statistics over the shapes,
distribution and targets of the .NET quick mode, as one JSON line (bench/native-abi/compare.sh runs both alternately).

    python3 bench/native-abi/abi_bench.py [--kernel cross_entropy|statistics] [--threads N] [--vocab V] [--buffer-mib M]
                                          [--seconds S] [--huge-pages] [--offset-bytes B]
The logits start on a 64-byte boundary, as the quick mode's and abi_bench.c's do, or B bytes past one (--offset-bytes 16
is where numpy puts a large array of its own).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
import lossengine  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernel", default="cross_entropy", choices=["cross_entropy", "statistics"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--vocab", type=int, default=128256)
    parser.add_argument("--buffer-mib", type=int, default=1024)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--huge-pages", action="store_true",
                        help="leave numpy's madvise(MADV_HUGEPAGE) on; by default the logits sit in 4 KiB pages, as the "
                             ".NET quick mode's buffers do where transparent huge pages are 'madvise'")
    parser.add_argument("--offset-bytes", type=int, default=0, choices=range(64), metavar="0..63")
    args = parser.parse_args()
    np.core.multiarray._set_madvise_hugepage(args.huge_pages)

    rows_per_block = (128 << 20) // (args.vocab * 4)
    rows = rows_per_block * max(1, (args.buffer_mib << 20) // (rows_per_block * args.vocab * 4))
    rng = np.random.default_rng(1234)
    nbytes = rows * args.vocab * 4
    allocation = lossengine.aligned_empty(nbytes + 64, np.uint8)
    logits = allocation[args.offset_bytes:args.offset_bytes + nbytes].view(np.float32).reshape(rows, args.vocab)
    logits[...] = 0
    for _ in range(4):
        logits += rng.random((rows, args.vocab), dtype=np.float32)
    logits -= 2.0
    logits *= 5.196
    targets = (np.arange(rows, dtype=np.int64) * 7919) % args.vocab

    if args.kernel == "cross_entropy":
        def run(x, t):
            return lossengine.cross_entropy(x, t, reduction="none", threads=args.threads)
    else:
        def run(x, t):
            return lossengine.statistics(x, t, threads=args.threads)

    run(logits[:4], targets[:4])
    passes = []
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds or len(passes) < 3:
        t = time.perf_counter()
        run(logits, targets)
        passes.append(logits.nbytes / (time.perf_counter() - t))
    passes.sort()
    print(json.dumps({"front": "python", "kernel": args.kernel, "dtype": "f32", "vocab": args.vocab, "rows": rows,
                      "threads": args.threads, "gbps": round(passes[len(passes) // 2] / 1e9, 3),
                      "simd_bits": lossengine.vector_bits(), "level": os.environ.get("LOSSENGINE_ISA") or "default",
                      "huge_pages": args.huge_pages,
                      "offset_bytes": logits.ctypes.data % 64}),
          flush=True)


if __name__ == "__main__":
    main()
