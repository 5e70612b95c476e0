"""Tests of lossengine.distributed: on a local Dask cluster of two worker processes its reports equal the CLI's over the
same files, number for number, also when a worker dies mid-shard; a bad shard fails the whole call.

eng/test-distributed.sh sets LOSSENGINE_CLI (the CLI command) and LOSSENGINE_CLI_WIDTH (the runtime switch that runs
it at the shared library's vector width, so both take the same kernel path); without them these tests are skipped.
"""

import json
import logging
import os
import random
import shlex
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import lossengine  # noqa: E402
import lossengine.distributed as cluster_scoring  # noqa: E402
from dumps import concatenate, random_shard, write_dump  # noqa: E402

try:
    import distributed
except ImportError:
    distributed = None

TASKS = ["grammar", "arithmetic", "translation"]
# Nine shards of different sizes, one of a single row; shard 4 holds a row of NaN logits.
ROWS = (300, 1, 41, 97, 512, 3, 256, 130, 64)
VOCAB = 1013
data = None


class _Data:
    """The shards, a candidate model's shards, the same rows in one file per model, and the CLI's reports."""

    def __init__(self):
        self.folder = tempfile.TemporaryDirectory(prefix="lossengine-distributed-")
        root = Path(self.folder.name)
        rng = np.random.default_rng(2024)
        self.shards, self.candidates = [], []
        for index, rows in enumerate(ROWS):
            shard = random_shard(rng, rows, VOCAB, len(TASKS))
            if index == 4:
                shard["logits"][7] = np.nan
            reference, candidate = root / f"shard-{index}.safetensors", root / f"candidate-{index}.safetensors"
            write_dump(reference, task_names=TASKS, **shard)
            noise = rng.standard_normal(shard["logits"].shape, dtype=np.float32) * np.float32(0.3)
            write_dump(candidate, task_names=TASKS, **{**shard, "logits": shard["logits"] + noise})
            self.shards.append(str(reference))
            self.candidates.append(str(candidate))
        self.all_references = root / "all-references.safetensors"
        self.all_candidates = root / "all-candidates.safetensors"
        concatenate(self.shards, self.all_references, TASKS)
        concatenate(self.candidates, self.all_candidates, TASKS)
        self.cli_score = self.cli_report("score", *self.shards, "--threads", "2")
        self.cli_compare = self.cli_report("compare", self.all_references, self.all_candidates, "--threads", "2")

    def cli_report(self, *arguments):
        """Runs the CLI with --json and returns the parsed report."""
        command = os.environ["LOSSENGINE_CLI"]
        environment = dict(os.environ)
        switch = os.environ.get("LOSSENGINE_CLI_WIDTH", "")
        if switch:
            name, _, value = switch.partition("=")
            environment[name] = value
        output = Path(self.folder.name) / "cli-report.json"
        subprocess.run([*shlex.split(command), *map(str, arguments), "--json", str(output)], check=True,
                       stdout=subprocess.DEVNULL, env=environment)
        return json.loads(output.read_text())


def setUpModule():
    global data
    if distributed is None:
        raise unittest.SkipTest("dask.distributed is not installed (eng/test-distributed.sh installs it)")
    if not os.environ.get("LOSSENGINE_CLI"):
        raise unittest.SkipTest("LOSSENGINE_CLI is not set (eng/test-distributed.sh sets it)")
    data = _Data()


def tearDownModule():
    if data is not None:
        data.folder.cleanup()


def _numbers(report):
    """What must equal the CLI's to the last bit: every section but the list of input files and the state.

    A score state made by appending shards keeps each shard's first example open (in case the shard before ended
    inside it), where one pass has closed it: the states report the same, but their texts differ. States are therefore
    checked by what they report after one more shard is appended (_continued), and comparison states, which have no
    examples, are compared whole.
    """
    return {key: value for key, value in report.items() if key not in ("inputs", "state")}


def _without_inputs(report):
    return {key: value for key, value in report.items() if key != "inputs"}


def _continued(report, next_shard):
    """The numbers of a score report's state with one more shard appended."""
    aggregator = lossengine.Aggregator.from_json(json.dumps(report))
    aggregator.append(lossengine.score_files([next_shard], threads=1))
    return _numbers(aggregator.report())


class Local(unittest.TestCase):
    """Without a client: one process, one pass; and the append the cluster uses, in any bracketing."""

    def test_score_without_a_client_equals_the_cli(self):
        report = cluster_scoring.score(data.shards, threads_per_task=2)
        self.assertEqual(_without_inputs(data.cli_score), _without_inputs(report))
        self.assertEqual(report["inputs"], data.shards)
        self.assertGreater(report["overall"]["nan_losses"], 0)

    def test_compare_without_a_client_equals_the_cli(self):
        report = cluster_scoring.compare(data.shards, data.candidates)
        self.assertEqual(_without_inputs(data.cli_compare), _without_inputs(report))
        self.assertEqual(report["inputs"], {"reference": data.shards, "candidate": data.candidates})

    def test_append_is_associative(self):
        scores = [cluster_scoring._score_shard([path], {"threads": 1}) for path in data.shards]
        comparisons = [cluster_scoring._compare_shard([reference], [candidate], {"threads": 1})
                       for reference, candidate in zip(data.shards, data.candidates)]
        shuffle = random.Random(5)

        def random_tree(states, append):
            if len(states) == 1:
                return states[0]
            cut = shuffle.randrange(1, len(states))
            return append(random_tree(states[:cut], append), random_tree(states[cut:], append))

        for states, append, expected in ((scores, cluster_scoring._append_scores, _numbers(data.cli_score)),
                                         (comparisons, cluster_scoring._append_comparisons,
                                          _without_inputs(data.cli_compare))):
            left, right = states[0], states[-1]
            for state in states[1:]:
                left = append(left, state)
            for state in reversed(states[:-1]):
                right = append(state, right)
            trees = [left, right] + [random_tree(states, append) for _ in range(6)]
            for tree in trees:
                report = json.loads(tree)
                self.assertEqual(expected, _numbers(report) if "top_k" in report else _without_inputs(report))

    def test_arguments_are_checked(self):
        with self.assertRaises(ValueError):
            cluster_scoring.score([])
        with self.assertRaises(ValueError):
            cluster_scoring.score([data.shards[:1], []])
        with self.assertRaises(ValueError):
            cluster_scoring.compare([data.shards[:2]], [data.candidates[:1]])


class Cluster(unittest.TestCase):
    """A LocalCluster of two worker processes with one thread each, started here."""

    @classmethod
    def setUpClass(cls):
        # silence_logs: the bad shard and the killed worker are expected, and their warnings would bury the results.
        cls.cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=logging.ERROR)
        cls.client = distributed.Client(cls.cluster)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()

    def test_score_equals_the_cli(self):
        report = cluster_scoring.score(data.shards, self.client)
        self.assertEqual(_numbers(data.cli_score), _numbers(report))
        self.assertEqual(report["inputs"], data.shards)
        self.assertEqual(_continued(data.cli_score, data.shards[2]), _continued(report, data.shards[2]))

    def test_compare_equals_the_cli(self):
        report = cluster_scoring.compare(data.shards, data.candidates, self.client)
        self.assertEqual(_without_inputs(data.cli_compare), _without_inputs(report))

    def test_groups_of_files_on_a_named_worker(self):
        worker = sorted(self.client.scheduler_info()["workers"])[0]
        groups = [data.shards[0:2], data.shards[2:3], data.shards[3:6], data.shards[6:]]
        with distributed.get_task_stream(self.client) as stream:
            report = cluster_scoring.score(groups, self.client, placement={group[0]: worker for group in groups})
        self.assertEqual(_numbers(data.cli_score), _numbers(report))
        shard_tasks = [task for task in stream.data if "-shard-" in str(task["key"])]
        self.assertEqual(len(shard_tasks), len(groups))
        self.assertEqual({task["worker"] for task in shard_tasks}, {worker})

    def test_a_bad_shard_fails_the_call_and_names_the_file(self):
        bad = Path(data.folder.name) / "truncated.safetensors"
        bad.write_bytes(Path(data.shards[3]).read_bytes()[:2000])
        with self.assertRaises(lossengine.LossEngineError) as caught:
            cluster_scoring.score(data.shards[:3] + [str(bad)] + data.shards[3:], self.client)
        self.assertEqual(caught.exception.status, 6)
        self.assertIn(str(bad), str(caught.exception))
        with self.assertRaises(lossengine.LossEngineError):
            cluster_scoring.compare(data.shards[:2], [data.candidates[0], str(bad)], self.client)

    def test_a_worker_killed_mid_shard_is_replaced_and_the_report_is_the_same(self):
        marker = Path(data.folder.name) / "worker-died"
        plugin = _DieOnceAfterScoring(str(marker), data.shards[4])
        self.client.register_worker_plugin(plugin)
        try:
            report = cluster_scoring.score(data.shards, self.client)
        finally:
            self.client.unregister_worker_plugin(plugin.name)
        self.assertTrue(marker.exists(), "no worker died: the fault was not injected")
        self.assertEqual(_numbers(data.cli_score), _numbers(report))
        self.assertEqual(_continued(data.cli_score, data.shards[2]), _continued(report, data.shards[2]))
        self.client.wait_for_workers(2, timeout=60)

    def test_reports_of_separate_runs_merge_with_the_cli(self):
        folder = Path(data.folder.name)
        halves = (data.shards[:5], data.shards[5:]), (data.candidates[:5], data.candidates[5:])
        parts = []
        for index in range(2):
            score_part, compare_part = folder / f"score-part-{index}.json", folder / f"compare-part-{index}.json"
            score_part.write_text(json.dumps(cluster_scoring.score(halves[0][index], self.client)))
            compare_part.write_text(json.dumps(
                cluster_scoring.compare(halves[0][index], halves[1][index], self.client)))
            parts.append((score_part, compare_part))
        merged_scores = data.cli_report("merge", parts[0][0], parts[1][0])
        merged_comparisons = data.cli_report("merge", parts[0][1], parts[1][1])
        self.assertEqual(_numbers(data.cli_score), _numbers(merged_scores))
        self.assertEqual(_without_inputs(data.cli_compare), _without_inputs(merged_comparisons))


class _DieOnceAfterScoring(distributed.WorkerPlugin if distributed else object):
    """In each worker, wraps lossengine.score_files so that the first worker to score one shard exits after scoring
    it, before returning: the work is lost with the process. A marker file, made by that attempt, spares the retry."""

    name = "lossengine-test-die-once"

    def __init__(self, marker: str, shard: str):
        self.marker, self.shard = marker, shard

    def setup(self, worker):
        original = getattr(lossengine.score_files, "__wrapped__", lossengine.score_files)
        marker, shard = self.marker, self.shard

        def score_files(paths, **options):
            result = original(paths, **options)
            if os.fspath(paths[0]) == shard:
                try:
                    open(marker, "x").close()
                except FileExistsError:
                    return result
                os._exit(17)
            return result

        score_files.__wrapped__ = original
        lossengine.score_files = score_files

    def teardown(self, worker):
        lossengine.score_files = getattr(lossengine.score_files, "__wrapped__", lossengine.score_files)


if __name__ == "__main__":
    unittest.main()
