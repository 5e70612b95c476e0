"""Scoring and comparing sharded dumps on a Dask cluster, with the report `lossengine score` (or `compare`) gives.

Each shard (a dump file, or a group of files scored together) is one task: a worker scores it through the C ABI into
an aggregator state, a JSON string. The states are then joined in shard order by further tasks on the cluster, in a
tree of (left, right) appends, ((s0 + s1) + (s2 + s3)) + ..., which keeps the order. Every sum in the state is exact,
so the joined report equals one pass over all files in that order, to the last bit; the client only parses the final
JSON.

Workers import this package like any other: it must be importable where `dask worker` runs, and it finds
liblossengine.so next to its own __init__.py or through $LOSSENGINE_LIBRARY (see the README, "More than one machine").
Without a client everything runs in this process and Dask is not needed.

A worker that dies while scoring loses only its task: the scheduler runs it again elsewhere (up to Dask's
`distributed.scheduler.allowed-failures`, 3 by default), and the result is the same. A bad shard raises
LossEngineError (status 6, naming the file) from the whole call, and nothing is returned.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping, Sequence

import lossengine

__all__ = ["score", "compare"]


def score(paths, client=None, *, threads_per_task: int | None = None, ignore_index: int = -100,
          temperature: float = 1.0, shift: bool = False, top_k: int = 5, worst_examples: int = 10, task_names=None,
          placement: Mapping[str, str | Sequence[str]] | None = None, retries: int = 0) -> dict:
    """Score shards of one dataset, in order: the report of `lossengine score` over all their files (a dict).

    paths: the shards in order; each is a file path or a list of paths scored together as one task.
    client: a distributed.Client; None scores in this process (one call to lossengine.score_files, every core).
    threads_per_task: the library's threads per shard task (0 = all cores); default 1 on a cluster (one task per
        worker thread, so start workers with `--nthreads` = their cores), all cores without a client.
    placement: for files that only some workers can read (local disks), a map from a shard's first path to the
        worker host or address, or a list of them, that must score it; shards not in the map run anywhere.
    retries: Dask retries after an exception in a task (a worker that dies is handled by the scheduler instead).
        A bad file fails the same way again, so the default is 0.

    The result has the report's sections and the mergeable "state", as `score --json` writes them; "inputs" lists
    every file in order. Save it with json.dump and join reports from separate clusters with `lossengine merge`.
    From a cluster, the state's text can differ from one pass's (each shard's state keeps its first example open, in
    case the shard before ended inside it); what it reports, alone or merged, is the same.
    Raises LossEngineError (status 6 for a bad file, naming it) when any shard fails.
    """
    shards = _shards(paths, "paths")
    options = dict(ignore_index=ignore_index, temperature=temperature, shift=shift, top_k=top_k,
                   worst_examples=worst_examples, task_names=None if task_names is None else list(task_names))
    files = [path for shard in shards for path in shard]
    if client is None:
        text = lossengine.score_files(files, threads=_threads(threads_per_task, 0), **options).to_json()
    else:
        options["threads"] = _threads(threads_per_task, 1)
        tasks = [((shard, options), shard[0]) for shard in shards]
        text = _run_in_order(client, "score", tasks, _score_shard, _append_scores, placement, retries)
    return _with_inputs(text, files)


def compare(reference_paths, candidate_paths, client=None, *, threads_per_task: int | None = None,
            ignore_index: int = -100, temperature: float = 1.0, shift: bool = False, task_names=None,
            placement: Mapping[str, str | Sequence[str]] | None = None, retries: int = 0) -> dict:
    """Compare a candidate model's shards with a reference model's, pair by pair: `lossengine compare`'s report.

    The two lists have the same shape (a path or a group of paths per shard, paired in order); the result equals
    `lossengine compare` over one file holding all the reference shards' rows and one holding the candidate's.
    placement is keyed by the reference shard's first path. Other arguments as in score.
    """
    references = _shards(reference_paths, "reference_paths")
    candidates = _shards(candidate_paths, "candidate_paths")
    if [len(s) for s in references] != [len(s) for s in candidates]:
        raise ValueError(f"the reference shards ({[len(s) for s in references]} files) and the candidate shards "
                         f"({[len(s) for s in candidates]} files) do not pair up")
    options = dict(ignore_index=ignore_index, temperature=temperature, shift=shift,
                   task_names=None if task_names is None else list(task_names))
    reference_files = [path for shard in references for path in shard]
    candidate_files = [path for shard in candidates for path in shard]
    if client is None:
        text = lossengine.compare_files(reference_files, candidate_files, threads=_threads(threads_per_task, 0),
                                        **options).to_json()
    else:
        options["threads"] = _threads(threads_per_task, 1)
        tasks = [((reference, candidate, options), reference[0])
                 for reference, candidate in zip(references, candidates)]
        text = _run_in_order(client, "compare", tasks, _compare_shard, _append_comparisons, placement, retries)
    return _with_inputs(text, {"reference": reference_files, "candidate": candidate_files})


def _threads(threads_per_task: int | None, default: int) -> int:
    return default if threads_per_task is None else threads_per_task


def _shards(paths, name: str) -> list[list[str]]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    shards = []
    for item in paths:
        group = [item] if isinstance(item, (str, os.PathLike)) else list(item)
        if not group:
            raise ValueError(f"{name}: shard {len(shards)} has no file")
        shards.append([os.fspath(path) for path in group])
    if not shards:
        raise ValueError(f"{name}: at least one shard is needed")
    return shards


def _with_inputs(text: str, inputs) -> dict:
    """The library's JSON with "inputs" filled in, where `lossengine score --json` puts it (second)."""
    report = json.loads(text)
    return {"schema": report.pop("schema"), "inputs": inputs, **{k: v for k, v in report.items() if k != "inputs"}}


def _run_in_order(client, kind: str, tasks, leaf, append, placement, retries: int) -> str:
    """Runs leaf(*args) per shard on the cluster, joins the results in order there, and returns the last one."""
    final, submitted = _submit_tree(client, f"lossengine-{kind}-{uuid.uuid4().hex[:8]}", tasks, leaf, append,
                                    placement, retries)
    try:
        return final.result()
    except BaseException:
        # No partial report: the shards still to run are called off.
        client.cancel([future for future in submitted if future.status == "pending"])
        raise
    finally:
        # Let go of every state (an exception's traceback keeps this frame, and so these names, alive).
        final = None
        submitted.clear()


def _submit_tree(client, tag: str, tasks, leaf, append, placement, retries: int):
    submitted = []
    for index, (args, first_path) in enumerate(tasks):
        home = None if placement is None else placement.get(first_path)
        submitted.append(client.submit(leaf, *args, key=f"{tag}-shard-{index}", retries=retries,
                                       workers=[home] if isinstance(home, str) else home, allow_other_workers=False))
    level, depth = list(submitted), 0
    while len(level) > 1:
        depth += 1
        # Left with right, pair by pair; an odd last one moves up to the next level, so the order is kept.
        joined = [client.submit(append, level[i], level[i + 1], key=f"{tag}-append-{depth}-{i // 2}")
                  for i in range(0, len(level) - 1, 2)]
        submitted.extend(joined)
        level = joined + level[len(joined) * 2:]
    return level[0], submitted


def _score_shard(paths, options) -> str:
    aggregator = lossengine.score_files(paths, **options)
    try:
        return aggregator.to_json()
    finally:
        aggregator.close()


def _compare_shard(references, candidates, options) -> str:
    comparison = lossengine.compare_files(references, candidates, **options)
    try:
        return comparison.to_json()
    finally:
        comparison.close()


def _append_scores(head: str, tail: str) -> str:
    return _append(lossengine.Aggregator, head, tail)


def _append_comparisons(head: str, tail: str) -> str:
    return _append(lossengine.Comparison, head, tail)


def _append(state_type, head: str, tail: str) -> str:
    first, following = state_type.from_json(head), state_type.from_json(tail)
    try:
        first.append(following)
        return first.to_json()
    finally:
        first.close()
        following.close()
