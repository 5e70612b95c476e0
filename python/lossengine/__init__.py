"""LossEngine for Python: ctypes bindings to liblossengine.so (the NativeAOT build of the .NET library).

Zero-copy on numpy arrays: float32, float16, and bfloat16 stored as uint16 (pass dtype="bf16"). Nothing to compile.
The library is found through $LOSSENGINE_LIBRARY, next to this package, or in the repository's artifacts/native. On
linux-x64 that file is a loader, and its builds for each x86-64 level (liblossengine-x86-64*.so) go in the same folder.
"""

from __future__ import annotations

import ctypes
import json
import os
from pathlib import Path

import numpy as np

__all__ = [
    "LossEngineError", "version", "vector_bits", "logsumexp", "softmax", "log_softmax", "cross_entropy",
    "statistics", "compare", "Aggregator", "Comparison", "score_files", "compare_files", "TOKEN_STATISTICS",
    "COMPARISON_STATISTICS", "aligned_empty",
]

F32, F16, BF16 = 0, 1, 2
_REDUCTIONS = {"none": 0, "sum": 1, "mean": 2}

TOKEN_STATISTICS = np.dtype([
    ("loss", "<f4"), ("logsumexp", "<f4"), ("max_logit", "<f4"), ("target_logit", "<f4"), ("entropy", "<f4"),
    ("target_probability", "<f4"), ("argmax", "<i4"), ("target_rank", "<i4"),
])
COMPARISON_STATISTICS = np.dtype([
    ("kl_divergence", "<f4"), ("reference_loss", "<f4"), ("candidate_loss", "<f4"),
    ("reference_target_probability", "<f4"), ("candidate_target_probability", "<f4"),
    ("reference_argmax", "<i4"), ("candidate_argmax", "<i4"),
])


class LossEngineError(RuntimeError):
    """A failed call: the status code and the library's message (naming the row, value or argument)."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{message} (status {status})")
        self.status = status
        self.message = message

    def __reduce__(self):
        # Pickled with both fields, so the error a Dask worker raises reaches the client whole.
        return type(self), (self.status, self.message)


class _ScoringOptions(ctypes.Structure):
    _fields_ = [("ignore_index", ctypes.c_int64), ("temperature", ctypes.c_float), ("threads", ctypes.c_int32)]


class _CrossEntropyOptions(ctypes.Structure):
    _fields_ = [("ignore_index", ctypes.c_int64), ("temperature", ctypes.c_float), ("threads", ctypes.c_int32),
                ("label_smoothing", ctypes.c_float), ("z_loss", ctypes.c_float), ("reduction", ctypes.c_int32)]


class _FileOptions(ctypes.Structure):
    _fields_ = [("ignore_index", ctypes.c_int64), ("temperature", ctypes.c_float), ("threads", ctypes.c_int32),
                ("shift", ctypes.c_int32), ("top_k", ctypes.c_int32), ("worst_examples", ctypes.c_int32),
                ("task_count", ctypes.c_int32), ("task_names", ctypes.POINTER(ctypes.c_char_p))]


def _find_library() -> str:
    candidates = [os.environ.get("LOSSENGINE_LIBRARY"),
                  str(Path(__file__).with_name("liblossengine.so")),
                  str(Path(__file__).resolve().parents[2] / "artifacts" / "native" / "liblossengine.so")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise OSError("liblossengine.so not found: build it with `dotnet publish src/LossEngine.Native -c Release "
                  "-r linux-x64 -o artifacts/native` or set LOSSENGINE_LIBRARY")


_lib = ctypes.CDLL(_find_library())
_p = ctypes.c_void_p
_i64, _i32, _f32p = ctypes.c_int64, ctypes.c_int32, ctypes.POINTER(ctypes.c_float)
for name, args in {
    "lossengine_logsumexp": [_p, _i64, _i32, _f32p],
    "lossengine_softmax": [_p, _i64, _i32, _p],
    "lossengine_log_softmax": [_p, _i64, _i32, _p],
    "lossengine_cross_entropy": [_p, _i64, _i64, _i64, _i32, _p, ctypes.POINTER(_CrossEntropyOptions), _p, ctypes.POINTER(ctypes.c_double)],
    "lossengine_statistics": [_p, _i64, _i64, _i64, _i32, _p, ctypes.POINTER(_ScoringOptions), _p],
    "lossengine_compare": [_p, _p, _i64, _i64, _i64, _i32, _p, ctypes.POINTER(_ScoringOptions), _p],
    "lossengine_aggregator_create": [ctypes.POINTER(ctypes.c_char_p), _i32, _i32, _i32, ctypes.POINTER(_p)],
    "lossengine_aggregator_add": [_p, _p, _p, _p, _p, _p, _i64],
    "lossengine_aggregator_merge": [_p, _p],
    "lossengine_aggregator_append": [_p, _p],
    "lossengine_aggregator_to_json": [_p, ctypes.POINTER(_p)],
    "lossengine_aggregator_from_json": [ctypes.c_char_p, ctypes.POINTER(_p)],
    "lossengine_score_files": [ctypes.POINTER(ctypes.c_char_p), _i32, ctypes.POINTER(_FileOptions), ctypes.POINTER(_p)],
    "lossengine_compare_files": [ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p), _i32,
                                 ctypes.POINTER(_FileOptions), ctypes.POINTER(_p)],
    "lossengine_comparison_merge": [_p, _p],
    "lossengine_comparison_append": [_p, _p],
    "lossengine_comparison_to_json": [_p, ctypes.POINTER(_p)],
    "lossengine_comparison_from_json": [ctypes.c_char_p, ctypes.POINTER(_p)],
}.items():
    getattr(_lib, name).argtypes = args
    getattr(_lib, name).restype = ctypes.c_int32
_lib.lossengine_version.restype = ctypes.c_char_p
_lib.lossengine_last_error.restype = ctypes.c_char_p
_lib.lossengine_vector_bits.restype = ctypes.c_int32
_lib.lossengine_free_string.argtypes = [_p]
_lib.lossengine_aggregator_free.argtypes = [_p]
_lib.lossengine_aggregator_free.restype = ctypes.c_int32
_lib.lossengine_comparison_free.argtypes = [_p]
_lib.lossengine_comparison_free.restype = ctypes.c_int32
_lib.lossengine_struct_sizes.argtypes = [ctypes.POINTER(ctypes.c_int64)]
if _lib.lossengine_version() is None:  # the linux-x64 loader found no build it could open (a file beside it, or the CPU)
    raise OSError(_lib.lossengine_last_error().decode("utf-8"))

_sizes = (ctypes.c_int64 * 5)()
_lib.lossengine_struct_sizes(_sizes)
if list(_sizes) != [TOKEN_STATISTICS.itemsize, COMPARISON_STATISTICS.itemsize, ctypes.sizeof(_ScoringOptions),
                    ctypes.sizeof(_CrossEntropyOptions), ctypes.sizeof(_FileOptions)]:
    raise OSError(f"liblossengine.so struct sizes {list(_sizes)} do not match this binding")


def _check(status: int) -> None:
    if status != 0:
        message = _lib.lossengine_last_error()
        raise LossEngineError(status, message.decode("utf-8") if message else "unknown error")


def version() -> str:
    """The library version."""
    return _lib.lossengine_version().decode()


def vector_bits() -> int:
    """The widest SIMD width in use: 512, 256, 128, or 0."""
    return _lib.lossengine_vector_bits()


def _dtype_code(array: np.ndarray, dtype: str | None) -> int:
    if dtype in ("bf16", "bfloat16"):
        if array.dtype != np.uint16:
            raise TypeError(f"dtype='bf16' needs the bits as a uint16 array, not {array.dtype}")
        return BF16
    if dtype is not None:
        raise ValueError(f"dtype={dtype!r}: only 'bf16' can be given (float32 and float16 are read from the array)")
    if array.dtype == np.float32:
        return F32
    if array.dtype == np.float16:
        return F16
    if array.dtype == np.uint16:
        raise TypeError("uint16 logits are ambiguous: pass dtype='bf16' for bfloat16 bits")
    raise TypeError(f"logits must be float32, float16, or bfloat16 as uint16 (dtype='bf16'), not {array.dtype}")


def _row(row: np.ndarray, dtype: str | None) -> tuple[np.ndarray, int]:
    if not isinstance(row, np.ndarray) or row.ndim != 1:
        raise ValueError("a row must be a 1-D numpy array")
    if not row.flags.c_contiguous:
        raise ValueError("the row must be contiguous (np.ascontiguousarray)")
    if row.size == 0:
        raise ValueError("the row is empty")
    return row, _dtype_code(row, dtype)


def _matrix(logits: np.ndarray, dtype: str | None) -> tuple[np.ndarray, int, int, int, int]:
    """[rows, V] (or [B, S, V], flattened when contiguous) with unit stride along V: (array, rows, V, pitch, code)."""
    if not isinstance(logits, np.ndarray) or logits.ndim not in (2, 3):
        raise ValueError("logits must be a [rows, V] or [B, S, V] numpy array")
    if logits.ndim == 3:
        if not logits.flags.c_contiguous:
            raise ValueError("[B, S, V] logits must be contiguous; slice them to a 2-D [rows, V] view instead")
        logits = logits.reshape(-1, logits.shape[-1])
    code = _dtype_code(logits, dtype)
    if logits.strides[1] != logits.itemsize or logits.strides[0] % logits.itemsize or logits.strides[0] < logits.shape[1] * logits.itemsize:
        raise ValueError("each row must be contiguous, with rows at a non-negative stride of at least V elements")
    return logits, logits.shape[0], logits.shape[1], logits.strides[0] // logits.itemsize, code


def _integers(values, name: str, dtype) -> np.ndarray:
    """An integer array, refusing floats (0.9 must not silently become 0) and values the C type cannot hold."""
    array = np.asarray(values)
    if array.size and array.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integers, not {array.dtype}")
    if array.size and array.dtype.kind == "u" and array.max() > np.iinfo(dtype).max:
        raise ValueError(f"{name}: {array.max()} does not fit in {np.dtype(dtype).name}")
    if array.size and np.dtype(dtype).itemsize < array.dtype.itemsize and (array.max() > np.iinfo(dtype).max or array.min() < np.iinfo(dtype).min):
        raise ValueError(f"{name}: values outside the {np.dtype(dtype).name} range")
    return np.ascontiguousarray(array.reshape(-1), dtype=dtype)


def _targets(targets, rows: int) -> np.ndarray:
    targets = _integers(targets, "targets", np.int64)
    if targets.shape[0] != rows:
        raise ValueError(f"{targets.shape[0]} targets for {rows} rows")
    return targets


def aligned_empty(shape, dtype=np.float32, alignment: int = 64) -> np.ndarray:
    """An uninitialised C-ordered array whose data starts on an `alignment`-byte boundary (a power of two).

    numpy starts a large array of its own 16 bytes past a 64-byte cache line, so every 512-bit load of a row straddles
    two lines; full statistics, which are bound by their loads, then ran at about 0.8x the rate of aligned rows on two
    Zen 5 cores (bench/results/native-abi-amd-epyc-zen5-2vcpu.md). Results do not depend on the address.
    """
    if alignment < 1 or alignment & (alignment - 1):
        raise ValueError(f"alignment must be a power of two, not {alignment}")
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    allocation = np.empty(nbytes + alignment, dtype=np.uint8)
    start = (-allocation.ctypes.data) % alignment
    return allocation[start:start + nbytes].view(dtype).reshape(shape)


def logsumexp(row: np.ndarray, dtype: str | None = None) -> float:
    """log sum exp(row), in one pass."""
    row, code = _row(row, dtype)
    result = ctypes.c_float()
    _check(_lib.lossengine_logsumexp(row.ctypes.data, row.size, code, ctypes.byref(result)))
    return result.value


def softmax(row: np.ndarray, dtype: str | None = None) -> np.ndarray:
    """exp(row - LSE) as float32."""
    row, code = _row(row, dtype)
    out = np.empty(row.size, dtype=np.float32)
    _check(_lib.lossengine_softmax(row.ctypes.data, row.size, code, out.ctypes.data))
    return out


def log_softmax(row: np.ndarray, dtype: str | None = None) -> np.ndarray:
    """row - LSE as float32."""
    row, code = _row(row, dtype)
    out = np.empty(row.size, dtype=np.float32)
    _check(_lib.lossengine_log_softmax(row.ctypes.data, row.size, code, out.ctypes.data))
    return out


def cross_entropy(logits: np.ndarray, targets, *, ignore_index: int = -100, label_smoothing: float = 0.0,
                  z_loss: float = 0.0, temperature: float = 1.0, reduction: str = "mean", threads: int = 0,
                  dtype: str | None = None):
    """torch.nn.functional.cross_entropy's semantics (plus z-loss): a float for 'mean'/'sum', float32 array for 'none'."""
    logits, rows, vocab, pitch, code = _matrix(logits, dtype)
    targets = _targets(targets, rows)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {sorted(_REDUCTIONS)}")
    options = _CrossEntropyOptions(ignore_index, temperature, threads, label_smoothing, z_loss, _REDUCTIONS[reduction])
    losses = np.empty(rows, dtype=np.float32)
    reduced = ctypes.c_double()
    _check(_lib.lossengine_cross_entropy(logits.ctypes.data, rows, vocab, pitch, code, targets.ctypes.data,
                                         ctypes.byref(options), losses.ctypes.data, ctypes.byref(reduced)))
    return losses if reduction == "none" else reduced.value


def statistics(logits: np.ndarray, targets, *, ignore_index: int = -100, temperature: float = 1.0, threads: int = 0,
               dtype: str | None = None) -> np.ndarray:
    """Per-token statistics as a structured array (fields of TOKEN_STATISTICS)."""
    logits, rows, vocab, pitch, code = _matrix(logits, dtype)
    targets = _targets(targets, rows)
    out = np.empty(rows, dtype=TOKEN_STATISTICS)
    options = _ScoringOptions(ignore_index, temperature, threads)
    _check(_lib.lossengine_statistics(logits.ctypes.data, rows, vocab, pitch, code, targets.ctypes.data,
                                      ctypes.byref(options), out.ctypes.data))
    return out


def compare(reference: np.ndarray, candidate: np.ndarray, targets, *, ignore_index: int = -100,
            temperature: float = 1.0, threads: int = 0, dtype: str | None = None) -> np.ndarray:
    """KL(p||q) and friends per token, p = softmax(reference), q = softmax(candidate) (fields of COMPARISON_STATISTICS)."""
    reference, rows, vocab, pitch, code = _matrix(reference, dtype)
    candidate, rows_b, vocab_b, pitch_b, code_b = _matrix(candidate, dtype)
    if (rows_b, vocab_b, pitch_b, code_b) != (rows, vocab, pitch, code):
        raise ValueError("reference and candidate must have the same shape, strides and dtype")
    targets = _targets(targets, rows)
    out = np.empty(rows, dtype=COMPARISON_STATISTICS)
    options = _ScoringOptions(ignore_index, temperature, threads)
    _check(_lib.lossengine_compare(reference.ctypes.data, candidate.ctypes.data, rows, vocab, pitch, code,
                                   targets.ctypes.data, ctypes.byref(options), out.ctypes.data))
    return out


class Aggregator:
    """The streaming per-task aggregator: add statistics batches, merge shards, read the report as a dict."""

    def __init__(self, task_names, top_k: int = 5, worst_examples: int = 10, *, _handle=None):
        if _handle is not None:
            self._handle = _handle
            return
        names = (ctypes.c_char_p * len(task_names))(*[n.encode("utf-8") for n in task_names])
        handle = _p()
        _check(_lib.lossengine_aggregator_create(names, len(task_names), top_k, worst_examples, ctypes.byref(handle)))
        self._handle = handle

    def add(self, stats: np.ndarray, task_ids, example_ids, targets=None, byte_lengths=None) -> None:
        """Adds a batch of tokens; byte_lengths (each target token's UTF-8 length) enables bits per byte."""
        if stats.dtype != TOKEN_STATISTICS or not stats.flags.c_contiguous:
            raise TypeError("stats must be a contiguous array from lossengine.statistics")
        n = stats.shape[0]
        task_ids = _integers(task_ids, "task_ids", np.int32)
        example_ids = _integers(example_ids, "example_ids", np.int64)
        if task_ids.shape != (n,) or example_ids.shape != (n,):
            raise ValueError(f"task_ids and example_ids need one entry per token ({n})")
        target_pointer = None
        if targets is not None:
            targets = _integers(targets, "targets", np.int64)
            if targets.shape != (n,):
                raise ValueError(f"targets need one entry per token ({n})")
            target_pointer = targets.ctypes.data
        bytes_pointer = None
        if byte_lengths is not None:
            byte_lengths = _integers(byte_lengths, "byte_lengths", np.int32)
            if byte_lengths.shape != (n,):
                raise ValueError(f"byte_lengths need one entry per token ({n})")
            bytes_pointer = byte_lengths.ctypes.data
        _check(_lib.lossengine_aggregator_add(self._handle, stats.ctypes.data, task_ids.ctypes.data,
                                              example_ids.ctypes.data, target_pointer, bytes_pointer, n))

    def merge(self, other: "Aggregator") -> None:
        """self += other, exactly; for shards that carry global positions and example ids (any order)."""
        _check(_lib.lossengine_aggregator_merge(self._handle, other._handle))

    def append(self, following: "Aggregator") -> None:
        """self, then a shard aggregated on its own: its positions and example ids move past self's (order matters)."""
        _check(_lib.lossengine_aggregator_append(self._handle, following._handle))

    def to_json(self) -> str:
        """The report, schema "lossengine.score/1", with the mergeable state."""
        return _json_string(_lib.lossengine_aggregator_to_json, self._handle)

    def report(self) -> dict:
        return json.loads(self.to_json())

    @classmethod
    def from_json(cls, text: str) -> "Aggregator":
        handle = _p()
        _check(_lib.lossengine_aggregator_from_json(text.encode("utf-8"), ctypes.byref(handle)))
        return cls(None, _handle=handle)

    def close(self) -> None:
        if self._handle:
            _lib.lossengine_aggregator_free(self._handle)
            self._handle = None

    def __del__(self):
        self.close()


def _json_string(write, handle) -> str:
    text = _p()
    _check(write(handle, ctypes.byref(text)))
    try:
        return ctypes.string_at(text.value).decode("utf-8")
    finally:
        _lib.lossengine_free_string(text)


def _paths(paths, name: str):
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise ValueError(f"{name}: at least one file is needed")
    return (ctypes.c_char_p * len(paths))(*[p.encode("utf-8") for p in paths]), len(paths)


def _file_options(ignore_index, temperature, threads, shift, top_k, worst_examples, task_names):
    names = None
    if task_names is not None:
        names = (ctypes.c_char_p * len(task_names))(*[n.encode("utf-8") for n in task_names])
    options = _FileOptions(ignore_index, temperature, threads, 1 if shift else 0, top_k, worst_examples,
                           0 if task_names is None else len(task_names), names)
    return options, names


def score_files(paths, *, ignore_index: int = -100, temperature: float = 1.0, threads: int = 0, shift: bool = False,
                top_k: int = 5, worst_examples: int = 10, task_names=None) -> Aggregator:
    """Score safetensors dump files, in order, as one dataset: the report of `lossengine score` over the same files.

    The files are memory-mapped and read by the library on `threads` threads (0 = all cores). Task names come from the
    dumps' metadata unless given. Raises LossEngineError (status 6 for a bad file, naming the file, tensor and row).
    """
    array, count = _paths(paths, "paths")
    options, _names = _file_options(ignore_index, temperature, threads, shift, top_k, worst_examples, task_names)
    handle = _p()
    _check(_lib.lossengine_score_files(array, count, ctypes.byref(options), ctypes.byref(handle)))
    return Aggregator(None, _handle=handle)


def compare_files(reference_paths, candidate_paths, *, ignore_index: int = -100, temperature: float = 1.0,
                  threads: int = 0, shift: bool = False, task_names=None) -> "Comparison":
    """Compare a candidate model's dumps with a reference model's, pair by pair: `lossengine compare`'s statistics."""
    references, count = _paths(reference_paths, "reference_paths")
    candidates, candidate_count = _paths(candidate_paths, "candidate_paths")
    if candidate_count != count:
        raise ValueError(f"{count} reference files but {candidate_count} candidate files")
    options, _names = _file_options(ignore_index, temperature, threads, shift, 5, 10, task_names)
    handle = _p()
    _check(_lib.lossengine_compare_files(references, candidates, count, ctypes.byref(options), ctypes.byref(handle)))
    return Comparison(handle)


class Comparison:
    """A model comparison (llama.cpp's KL-divergence statistics, overall and per task) that merges exactly."""

    def __init__(self, handle):
        self._handle = handle

    def merge(self, other: "Comparison") -> None:
        """self += other, exactly (any order gives the same numbers to the last bit)."""
        _check(_lib.lossengine_comparison_merge(self._handle, other._handle))

    def append(self, following: "Comparison") -> None:
        """The next shard, in order; the same as merge (comparison statistics have no positions)."""
        _check(_lib.lossengine_comparison_append(self._handle, following._handle))

    def to_json(self) -> str:
        """The report, schema "lossengine.compare/1", with the mergeable state."""
        return _json_string(_lib.lossengine_comparison_to_json, self._handle)

    def report(self) -> dict:
        return json.loads(self.to_json())

    @classmethod
    def from_json(cls, text: str) -> "Comparison":
        handle = _p()
        _check(_lib.lossengine_comparison_from_json(text.encode("utf-8"), ctypes.byref(handle)))
        return cls(handle)

    def close(self) -> None:
        if self._handle:
            _lib.lossengine_comparison_free(self._handle)
            self._handle = None

    def __del__(self):
        self.close()
