"""Writes the lm-eval sample logs under this folder and expected.json, the metrics recomputed here with numpy from
lm-evaluation-harness's definitions (ConfigurableTask.process_results for multiple_choice, loglikelihood and
loglikelihood_rolling; metrics.py's mean, mean_stderr, weighted_perplexity, bits_per_byte, brier_score). The sample
lines follow lm-eval's --log_samples format: doc_id, doc, target, arguments {gen_args_i: {arg_0, arg_1}}, resps,
filtered_resps, filter, metrics, the hashes, and the per-sample metric values; resps and filtered_resps hold strings,
as its sanitize_list writes them. One task (mmlu) is written the older way, with JSON numbers and booleans and
arguments as a list of pairs. Run: python3 make_samples.py (seeded; the output is committed)."""
import json, math, re, hashlib
import numpy as np

rng = np.random.default_rng(20261130)
DATE = "2026-11-30T08-00-00.123456"
WORDS = ["the", "cat", "sat", "on", "a", "mat", "river", "bank", "café", "naïve", "über", "sun", "moon", "rain",
         "gravity", "because", "heat", "ice", "melts", "plants", "grow", "light", "water", "energy", "日本", "🙂"]


def phrase(n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def h(s):
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def mc_task(name, questions, n_choices, metrics, label_errors=(), mutual_info=False, old_format=False):
    lines, rows = [], []
    for doc_id in range(questions):
        choices = [phrase(int(rng.integers(1, 6))) for _ in range(n_choices)]
        gold = int(rng.integers(0, n_choices))
        # Log-likelihoods roughly proportional to the continuation's length, with the gold choice favoured a little.
        lls = np.array([-(1.0 + 0.4 * rng.random()) * len(c) / 4 - rng.random() for c in choices])
        lls[gold] += rng.normal(2.5, 1.5)
        if doc_id in label_errors:
            wrong = (gold + 1) % n_choices
            lls[wrong] = lls.max() + 8.0
        lls = np.round(lls, 6)
        uncond = np.round(np.array([-(1.2 + rng.random()) * len(c) / 3 for c in choices]), 6)
        greedy = [bool(rng.random() < 0.1) for _ in choices]
        ctx = f"Question {doc_id}: {phrase(6)}?\nAnswer:"
        arguments = [(ctx, " " + c) for c in choices] + ([("", " " + c) for c in choices] if mutual_info else [])
        resp_pairs = [(float(ll), g) for ll, g in zip(lls, greedy)] + ([(float(u), False) for u in uncond] if mutual_info else [])

        # lm-eval's process_results for multiple_choice.
        completion_len = np.array([float(len(c)) for c in choices])
        byte_length = np.array([float(len(c.encode("utf-8"))) for c in choices])
        pred = np.argmax(lls)
        result = {
            "acc": 1.0 if pred == gold else 0.0,
            "acc_norm": 1.0 if np.argmax(lls / completion_len) == gold else 0.0,
            "acc_bytes": 1.0 if np.argmax(lls / byte_length) == gold else 0.0,
            "acc_mutual_info": 1.0 if np.argmax(lls - uncond) == gold else 0.0,
        }
        p = softmax(lls)
        rows.append({**result, "brier": float(np.sum((p - np.eye(n_choices)[gold]) ** 2)), "p_gold": float(p[gold]), "p_pred": float(p[pred]), "pred": int(pred), "gold": gold, "lls": lls.tolist()})
        logged = {k: v for k, v in result.items() if k in metrics}
        sample = {"doc_id": doc_id, "doc": {"question": ctx, "choices": choices, "label": gold}, "target": str(gold)}
        if old_format:
            sample.update({"arguments": [list(a) for a in arguments], "resps": [[list(r)] for r in resp_pairs],
                           "filtered_resps": [list(r) for r in resp_pairs]})
        else:
            sample.update({"arguments": {f"gen_args_{i}": {"arg_0": a[0], "arg_1": a[1]} for i, a in enumerate(arguments)},
                           "resps": [[[str(r[0]), str(r[1])]] for r in resp_pairs],
                           "filtered_resps": [[str(r[0]), str(r[1])] for r in resp_pairs]})
        sample.update({"filter": "none", "metrics": metrics, "doc_hash": h(json.dumps(sample["doc"])), "prompt_hash": h(ctx),
                       "target_hash": h(str(gold)), **logged})
        lines.append(json.dumps(sample, ensure_ascii=False))
    with open(f"samples_{name}_{DATE}.jsonl", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

    def stat(key):
        x = np.array([r[key] for r in rows], dtype=float)
        return {"value": float(x.mean()), "stderr": float(x.std(ddof=1) / math.sqrt(len(x)))}

    out = {"questions": questions, "acc": stat("acc"), "acc_norm": stat("acc_norm"), "acc_bytes": stat("acc_bytes"),
           "brier_score": stat("brier"), "gold_probability": stat("p_gold"),
           "label_errors": sorted(i for i, r in enumerate(rows) if r["pred"] != r["gold"] and r["p_pred"] >= 0.9)}
    # lm-eval's brier_score aggregation (metrics.py) over the (gold, softmax) pairs of the whole task.
    probs = np.array([softmax(np.array(r["lls"])) for r in rows])
    out["brier_score_lm_eval"] = float(np.mean(np.sum((probs - np.eye(n_choices)[[r["gold"] for r in rows]]) ** 2, axis=1)))
    if mutual_info:
        out["acc_mutual_info"] = stat("acc_mutual_info")
    return out


def ll_task(name, docs):
    lines, lls, greedy, nbytes = [], [], [], []
    for doc_id in range(docs):
        ctx, cont = phrase(10), " " + phrase(int(rng.integers(1, 3)))
        ll = round(float(-rng.gamma(2.0, 1.5)), 6)
        g = bool(ll > -1.5)
        lls.append(ll); greedy.append(g); nbytes.append(len(cont.encode("utf-8")))
        sample = {"doc_id": doc_id, "doc": {"text": ctx + cont}, "target": cont,
                  "arguments": {"gen_args_0": {"arg_0": ctx, "arg_1": cont}}, "resps": [[[str(ll), str(g)]]],
                  "filtered_resps": [[str(ll), str(g)]], "filter": "none", "metrics": ["perplexity", "acc"],
                  "doc_hash": h(ctx), "prompt_hash": h(ctx), "target_hash": h(cont), "perplexity": ll, "acc": int(g)}
        lines.append(json.dumps(sample, ensure_ascii=False))
    with open(f"samples_{name}_{DATE}.jsonl", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    x = np.array(lls)
    return {"documents": docs, "perplexity": math.exp(-x.mean()), "acc": float(np.mean(greedy)),
            "mean_loglikelihood": float(x.mean()), "mean_loglikelihood_stderr": float(x.std(ddof=1) / math.sqrt(docs)),
            "bits_per_byte": -sum(lls) / sum(nbytes) / math.log(2)}


def rolling_task(name, docs):
    lines, items_w, items_b = [], [], []
    for doc_id in range(docs):
        text = phrase(int(rng.integers(30, 80)))
        words, nbytes = len(re.split(r"\s+", text)), len(text.encode("utf-8"))
        ll = round(float(-nbytes * (0.6 + 0.3 * rng.random())), 4)
        items_w.append((ll, words)); items_b.append((ll, nbytes))
        sample = {"doc_id": doc_id, "doc": {"page": text}, "target": text,
                  "arguments": {"gen_args_0": {"arg_0": text}}, "resps": [[str(ll)]], "filtered_resps": [str(ll)],
                  "filter": "none", "metrics": ["word_perplexity", "byte_perplexity", "bits_per_byte"],
                  "doc_hash": h(text), "prompt_hash": h(text), "target_hash": h(text),
                  "word_perplexity": [ll, words], "byte_perplexity": [ll, nbytes], "bits_per_byte": [ll, nbytes]}
        lines.append(json.dumps(sample, ensure_ascii=False))
    with open(f"samples_{name}_{DATE}.jsonl", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

    def weighted_mean(items):
        a, b = zip(*items)
        return sum(a) / sum(b)

    return {"documents": docs, "word_perplexity": math.exp(-weighted_mean(items_w)),
            "byte_perplexity": math.exp(-weighted_mean(items_b)), "bits_per_byte": -weighted_mean(items_b) / math.log(2)}


expected = {
    "arc_easy": mc_task("arc_easy", 40, 4, ["acc", "acc_norm"], label_errors=(3, 17)),
    "hellaswag": mc_task("hellaswag", 30, 4, ["acc", "acc_norm"], label_errors=(5,)),
    "sciq": mc_task("sciq", 24, 4, ["acc", "acc_norm", "acc_mutual_info"], mutual_info=True),
    "mmlu_abstract_algebra": mc_task("mmlu_abstract_algebra", 20, 4, ["acc"], old_format=True),
    "lambada_openai": ll_task("lambada_openai", 25),
    "wikitext": rolling_task("wikitext", 10),
}
with open("expected.json", "w", encoding="utf-8") as f:
    json.dump(expected, f, indent=1, ensure_ascii=False)
