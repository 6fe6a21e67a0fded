"""Explanation and score-band measurements on a dev set: python -m embeddings.explain_eval --help.

Runs on a fixed seeded subset of the corpus (every judged relevant document plus `--random`
others) so that it fits a small machine; corpus vectors are cached like embeddings.evaluate's.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.engine import MatchEngine
from embeddings.evaluate import _slug, read_jsonl, read_qrels
from embeddings.explain import related_terms
from embeddings.lexical import LexicalIndex, normalize
from embeddings.sentences import best_sentence, is_boilerplate
from embeddings.strength import BANDS, strength_band
from embeddings.terms import learn_vocabulary, shared_terms
from embeddings.types import Document, EncoderLike

THRESHOLDS = (0.87, 0.88, 0.89, 0.9, 0.905, 0.91, 0.915, 0.92, 0.925, 0.93, 0.94, 0.95)


def subset(
    corpus: list[dict[str, Any]], qrels: dict[str, dict[str, int]], *, n_random: int, seed: int
) -> list[dict[str, Any]]:
    """Every judged relevant document plus `n_random` seeded others, in corpus order."""
    relevant = {d for rel in qrels.values() for d, g in rel.items() if g > 0}
    others = [i for i, row in enumerate(corpus) if row["id"] not in relevant]
    pick = set(random.Random(seed).sample(others, min(n_random, len(others))))
    return [row for i, row in enumerate(corpus) if row["id"] in relevant or i in pick]


def _pairs(
    queries: list[dict[str, Any]], docs: list[dict[str, Any]], qrels: dict[str, dict[str, int]], seed: int
) -> list[tuple[str, str, str]]:
    """(query text, relevant doc text, unrelated doc text) per query; unrelated = other discipline."""
    by_id = {str(d["id"]): d for d in docs}
    rng = random.Random(seed)
    out: list[tuple[str, str, str]] = []
    for q in queries:
        rel = [d for d, g in qrels.get(str(q["id"]), {}).items() if g > 0 and d in by_id]
        if not rel:
            continue
        while True:
            other = docs[rng.randrange(len(docs))]
            if other.get("discipline") != q.get("discipline") and str(other["id"]) not in rel:
                break
        out.append((str(q["text"]), str(by_id[rel[0]]["text"]), str(other["text"])))
    return out


# Stress variant: the commercial lines real postings carry, added to both sides of every pair.
NEED_TAIL = "预算50万元，要求投资回收期3年以内。联系电话027-87654321。"
RESULT_TAIL = "投资回收期3年以内。单位千瓦投资约1.1万元，转让费面议，联系人王老师。"


def sentence_quality(
    pairs: list[tuple[str, str, str]], lexical: LexicalIndex, *, stress: bool = False
) -> dict[str, float]:
    """Share of relevant results whose shown sentence holds a term both texts share."""
    hit = boiler = with_terms = 0
    for q, rel, _ in pairs:
        if stress:
            q, rel = q + "。" + NEED_TAIL, rel + "。" + RESULT_TAIL
        shared = shared_terms(q, rel)
        doc = Document.result(id=0, title="", summary=rel)
        s = best_sentence(doc, q, lexical=lexical, shared=shared)
        with_terms += bool(shared)
        if s is not None:
            hit += any(normalize(t) in normalize(s.text) for t in shared)
            boiler += is_boilerplate(s.text)
    n = max(1, len(pairs))
    return {
        "pairs": len(pairs),
        "with_shared_terms": round(with_terms / n, 4),
        "sentence_has_shared_term": round(hit / n, 4),
        "sentence_is_boilerplate": round(boiler / n, 4),
    }


def related_sweep(pairs: list[tuple[str, str, str]], encoder: EncoderLike) -> dict[str, Any]:
    """For each threshold: pairs shown per relevant vs unrelated explanation (unrelated = noise)."""
    rel_sims: list[list[float]] = []
    unrel_sims: list[list[float]] = []
    examples: list[tuple[float, str, str]] = []
    for q, rel, other in pairs:
        for doc, sink in ((rel, rel_sims), (other, unrel_sims)):
            got = related_terms(
                need=q, result=doc, shared=shared_terms(q, doc), encoder=encoder, threshold=-1.0
            )
            sink.append([r.similarity for r in got])
            if doc is rel:
                examples.extend((r.similarity, r.need_term, r.result_term) for r in got)
    rows = []
    for t in THRESHOLDS:
        shown_rel = [sum(s >= t for s in sims) for sims in rel_sims]
        shown_un = [sum(s >= t for s in sims) for sims in unrel_sims]
        rows.append(
            {
                "threshold": t,
                "relevant_with_pair": round(float(np.mean([n > 0 for n in shown_rel])), 4),
                "unrelated_with_pair": round(float(np.mean([n > 0 for n in shown_un])), 4),
                "pairs_relevant": int(sum(shown_rel)),
                "pairs_unrelated": int(sum(shown_un)),
            }
        )
    examples.sort(reverse=True)
    return {"sweep": rows, "examples": [list(e) for e in examples]}


def band_shares(
    *,
    engine: MatchEngine,
    queries: list[dict[str, Any]],
    docs: list[dict[str, Any]],
    qrels: dict[str, dict[str, int]],
) -> dict[str, Any]:
    """Scores of each query's relevant result and of its non-relevant top-10 hits, by band."""
    index = {str(d["id"]): i for i, d in enumerate(docs)}
    relevant: list[float] = []
    wrong: list[float] = []
    for qi, q in enumerate(queries):
        rel = {index[d] for d, g in qrels.get(str(q["id"]), {}).items() if g > 0 and d in index}
        if not rel:
            continue
        for hit in engine.match_need(need=qi, k=10):
            if hit.id not in rel:
                wrong.append(hit.score)
        relevant.extend(engine.score_pair(need=qi, result=r).score for r in sorted(rel))

    def shares(scores: list[float]) -> dict[str, float]:
        n = max(1, len(scores))
        return {b.label: round(sum(strength_band(s) is b for s in scores) / n, 4) for b in BANDS}

    pct = (10, 25, 50, 75, 90)
    return {
        "relevant": {"n": len(relevant), "shares": shares(relevant), "percentiles": _pct(relevant, pct)},
        "nonrelevant_top10": {"n": len(wrong), "shares": shares(wrong), "percentiles": _pct(wrong, pct)},
        "relevant_scores": [round(s, 2) for s in relevant],
        "nonrelevant_scores": [round(s, 2) for s in wrong],
    }


def _pct(values: list[float], pct: tuple[int, ...]) -> dict[str, float]:
    return {f"p{p}": round(float(np.percentile(values, p)), 1) for p in pct} if values else {}


def build_engine(
    *, encoder: EncoderLike, docs: list[dict[str, Any]], queries: list[dict[str, Any]], cache_dir: Path
) -> MatchEngine:
    """An engine over the subset (results) and the queries (needs), vectors cached under cache_dir."""
    engine = MatchEngine(encoder=encoder, index_dir=cache_dir)
    engine.sync(
        side="result",
        docs=[Document.result(id=i, title="", summary=str(d["text"])) for i, d in enumerate(docs)],
    )
    engine.sync(
        side="need",
        docs=[Document.need(id=i, title="", problem=str(q["text"])) for i, q in enumerate(queries)],
    )
    return engine


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--queries", type=Path, required=True)
    p.add_argument("--qrels", type=Path, required=True)
    p.add_argument("--random", type=int, default=1500, help="non-relevant documents in the subset")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model-dir", type=Path, default=Path("data/models/multilingual-e5-small"))
    p.add_argument("--cache-dir", type=Path, default=Path("data/cache"))
    p.add_argument("--part", choices=("sentences", "related", "bands", "all"), default="all")
    p.add_argument("--out", type=Path, help="write the full JSON (with raw scores) here")
    args = p.parse_args(argv)
    qrels = read_qrels(args.qrels)
    queries = [q for q in read_jsonl(args.queries) if str(q["id"]) in qrels]
    docs = subset(read_jsonl(args.corpus), qrels, n_random=args.random, seed=args.seed)
    learned = learn_vocabulary(str(d["text"]) for d in docs)
    pairs = _pairs(queries, docs, qrels, args.seed)
    report: dict[str, Any] = {"docs": len(docs), "queries": len(queries), "learned_words": len(learned)}
    if args.part in ("sentences", "all"):
        lexical = LexicalIndex()
        lexical.add_many([(i, str(d["text"])) for i, d in enumerate(docs)])
        report["sentences"] = sentence_quality(pairs, lexical)
        report["sentences_with_boilerplate"] = sentence_quality(pairs, lexical, stress=True)
    if args.part in ("related", "bands", "all"):
        from embeddings.encoder import load_encoder

        encoder = load_encoder(args.model_dir)
        if args.part in ("related", "all"):
            report["related"] = related_sweep(pairs, encoder)
        if args.part in ("bands", "all"):
            key = f"{_slug(args.corpus.stem)}-subset{args.random}-seed{args.seed}"
            cache = args.cache_dir / "eval" / _slug(encoder.model_id) / key
            engine = build_engine(encoder=encoder, docs=docs, queries=queries, cache_dir=cache)
            report["bands"] = band_shares(engine=engine, queries=queries, docs=docs, qrels=qrels)
    if args.out:
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    brief = {k: v for k, v in report.items() if k not in ("related", "bands")}
    if "related" in report:
        brief["related_sweep"] = report["related"]["sweep"]
    if "bands" in report:
        brief["bands"] = {k: report["bands"][k] for k in ("relevant", "nonrelevant_top10")}
    print(json.dumps(brief, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
