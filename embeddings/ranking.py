"""Hybrid relevance: dense + lexical candidates, z-score fusion, an optional learned correction,
calibration to 0-100."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from embeddings.index import VectorIndex
from embeddings.lexical import LexicalIndex, LexicalScores
from embeddings.rerank import Reranker
from embeddings.rerank_features import POOL, Context, feature_matrix, make_context
from embeddings.types import FloatArray

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RankConfig:
    """Fusion and calibration settings (tuned on the dev set; see docs/eval.md)."""

    dense_weight: float = 0.8
    lexical_weight: float = 0.2
    candidates: int = 100  # per channel, before fusion
    prf_docs: int = 0  # dense pseudo-relevance feedback (0 = off)
    prf_weight: float = 0.0
    # fused z (sigmas above the corpus background) -> 0-100 via a fixed logistic
    calib_center: float = 5.0
    calib_scale: float = 1.5
    background_sample: int = 2048
    # prior corpus background (e5-small, query: prefix, dev set) blended in with weight
    # prior_docs so z-scores stay sane on tiny corpora
    dense_prior: tuple[float, float] = (0.83, 0.02)
    lexical_prior: tuple[float, float] = (0.01, 0.02)
    prior_docs: int = 200
    # learned correction of the fused z (embeddings/rerank.py); None = the fused ranking as is
    reranker: Reranker | None = None


@dataclass(frozen=True)
class Relevance:
    """Candidate ids with raw and normalised channel scores and the fused score."""

    ids: IntArray
    dense: FloatArray
    lexical: FloatArray
    z_dense: FloatArray
    z_lexical: FloatArray
    fused: FloatArray
    base: FloatArray | None = None  # the fused z before the re-ranker's correction (None: not re-ranked)
    features: FloatArray | None = None  # the re-ranker's feature rows (embeddings.rerank_features)


def blend(sample: FloatArray, *, prior: tuple[float, float], weight: int) -> tuple[float, float]:
    """Mean and std of a score sample, shrunk toward a prior worth `weight` documents."""
    n = int(sample.size)
    mu0, sd0 = prior
    if n == 0:
        return mu0, sd0
    mu = (n * float(sample.mean()) + weight * mu0) / (n + weight)
    var = (n * float(sample.var()) + weight * sd0**2) / (n + weight)
    return mu, max(var, 1e-12) ** 0.5


def calibrate(fused: FloatArray, *, config: RankConfig) -> FloatArray:
    """Fixed monotone map of fused z-scores to 0-100."""
    z = (np.asarray(fused, dtype=np.float64) - config.calib_center) / config.calib_scale
    return (100.0 / (1.0 + np.exp(-z))).astype(np.float32)


class Ranker:
    """Scores a query vector + text against one side's vector and lexical indexes."""

    def __init__(self, *, vectors: VectorIndex, lexical: LexicalIndex, config: RankConfig) -> None:
        """Wrap the two indexes of the target side."""
        self.vectors, self.lexical, self.config = vectors, lexical, config
        self._sample: tuple[int, FloatArray] | None = None

    def _dense_background(self, q: FloatArray) -> tuple[float, float]:
        version = self.vectors.version
        if self._sample is None or self._sample[0] != version:
            ids = self.vectors.ids()
            n = min(len(ids), self.config.background_sample)
            pick = np.random.default_rng(0).choice(len(ids), size=n, replace=False)
            self._sample = (version, self.vectors.vectors(np.sort(ids[pick])))
        sims = self._sample[1] @ q
        return blend(sims, prior=self.config.dense_prior, weight=self.config.prior_docs)

    def relevance(self, *, query_vector: FloatArray, query_text: str) -> Relevance:
        """Fused relevance of the best candidates of both channels."""
        cfg = self.config
        empty = np.zeros(0, np.float32)
        if len(self.vectors) == 0:
            return Relevance(np.zeros(0, np.int64), empty, empty, empty, empty, empty)
        q = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        with self.vectors.lock.read():
            _, dense_ids = self.vectors.search(q[None, :], k=cfg.candidates)
            lex = self.lexical.score_all(query_text)
            k = min(cfg.candidates, len(lex.scores))
            lex_top = lex.ids[np.argpartition(-lex.scores, k - 1)[:k]] if k else lex.ids[:0]
            store = self.vectors
            cand = [i for i in dict.fromkeys([*dense_ids[0].tolist(), *lex_top.tolist()]) if i in store]
            ids = np.array(cand, dtype=np.int64)
            vecs = self.vectors.vectors(ids)
            lexical = lex.lookup(ids)
            l_mu, l_sd = blend(lex.live_scores(), prior=cfg.lexical_prior, weight=cfg.prior_docs)
            z_l = ((lexical - l_mu) / l_sd).astype(np.float32)
            rel = self._fuse(q, ids, vecs, lexical, z_l)
            if cfg.prf_docs and cfg.prf_weight and len(ids):
                # Rocchio on the fused first pass: move the query toward its top hits, re-score candidates
                top = np.argsort(-rel.fused)[: cfg.prf_docs]
                q2 = q + cfg.prf_weight * vecs[top].mean(axis=0)
                rel = self._fuse(
                    (q2 / (np.linalg.norm(q2) or 1.0)).astype(np.float32), ids, vecs, lexical, z_l
                )
            if cfg.reranker is not None and len(ids):
                ctx = self._context(q, lex, dense_ids[0] if cfg.candidates == POOL else None)
                rel = _corrected(rel, vecs, ctx, cfg.reranker)
        return rel

    def pair(
        self, *, query_vector: FloatArray, query_text: str, target_id: int, with_features: bool = False
    ) -> Relevance:
        """Fused relevance of one indexed document, on the same scale as `relevance` (the same
        correction too: its features depend on the query's pool, not on a candidate list).
        `with_features` computes the re-ranker's features even when no re-ranker is set."""
        cfg = self.config
        q = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        with self.vectors.lock.read():
            if target_id not in self.vectors:
                empty = np.zeros(0, np.float32)
                return Relevance(np.zeros(0, np.int64), empty, empty, empty, empty, empty)
            ids = np.array([target_id], dtype=np.int64)
            lex = self.lexical.score_all(query_text)
            lexical = lex.lookup(ids)
            l_mu, l_sd = blend(lex.live_scores(), prior=cfg.lexical_prior, weight=cfg.prior_docs)
            z_l = ((lexical - l_mu) / l_sd).astype(np.float32)
            vecs = self.vectors.vectors(ids)
            rel = self._fuse(q, ids, vecs, lexical, z_l)
            if cfg.reranker is not None or with_features:
                rel = _corrected(rel, vecs, self._context(q, lex, None), cfg.reranker)
            return rel

    def _context(self, q: FloatArray, lex: LexicalScores, dense_ranked: IntArray | None) -> Context:
        """The query's pool: each channel's top POOL ids in order, fused to find its best documents."""
        cfg = self.config
        if dense_ranked is None:
            dense_ranked = self.vectors.search(q[None, :], k=POOL)[1][0]
        dense_ranked = np.array([i for i in dense_ranked[:POOL].tolist() if i >= 0], np.int64)
        live = np.flatnonzero((lex.ids >= 0) & (lex.scores > 0))
        k = min(POOL, len(live))
        top = live[np.argpartition(-lex.scores[live], k - 1)[:k]] if k else live
        top = top[np.lexsort((lex.ids[top], -lex.scores[top]))]  # best first, ties by id
        lexical_ranked = lex.ids[top].astype(np.int64)
        both = dict.fromkeys([*dense_ranked.tolist(), *lexical_ranked.tolist()])
        pool = np.array([i for i in both if i in self.vectors], np.int64)
        vecs = self.vectors.vectors(pool)
        lexical = lex.lookup(pool)
        l_mu, l_sd = blend(lex.live_scores(), prior=cfg.lexical_prior, weight=cfg.prior_docs)
        fused = self._fuse(q, pool, vecs, lexical, ((lexical - l_mu) / l_sd).astype(np.float32)).fused
        return make_context(
            dense_ids=dense_ranked, lexical_ids=lexical_ranked, fused_ids=pool, fused=fused, vectors=vecs
        )

    def _fuse(
        self, q: FloatArray, ids: IntArray, vecs: FloatArray, lexical: FloatArray, z_l: FloatArray
    ) -> Relevance:
        cfg = self.config
        dense = (vecs @ q).astype(np.float32)
        d_mu, d_sd = self._dense_background(q)
        z_d = ((dense - d_mu) / d_sd).astype(np.float32)
        fused = (cfg.dense_weight * z_d + cfg.lexical_weight * z_l).astype(np.float32)
        return Relevance(ids, dense, lexical, z_d, z_l, fused)


def _corrected(rel: Relevance, vecs: FloatArray, ctx: Context, reranker: Reranker | None) -> Relevance:
    """`rel` with its features, and its fused z corrected by `reranker` when there is one."""
    x = feature_matrix(ids=rel.ids, vectors=vecs, z_dense=rel.z_dense, z_lexical=rel.z_lexical, context=ctx)
    if reranker is None:
        return replace(rel, features=x)
    fused = (rel.fused + reranker.shift(x)).astype(np.float32)
    return replace(rel, fused=fused, base=rel.fused, features=x)


def split_points(
    *, relevance: float, z_dense: float, z_lexical: float, config: RankConfig
) -> tuple[float, float]:
    """Split relevance points between semantic and lexical by their positive contributions."""
    d = config.dense_weight * max(z_dense, 0.0)
    lx = config.lexical_weight * max(z_lexical, 0.0)
    total = d + lx
    if total <= 0 or math.isnan(total):
        return relevance, 0.0
    return relevance * d / total, relevance * lx / total
