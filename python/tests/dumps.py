"""Seeded safetensors eval dumps written with numpy alone, for the distributed tests and benchmark."""

import json
import struct

import numpy as np

_DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64", np.dtype(np.int32): "I32"}


def write_dump(path, logits, labels, task_ids, example_ids, task_names):
    """Writes a dump as the library reads it: logits [N, V] F32, labels I64, task_ids I32, example_ids I64."""
    tensors = {"logits": np.ascontiguousarray(logits, dtype=np.float32),
               "labels": np.ascontiguousarray(labels, dtype=np.int64),
               "task_ids": np.ascontiguousarray(task_ids, dtype=np.int32),
               "example_ids": np.ascontiguousarray(example_ids, dtype=np.int64)}
    header, offset = {}, 0
    for name, array in tensors.items():
        header[name] = {"dtype": _DTYPES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    header["__metadata__"] = {"task_names": json.dumps(list(task_names))}
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)   # the data starts 8-byte aligned
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(text)))
        file.write(text)
        for array in tensors.values():
            file.write(array.data)


def read_dump(path) -> dict:
    """The tensors of a dump written by write_dump, as arrays."""
    with open(path, "rb") as file:
        data = file.read()
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + length])
    start = 8 + length
    names = {code: dtype for dtype, code in _DTYPES.items()}
    return {name: np.frombuffer(data[start + entry["data_offsets"][0]:start + entry["data_offsets"][1]],
                                dtype=names[entry["dtype"]]).reshape(entry["shape"])
            for name, entry in header.items() if name != "__metadata__"}


def random_shard(rng, rows: int, vocab: int, task_count: int) -> dict:
    """Examples of 1–11 tokens (ids from 0, each with one task), about 5% ignored labels."""
    lengths = rng.integers(1, 12, rows)
    example_ids = np.repeat(np.arange(rows), lengths)[:rows]
    labels = rng.integers(0, vocab, rows)
    labels[rng.random(rows) < 0.05] = -100
    return {"logits": (rng.standard_normal((rows, vocab), dtype=np.float32) * 2),
            "labels": labels,
            "task_ids": rng.integers(0, task_count, example_ids[-1] + 1)[example_ids],
            "example_ids": example_ids}


def concatenate(paths, path, task_names):
    """One dump holding the rows of several, in order (example ids as they are: this is for comparisons)."""
    dumps = [read_dump(p) for p in paths]
    write_dump(path, *(np.concatenate([d[name] for d in dumps])
                       for name in ("logits", "labels", "task_ids", "example_ids")), task_names)
