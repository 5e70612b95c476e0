"""Tests of the ctypes binding against numpy (and torch, where it is installed) references."""

import importlib.metadata
import json
import math
import os
import re
import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import lossengine  # noqa: E402

try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False


def expected_version():
    """Directory.Build.props' version in a checkout; the distribution's version when the package is installed."""
    props = Path(lossengine.__file__).resolve().parents[2] / "Directory.Build.props"
    if props.is_file():
        return re.search(r"<Version>([^<]+)</Version>", props.read_text()).group(1)
    return importlib.metadata.version("lossengine")


def reference_lse(x):
    x = np.asarray(x, dtype=np.float64)
    m = x.max()
    return m + math.log(np.exp(x - m).sum())


def bf16_bits(x):
    """float32 -> bfloat16 bits, round to nearest even (the values here are finite)."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    bits = bits + 0x7FFF + ((bits >> 16) & 1)
    return (bits >> 16).astype(np.uint16)


def bf16_values(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


class RowKernels(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(7)

    def test_version_and_width(self):
        self.assertEqual(lossengine.version(), expected_version())
        self.assertIn(lossengine.vector_bits(), (0, 128, 256, 512))
        expected = os.environ.get("LOSSENGINE_EXPECT_VECTOR_BITS")  # the .NET runtime's width at this level
        if expected:
            self.assertEqual(lossengine.vector_bits(), int(expected))

    def test_logsumexp_every_dtype(self):
        for length in (1, 15, 16, 17, 1000, 32000, 128257):
            x = (self.rng.standard_normal(length) * 3).astype(np.float32)
            for row, dtype, widened in ((x, None, x),
                                        (x.astype(np.float16), None, x.astype(np.float16).astype(np.float32)),
                                        (bf16_bits(x), "bf16", bf16_values(bf16_bits(x)))):
                expected = reference_lse(widened)
                self.assertLessEqual(abs(lossengine.logsumexp(row, dtype=dtype) - expected), 1e-7 * abs(expected) + 2e-6)

    def test_aligned_empty_and_results_independent_of_the_address(self):
        rng = np.random.default_rng(7)
        logits = (rng.standard_normal((6, 1000)) * 3).astype(np.float32)
        targets = rng.integers(0, 1000, 6)
        aligned = lossengine.aligned_empty(logits.shape)
        self.assertEqual(aligned.ctypes.data % 64, 0)
        self.assertEqual((aligned.shape, aligned.dtype, aligned.flags.c_contiguous), (logits.shape, np.float32, True))
        self.assertEqual(lossengine.aligned_empty(5, np.uint16, 4096).ctypes.data % 4096, 0)
        with self.assertRaises(ValueError):
            lossengine.aligned_empty(4, alignment=48)
        aligned[...] = logits
        expected = lossengine.statistics(aligned, targets, threads=1)
        # The same values 4, 16 and 36 bytes past a line: the kernel sums them the same way.
        for offset in (4, 16, 36):
            buffer = lossengine.aligned_empty(logits.size * 4 + 64, np.uint8)
            moved = buffer[offset:offset + logits.size * 4].view(np.float32).reshape(logits.shape)
            moved[...] = logits
            self.assertEqual(moved.ctypes.data % 64, offset)
            self.assertEqual(lossengine.statistics(moved, targets, threads=1).tobytes(), expected.tobytes())

    def test_softmax_and_log_softmax(self):
        x = (self.rng.standard_normal(5000) * 4).astype(np.float32)
        p = lossengine.softmax(x)
        self.assertAlmostEqual(float(p.sum()), 1.0, delta=1e-5)
        np.testing.assert_allclose(lossengine.log_softmax(x), x.astype(np.float64) - reference_lse(x), atol=2e-5)
        np.testing.assert_allclose(lossengine.softmax(np.array([100, 0], dtype=np.float32)), [1.0, 0.0], atol=1e-40)

    def test_input_checks(self):
        x = np.zeros(8, dtype=np.float32)
        with self.assertRaises(TypeError):
            lossengine.logsumexp(x.astype(np.float64))
        with self.assertRaises(TypeError):
            lossengine.logsumexp(x.view(np.uint16))
        with self.assertRaises(ValueError):
            lossengine.logsumexp(np.zeros((4, 4), dtype=np.float32)[:, 0])
        with self.assertRaises(ValueError):
            lossengine.logsumexp(np.zeros(0, dtype=np.float32))


class Batch(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(11)
        self.logits = (rng.standard_normal((37, 1003)) * 2).astype(np.float32)
        self.targets = rng.integers(0, 1003, 37)
        self.targets[5] = -100

    def reference_losses(self, logits, label_smoothing=0.0, z_loss=0.0, temperature=1.0):
        losses = []
        for row, target in zip(logits.astype(np.float64) / temperature, self.targets):
            if target == -100:
                losses.append(0.0)
                continue
            lse = reference_lse(row)
            loss = (1 - label_smoothing) * (lse - row[target])
            if label_smoothing:
                loss += label_smoothing * (lse - row.mean())
            losses.append(loss + z_loss * lse * lse)
        return np.array(losses)

    def test_cross_entropy_options(self):
        for smoothing, z, temperature in ((0, 0, 1), (0.1, 0, 1), (0, 1e-4, 1), (0.2, 1e-3, 0.7)):
            expected = self.reference_losses(self.logits, smoothing, z, temperature)
            losses = lossengine.cross_entropy(self.logits, self.targets, label_smoothing=smoothing, z_loss=z,
                                              temperature=temperature, reduction="none")
            np.testing.assert_allclose(losses, expected, atol=2e-5, rtol=1e-6)
            mean = lossengine.cross_entropy(self.logits, self.targets, label_smoothing=smoothing, z_loss=z,
                                            temperature=temperature)
            self.assertAlmostEqual(mean, expected.sum() / 36, delta=1e-5)
        all_ignored = np.full(37, -100)
        self.assertTrue(math.isnan(lossengine.cross_entropy(self.logits, all_ignored)))

    def test_pitched_view_and_threads(self):
        wide = np.zeros((37, 1010), dtype=np.float32)
        wide[:, :1003] = self.logits
        view = wide[:, :1003]                     # rows at a stride of 1010 elements: no copy
        one = lossengine.cross_entropy(view, self.targets, reduction="none", threads=1)
        two = lossengine.cross_entropy(view, self.targets, reduction="none", threads=2)
        np.testing.assert_array_equal(one, two)
        np.testing.assert_allclose(one, self.reference_losses(self.logits), atol=2e-5)

    def test_statistics_and_bf16(self):
        bits = bf16_bits(self.logits)
        stats = lossengine.statistics(bits, self.targets, dtype="bf16")
        widened = bf16_values(bits)
        for i, target in enumerate(self.targets):
            if target == -100:
                self.assertEqual(stats["argmax"][i], -1)
                continue
            row = widened[i]
            self.assertEqual(stats["argmax"][i], int(np.argmax(row)))
            rank = int((row > row[target]).sum() + (row[:target] == row[target]).sum())
            self.assertEqual(stats["target_rank"][i], rank)

    def test_compare(self):
        rng = np.random.default_rng(3)
        candidate = (self.logits + rng.standard_normal(self.logits.shape).astype(np.float32) * 0.1).astype(np.float32)
        result = lossengine.compare(self.logits, candidate, self.targets)
        for i in range(len(self.targets)):
            a, b = self.logits[i].astype(np.float64), candidate[i].astype(np.float64)
            log_p, log_q = a - reference_lse(a), b - reference_lse(b)
            kl = float((np.exp(log_p) * (log_p - log_q)).sum())
            self.assertLessEqual(abs(result["kl_divergence"][i] - kl), 2e-6 + 1e-6 * kl)

    def test_errors_carry_the_message(self):
        bad = self.targets.copy()
        bad[2] = 5000
        with self.assertRaises(lossengine.LossEngineError) as caught:
            lossengine.cross_entropy(self.logits, bad)
        self.assertIn("Row 2", str(caught.exception))
        with self.assertRaises(ValueError):
            lossengine.cross_entropy(self.logits, self.targets[:-1])
        with self.assertRaises(ValueError):
            lossengine.cross_entropy(np.asfortranarray(self.logits), self.targets)

    @unittest.skipUnless(HAVE_TORCH, "torch is not installed")
    def test_matches_torch(self):
        import torch
        import torch.nn.functional as F
        logits = torch.from_numpy(self.logits)
        targets = torch.from_numpy(self.targets)
        expected = F.cross_entropy(logits.double(), targets, reduction="none", label_smoothing=0.1).numpy()
        np.testing.assert_allclose(lossengine.cross_entropy(self.logits, self.targets, label_smoothing=0.1,
                                                            reduction="none"), expected, atol=2e-5)


class Aggregation(unittest.TestCase):
    def test_aggregate_merge_and_json(self):
        rng = np.random.default_rng(5)
        logits = rng.standard_normal((40, 300)).astype(np.float32)
        targets = rng.integers(0, 300, 40)
        stats = lossengine.statistics(logits, targets)
        tasks = np.repeat([0, 1], 20)
        examples = np.arange(40) // 4
        whole = lossengine.Aggregator(["grammar", "arithmetic"])
        whole.add(stats, tasks, examples, targets)
        first, second = lossengine.Aggregator(["grammar", "arithmetic"]), lossengine.Aggregator(["grammar", "arithmetic"])
        first.add(stats[:22], tasks[:22], examples[:22])
        second.add(stats[22:], tasks[22:], examples[22:])
        second.merge(first)
        a, b = whole.report(), second.report()
        self.assertEqual(a["schema"], "lossengine.score/1")
        self.assertEqual(a["overall"]["loss"], b["overall"]["loss"])
        self.assertEqual(a["overall"]["loss_stderr"], b["overall"]["loss_stderr"])
        losses = stats["loss"].astype(np.float64)
        self.assertAlmostEqual(a["overall"]["loss"], losses.mean(), delta=1e-9)
        self.assertAlmostEqual(a["tasks"][1]["loss"], losses[20:].mean(), delta=1e-9)
        restored = lossengine.Aggregator.from_json(whole.to_json())
        self.assertEqual(restored.report()["overall"], a["overall"])
        with self.assertRaises(lossengine.LossEngineError):
            whole.add(stats[:1], [7], [100])

    def test_byte_lengths_give_bits_per_byte(self):
        rng = np.random.default_rng(8)
        logits = rng.standard_normal((8, 30)).astype(np.float32)
        stats = lossengine.statistics(logits, rng.integers(0, 30, 8))
        byte_lengths = rng.integers(1, 6, 8)
        aggregator = lossengine.Aggregator(["a"])
        aggregator.add(stats, np.zeros(8, dtype=np.int32), np.arange(8) // 2, byte_lengths=byte_lengths)
        expected = stats["loss"].astype(np.float64).sum() / (math.log(2) * byte_lengths.sum())  # lm-eval's bits_per_byte
        self.assertAlmostEqual(aggregator.report()["overall"]["bits_per_byte"], expected, delta=1e-9)

    def test_float_ids_are_refused_not_truncated(self):
        rng = np.random.default_rng(7)
        logits = rng.standard_normal((4, 20)).astype(np.float32)
        stats = lossengine.statistics(logits, [1, 2, 3, 4])
        aggregator = lossengine.Aggregator(["a", "b"])
        with self.assertRaises(TypeError):
            aggregator.add(stats, [0.9, 0, 0, 0], [0, 0, 1, 1])
        with self.assertRaises(TypeError):
            aggregator.add(stats, [0, 0, 0, 0], [0, 0, 1, 1], targets=[1.0, 2.0, 3.0, 4.0])
        with self.assertRaises(TypeError):
            lossengine.cross_entropy(logits, np.array([1.5, 2, 3, 4]))
        with self.assertRaises(ValueError):
            aggregator.add(stats, np.array([0, 0, 0, 2**33]), [0, 0, 1, 1])
        aggregator.add(stats, np.array([0, 0, 1, 1], dtype=np.uint8), [0, 0, 1, 1])
        self.assertEqual(aggregator.report()["overall"]["tokens"], 4)

    def test_append_keeps_separately_numbered_shards_apart(self):
        rng = np.random.default_rng(6)
        logits = rng.standard_normal((24, 50)).astype(np.float32)
        targets = rng.integers(0, 50, 24)
        stats = lossengine.statistics(logits, targets)
        tasks = np.zeros(24, dtype=np.int32)
        local = np.arange(12) // 4                     # each shard numbers its 3 examples 0, 1, 2
        whole = lossengine.Aggregator(["grammar"])
        whole.add(stats, tasks, np.arange(24) // 4)    # one stream: 6 examples
        head, tail = lossengine.Aggregator(["grammar"]), lossengine.Aggregator(["grammar"])
        head.add(stats[:12], tasks[:12], local)
        tail.add(stats[12:], tasks[12:], local)
        head.append(tail)
        self.assertEqual(head.report()["overall"]["examples"], 6)
        self.assertEqual(head.report()["tasks"], whole.report()["tasks"])


def _dumps():
    """The folder eng/test-native.sh fills: two models' dumps of one text, and the CLI's reports over them."""
    folder = os.environ.get("LOSSENGINE_TEST_DUMPS")
    if not folder:
        raise unittest.SkipTest("LOSSENGINE_TEST_DUMPS is not set (eng/test-native.sh sets it)")
    return Path(folder)


def _without_inputs(report):
    return {key: value for key, value in report.items() if key != "inputs"}


class Files(unittest.TestCase):
    """score_files and compare_files read dumps through the library: their reports equal the CLI's, number for number."""

    def test_score_files_equals_the_cli(self):
        folder = _dumps()
        cli = json.loads((folder / "cli-score.json").read_text())
        ours = lossengine.score_files([folder / "model-a.safetensors"], threads=2).report()
        self.assertEqual(_without_inputs(cli), _without_inputs(ours))
        self.assertEqual(ours["tasks"][0]["task"], "grammar")

    def test_compare_files_equals_the_cli_and_merges(self):
        folder = _dumps()
        cli = json.loads((folder / "cli-compare.json").read_text())
        a, b = folder / "model-a.safetensors", folder / "model-b.safetensors"
        comparison = lossengine.compare_files([a], [b], threads=1)
        self.assertEqual(_without_inputs(cli), _without_inputs(comparison.report()))
        restored = lossengine.Comparison.from_json(comparison.to_json())
        restored.merge(lossengine.compare_files(a, b))
        self.assertEqual(restored.report()["overall"]["tokens"], 2 * cli["overall"]["tokens"])
        self.assertEqual(restored.report()["overall"]["mean_kld"], cli["overall"]["mean_kld"])
        with self.assertRaises(lossengine.LossEngineError):
            restored.merge(restored)

    def test_bad_files_name_the_file(self):
        with self.assertRaises(lossengine.LossEngineError) as caught:
            lossengine.score_files(["/nonexistent/x.safetensors"])
        self.assertEqual(caught.exception.status, 6)
        self.assertIn("/nonexistent/x.safetensors", str(caught.exception))
        with self.assertRaises(ValueError):
            lossengine.compare_files(["a", "b"], ["c"])


if __name__ == "__main__":
    unittest.main()
