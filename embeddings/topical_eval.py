"""Topical re-scoring ideas re-judged on both dev sets: python -m embeddings.topical_eval.

Each idea re-scores the shipped first stage's candidates (cached, embeddings/rerank_cache.py) and
is reported as Δ nDCG@10 against the shipped hybrid on the same queries, with the paired standard
error of that Δ (per-query differences), for a few settings:
- `dense_rocchio` (m, β): the query vector moved toward its top-m fused hits (β·mean), dense z
  re-computed against the corpus background, fused again (as `RankConfig(prf_docs, prf_weight)`);
- `neighbourhood` (m, γ): fused + γ·(mean cosine of a candidate to the top-m fused hits, itself
  left out, minus its mean over the candidates) / the query's dense background sd;
- `doc_expansion` (k, α): each document vector += α·mean of its k nearest corpus documents;
- `rm3` (m, terms, λ): the lexical query mixed (λ) with the TF-IDF centroid of the top-m fused
  hits cut to its `terms` heaviest terms (RM3-style pseudo-relevance feedback), z against all docs.
No judgement is read before the scores are fixed; the settings are the same for both sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from embeddings.lexical import LexicalIndex
from embeddings.ranking import RankConfig, blend
from embeddings.rerank_cache import DevSet
from embeddings.rerank_eval import delta, load_sets, ndcg
from embeddings.types import FloatArray

CFG = RankConfig()
Idea = Callable[[DevSet, tuple[float, ...]], list[FloatArray]]


def _background(vectors: FloatArray) -> FloatArray:
    """The same 2,048-document sample the Ranker z-scores dense similarities against."""
    n = len(vectors)
    pick = np.random.default_rng(0).choice(n, size=min(n, CFG.background_sample), replace=False)
    out: FloatArray = vectors[np.sort(pick)]
    return out


def _z_dense(sims: FloatArray, background: FloatArray, q: FloatArray) -> FloatArray:
    mu, sd = blend(background @ q, prior=CFG.dense_prior, weight=CFG.prior_docs)
    out: FloatArray = ((sims - mu) / sd).astype(np.float32)
    return out


def _top(ds: DevSet, q: int, m: int) -> np.ndarray:
    return ds.cand[q][np.argsort(-ds.fused[q], kind="stable")[:m]]


def dense_rocchio(ds: DevSet, p: tuple[float, ...]) -> list[FloatArray]:
    m, beta = int(p[0]), p[1]
    bg = _background(ds.doc_vectors)
    out = []
    for q in range(len(ds.cand)):
        q2 = ds.query_vectors[q] + beta * ds.doc_vectors[_top(ds, q, m)].mean(axis=0)
        q2 = (q2 / np.linalg.norm(q2)).astype(np.float32)
        z = _z_dense(ds.doc_vectors[ds.cand[q]] @ q2, bg, q2)
        out.append(CFG.dense_weight * z + CFG.lexical_weight * ds.z_lexical[q])
    return out


def neighbourhood(ds: DevSet, p: tuple[float, ...]) -> list[FloatArray]:
    m, gamma = int(p[0]), p[1]
    bg = _background(ds.doc_vectors)
    out = []
    for q in range(len(ds.cand)):
        top = np.argsort(-ds.fused[q], kind="stable")[:m]
        sims = ds.doc_vectors[ds.cand[q]] @ ds.doc_vectors[ds.cand[q][top]].T
        sims[top, np.arange(len(top))] = np.nan  # itself left out
        nb = np.nanmean(sims, axis=1)
        _, sd = blend(bg @ ds.query_vectors[q], prior=CFG.dense_prior, weight=CFG.prior_docs)
        out.append(ds.fused[q] + gamma * (nb - nb.mean()) / sd)
    return out


def doc_expansion(ds: DevSet, p: tuple[float, ...]) -> list[FloatArray]:
    k, alpha = int(p[0]), p[1]
    v = ds.doc_vectors
    nearest = np.empty((len(v), k), np.int64)
    for start in range(0, len(v), 1024):
        sims = v[start : start + 1024] @ v.T
        sims[np.arange(len(sims)), np.arange(start, start + len(sims))] = -1.0
        nearest[start : start + len(sims)] = np.argpartition(-sims, k, axis=1)[:, :k]
    expanded = v + alpha * v[nearest].mean(axis=1)
    expanded = (expanded / np.linalg.norm(expanded, axis=1, keepdims=True)).astype(np.float32)
    bg = _background(expanded)
    out = []
    for q in range(len(ds.cand)):
        qv = ds.query_vectors[q]
        z = _z_dense(expanded[ds.cand[q]] @ qv, bg, qv)
        out.append(CFG.dense_weight * z + CFG.lexical_weight * ds.z_lexical[q])
    return out


def rm3(ds: DevSet, p: tuple[float, ...]) -> list[FloatArray]:
    m, terms, lam = int(p[0]), int(p[1]), p[2]
    lex = LexicalIndex()
    lex.add_many(enumerate(ds.corpus_texts))
    rows = [lex.text_vector(t) for t in ds.corpus_texts]
    width = 1 + max((c for r in rows for c in r), default=0)
    matrix = sp.csr_matrix(
        (
            [w for r in rows for w in r.values()],
            [c for r in rows for c in r],
            np.cumsum([0, *(len(r) for r in rows)]),
        ),
        shape=(len(rows), width),
        dtype=np.float32,
    )
    out = []
    for q in range(len(ds.cand)):
        query = np.zeros(width, np.float32)
        cols, weights = lex.query_vector(ds.query_texts[q])
        query[cols[cols < width]] = weights[cols < width]
        centroid = np.asarray(matrix[_top(ds, q, m)].mean(axis=0)).ravel()
        cut = np.zeros_like(centroid)
        keep = np.argsort(-centroid)[:terms]
        cut[keep] = centroid[keep]
        mixed = (1 - lam) * query + lam * cut / (np.linalg.norm(cut) or 1.0)
        scores = (matrix @ (mixed / (np.linalg.norm(mixed) or 1.0))).astype(np.float32)
        mu, sd = blend(scores, prior=CFG.lexical_prior, weight=CFG.prior_docs)
        out.append(CFG.dense_weight * ds.z_dense[q] + CFG.lexical_weight * (scores[ds.cand[q]] - mu) / sd)
    return out


IDEAS: dict[str, tuple[Idea, list[tuple[float, ...]]]] = {
    "dense_rocchio": (dense_rocchio, [(3, 0.3), (5, 0.5), (5, 1.0), (10, 0.5)]),
    "neighbourhood": (neighbourhood, [(5, 0.5), (5, 1.0), (10, 1.0), (10, 2.0)]),
    "doc_expansion": (doc_expansion, [(5, 0.2), (5, 0.5), (10, 0.5)]),
    "rm3": (rm3, [(3, 30, 0.3), (5, 30, 0.3), (5, 50, 0.5), (10, 50, 0.3)]),
}


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: one JSON line per idea and setting."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    p.add_argument("--model-dir", type=Path, default=Path("data/models/multilingual-e5-small"))
    p.add_argument("--cache-dir", type=Path, default=Path("data/cache"))
    p.add_argument("--ideas", default=",".join(IDEAS), help=f"comma-separated subset of {list(IDEAS)}")
    args = p.parse_args(argv)
    from embeddings.encoder import load_encoder

    sets = load_sets(eval_dir=args.eval_dir, encoder=load_encoder(args.model_dir), cache_root=args.cache_dir)
    base = {n: ndcg(ds, ds.fused) for n, ds in sets.items()}
    print(json.dumps({"idea": "hybrid (shipped)", **{n: round(v, 4) for n, v in base.items()}}))
    for name in args.ideas.split(","):
        idea, settings = IDEAS[name]
        for setting in settings:
            found = {n: delta(ds, idea(ds, setting), ds.fused) for n, ds in sets.items()}
            print(json.dumps({"idea": name, "setting": setting, **found}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
