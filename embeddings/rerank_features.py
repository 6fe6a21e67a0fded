"""Features of a (query, candidate) pair for the learned re-ranker, from the engine's first stage.

Every feature is a function of the query and the candidate alone (with the query's *context*: its
first-stage pool), never of which other candidates happen to be scored with it. That keeps one
score per pair: a need's ranking, a filtered ranking (a wider candidate list) and `score_pair`
give a pair the same features, so the same corrected score.

- `z_dense`, `z_lexical`: the two channels' z-scores against the corpus background.
- `neighbourhood`: mean cosine of the candidate to the query's top CONTEXT_DOCS first-stage
  documents (itself left out): agreement with what the query is most likely about.
- `dense_rank`, `lexical_rank`: log(1 + rank) of the candidate in each channel's top POOL
  (POOL for anything below), a non-linear view of the channels that z-scores lack.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embeddings.types import FloatArray

IntArray = npt.NDArray[np.int64]

FEATURES: tuple[str, ...] = ("z_dense", "z_lexical", "neighbourhood", "dense_rank", "lexical_rank")
POOL = 100  # each channel's top hits that make up a query's context (fixed: not the candidate count)
CONTEXT_DOCS = 5  # the query's best first-stage documents that `neighbourhood` measures against


@dataclass(frozen=True)
class Context:
    """A query's first-stage pool: each channel's top POOL ids in order, and its best documents."""

    dense_ids: IntArray
    lexical_ids: IntArray
    top_ids: IntArray
    top_vectors: FloatArray


def make_context(
    *, dense_ids: IntArray, lexical_ids: IntArray, fused_ids: IntArray, fused: FloatArray, vectors: FloatArray
) -> Context:
    """The context from each channel's ranked top ids and the fused scores of the pool (`fused_ids`)."""
    order = np.argsort(-fused, kind="stable")[:CONTEXT_DOCS]
    return Context(
        dense_ids=np.asarray(dense_ids[:POOL], np.int64),
        lexical_ids=np.asarray(lexical_ids[:POOL], np.int64),
        top_ids=np.asarray(fused_ids[order], np.int64),
        top_vectors=np.asarray(vectors[order], np.float32),
    )


def _log_rank(ids: IntArray, ranked: IntArray) -> FloatArray:
    where = {int(d): r for r, d in enumerate(ranked.tolist())}
    out: FloatArray = np.log1p([where.get(int(i), POOL) for i in ids.tolist()]).astype(np.float32)
    return out


def neighbourhood(*, ids: IntArray, vectors: FloatArray, context: Context) -> FloatArray:
    """Mean cosine of each candidate to the context's top documents other than itself."""
    if not len(context.top_ids):
        return np.zeros(len(ids), np.float32)
    sims = np.asarray(vectors, np.float32) @ context.top_vectors.T
    own = ids[:, None] == context.top_ids[None, :]
    count = np.maximum(len(context.top_ids) - own.sum(axis=1), 1)
    out: FloatArray = (np.where(own, 0.0, sims).sum(axis=1) / count).astype(np.float32)
    return out


def feature_matrix(
    *, ids: IntArray, vectors: FloatArray, z_dense: FloatArray, z_lexical: FloatArray, context: Context
) -> FloatArray:
    """One row per candidate, columns in `FEATURES` order."""
    cols = [
        np.asarray(z_dense, np.float32),
        np.asarray(z_lexical, np.float32),
        neighbourhood(ids=ids, vectors=vectors, context=context),
        _log_rank(ids, context.dense_ids),
        _log_rank(ids, context.lexical_ids),
    ]
    out: FloatArray = (
        np.column_stack(cols).astype(np.float32) if len(ids) else np.zeros((0, len(FEATURES)), np.float32)
    )
    return out
