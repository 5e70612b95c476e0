#!/usr/bin/env python3
"""The PyTorch peer: F.cross_entropy(reduction='none') and a log-sum-exp over the same shapes and seeded data as the
LossEngine quick mode (rows from 1 GiB of logits, drawn from the same distribution), printing the same JSON lines plus torch's version.

    python3 bench/peers/torch_cross_entropy.py [--threads N] [--vocab V] [--dtype f32|bf16|f16] [--buffer-mib M]
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def seeded_logits(rows, vocab, seed=1234):
    """Seeded logits with the quick mode's distribution: four uniforms summed, centred, scaled to standard deviation 3.
    (numpy's generator, so the values are not bit-identical to the C# xorshift stream; the shapes and the distribution
    are the same, which is what throughput and error depend on.)"""
    rng = np.random.default_rng(seed)
    out = np.zeros((rows, vocab), dtype=np.float32)
    for _ in range(4):
        out += rng.random((rows, vocab), dtype=np.float32)
    out -= 2.0
    out *= 5.196
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--vocab", type=int, default=128256)
    parser.add_argument("--dtype", default="f32", choices=["f32", "bf16", "f16"])
    parser.add_argument("--buffer-mib", type=int, default=1024)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    element = 4 if args.dtype == "f32" else 2
    rows_per_buffer = max(1, (128 << 20) // (args.vocab * element))
    buffers = max(1, (args.buffer_mib << 20) // (rows_per_buffer * args.vocab * element))
    rows = rows_per_buffer * buffers
    dtype = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}[args.dtype]
    logits = torch.from_numpy(seeded_logits(rows, args.vocab)).to(dtype)
    targets = torch.tensor([(r * 7919) % args.vocab for r in range(rows)], dtype=torch.int64)
    total_bytes = rows * args.vocab * element

    def measure(fn):
        fn(logits[:4])
        passes = []
        start = time.perf_counter()
        while time.perf_counter() - start < args.seconds or len(passes) < 3:
            t = time.perf_counter()
            fn(logits)
            passes.append(total_bytes / (time.perf_counter() - t))
        passes.sort()
        return passes[len(passes) // 2]

    # Max error against float64 on a sample of rows, as quick mode reports it.
    sample = [int(i * rows / 24) for i in range(min(rows, 24))]
    reference = torch.logsumexp(logits[sample].double(), dim=1)
    with torch.no_grad():
        for name, fn, value in (
            ("torch_cross_entropy", lambda x: F.cross_entropy(x, targets[: x.shape[0]], reduction="none"),
             lambda: F.cross_entropy(logits[sample], targets[sample], reduction="none").double() + logits[sample].double().gather(1, targets[sample][:, None])[:, 0]),
            ("torch_logsumexp", lambda x: torch.logsumexp(x, dim=1),
             lambda: torch.logsumexp(logits[sample], dim=1).double()),
        ):
            try:
                rate = measure(fn)
            except RuntimeError as e:
                # Some builds have no CPU kernel for a dtype (Debian's torch 1.13: log_softmax over float16). Say so
                # and go on, so that the table still has LossEngine's rows and the peer's other kernels.
                print(f"torch_cross_entropy.py: {name} over {args.dtype} does not run in torch {torch.__version__}: {e}",
                      file=sys.stderr, flush=True)
                continue
            error = float((value() - reference).abs().max())
            print(json.dumps({"kernel": name, "dtype": args.dtype, "vocab": args.vocab, "rows": rows, "threads": args.threads,
                              "gbps": round(rate / 1e9, 3), "gelems": round(rate / element / 1e9, 3),
                              "max_abs_error": float(f"{error:.2e}"), "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
