"""Held-out evaluation of the learned re-ranker on the dev sets: python -m embeddings.rerank_eval --help.

Never reports a model on the queries it was trained on. Protocols, each as Δ nDCG@10 against
the shipped hybrid (the fused first stage) on the same queries:
- `kfold`: k folds by query within one set, trained on the other folds of that set;
- `kfold-both`: k folds by query in each set, trained on the other folds of *both* sets (the
  model that would ship, trained on everything, is this one's limit);
- `cross`: trained on all of the other set, tested on this one.
The first stage is computed once per set through the product's Ranker and cached under
`data/cache/rerank/` (embeddings/rerank_cache.py); features come from the product's own
`embeddings.rerank_features`, so the dev model and the shipped one see the same numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.evaluate import metrics
from embeddings.rerank import Reranker
from embeddings.rerank_cache import DevSet, load_dev_set
from embeddings.rerank_features import FEATURES, POOL, feature_matrix, make_context
from embeddings.rerank_train import Group, train
from embeddings.types import EncoderLike, FloatArray

DEV_SETS = {
    "paper": ("corpus_paper_problem.jsonl", "queries_paper_problem_dev.jsonl", "qrels_paper_problem_dev.tsv"),
    "patent": ("corpus_patent.jsonl", "queries_patent_problem_dev.jsonl", "qrels_patent_problem_dev.tsv"),
}


def load_sets(*, eval_dir: Path, encoder: EncoderLike, cache_root: Path) -> dict[str, DevSet]:
    """Both dev sets with their cached first stage."""
    return {
        name: load_dev_set(
            name=name,
            corpus=eval_dir / c,
            queries=eval_dir / q,
            qrels=eval_dir / r,
            encoder=encoder,
            cache_root=cache_root,
        )
        for name, (c, q, r) in DEV_SETS.items()
    }


def groups_of(ds: DevSet) -> list[Group]:
    """One training/test group per query: its candidates' base score, features and grades."""
    out = []
    for q, cand in enumerate(ds.cand):
        dense_ranked = cand[np.lexsort((cand, -ds.dense[q]))][:POOL]
        hit = ds.lexical[q] > 0
        lexical_ranked = cand[hit][np.lexsort((cand[hit], -ds.lexical[q][hit]))][:POOL]
        vecs = ds.doc_vectors[cand]
        ctx = make_context(
            dense_ids=dense_ranked,
            lexical_ids=lexical_ranked,
            fused_ids=cand,
            fused=ds.fused[q],
            vectors=vecs,
        )
        x = feature_matrix(
            ids=cand, vectors=vecs, z_dense=ds.z_dense[q], z_lexical=ds.z_lexical[q], context=ctx
        )
        out.append(Group(base=ds.fused[q], features=x, labels=ds.grades(q)))
    return out


def ndcg(ds: DevSet, scores: Sequence[FloatArray], k: int = 10) -> float:
    """Mean nDCG@k of ranking each query's candidates by `scores` (ties by corpus order)."""
    ranked = {
        ds.query_ids[q]: [ds.corpus_ids[i] for i in ds.cand[q][np.lexsort((ds.cand[q], -s))][:k].tolist()]
        for q, s in enumerate(scores)
    }
    judged = {q: r for q, r in ds.qrels.items() if q in ranked}
    return metrics(ranked=ranked, qrels=judged, k=k)[f"ndcg@{k}"]


def ndcg_each(ds: DevSet, scores: Sequence[FloatArray], k: int = 10) -> FloatArray:
    """nDCG@k of each judged query (in query order), ranking its candidates by `scores`."""
    out = []
    for q, s in enumerate(scores):
        rel = ds.qrels.get(ds.query_ids[q])
        if rel:
            top = [ds.corpus_ids[i] for i in ds.cand[q][np.lexsort((ds.cand[q], -s))][:k].tolist()]
            out.append(metrics(ranked={"q": top}, qrels={"q": rel}, k=k)[f"ndcg@{k}"])
    return np.array(out, np.float32)


def delta(ds: DevSet, scores: Sequence[FloatArray], base: Sequence[FloatArray]) -> tuple[float, float]:
    """Mean Δ nDCG@10 of `scores` over `base` and its paired standard error (query to query)."""
    d = ndcg_each(ds, scores).astype(np.float64) - ndcg_each(ds, base)
    return round(float(d.mean()), 4), round(float(d.std(ddof=1) / np.sqrt(len(d))), 4)


def _scores(model: Reranker | None, groups: Sequence[Group]) -> list[FloatArray]:
    if model is None:
        return [g.base for g in groups]
    return [(g.base + model.shift(g.features)).astype(np.float32) for g in groups]


def protocols(
    sets: dict[str, DevSet], *, features: Sequence[str], l2: float, folds: int, seed: int = 0
) -> dict[str, dict[str, Any]]:
    """{set: {"hybrid": nDCG@10, "kfold": (Δ, se), "kfold-both": (Δ, se), "cross": (Δ, se)}}, each
    on held-out queries only."""
    groups = {n: groups_of(ds) for n, ds in sets.items()}
    fold = {n: np.random.default_rng(seed).permutation(len(g)) % folds for n, g in groups.items()}
    out: dict[str, dict[str, Any]] = {}
    for name, ds in sets.items():
        base = [g.base for g in groups[name]]
        row: dict[str, Any] = {"hybrid": round(ndcg(ds, base), 4)}
        for proto in ("kfold", "kfold-both"):
            scores: list[FloatArray] = [g.base for g in groups[name]]
            for f in range(folds):
                train_on = [
                    g
                    for n in (sets if proto == "kfold-both" else [name])
                    for g, k in zip(groups[n], fold[n], strict=True)
                    if k != f
                ]
                model = train(train_on, features=features, l2=l2)
                test = [q for q in range(len(groups[name])) if fold[name][q] == f]
                for q, s in zip(test, _scores(model, [groups[name][q] for q in test]), strict=True):
                    scores[q] = s
            row[proto] = delta(ds, scores, base)
        others = [g for n in sets if n != name for g in groups[n]]
        if others:
            row["cross"] = delta(ds, _scores(train(others, features=features, l2=l2), groups[name]), base)
        out[name] = row
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    p.add_argument("--model-dir", type=Path, default=Path("data/models/multilingual-e5-small"))
    p.add_argument("--cache-dir", type=Path, default=Path("data/cache"))
    p.add_argument("--features", default=",".join(FEATURES), help=f"comma-separated subset of {FEATURES}")
    p.add_argument("--l2", type=float, default=1.0)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--write-model", type=Path, help="train on both sets' judgements and write the JSON model")
    args = p.parse_args(argv)
    from embeddings.encoder import load_encoder

    sets = load_sets(eval_dir=args.eval_dir, encoder=load_encoder(args.model_dir), cache_root=args.cache_dir)
    features = [f for f in args.features.split(",") if f]
    result: dict[str, Any] = {"features": features, "l2": args.l2, "folds": args.folds}
    result.update(protocols(sets, features=features, l2=args.l2, folds=args.folds))
    print(json.dumps(result, ensure_ascii=False))
    if args.write_model:
        model = train(
            [g for ds in sets.values() for g in groups_of(ds)],
            features=features,
            l2=args.l2,
            trained_on="dev judgements: "
            + ", ".join(f"{n} ({len(ds.query_ids)} queries)" for n, ds in sets.items()),
        )
        if model is None:
            print("no model: the judgements gave no usable pair", file=sys.stderr)
            return 1
        model.save(args.write_model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
