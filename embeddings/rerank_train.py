"""Training the linear re-ranker: pairwise logistic regression on one query's candidates at a time.

Each group is one query (a need) with its first-stage candidates, their features and a label per
candidate (a relevance grade, or 1 / 0 for an approved / rejected pairing). Every pair of a group
whose labels differ is one example: the model should score the better one higher. Pairs come
from the head of the first stage, weighted by how much swapping them changes nDCG@10 (plain
all-pairs logistic loss learned to favour the lexical channel over the dense one on the patent
dev set, which ranks far-down relevant documents up and the first page down: −0.03 nDCG@10).
Each group weighs the same, and every weight but the base score's is shrunk (L2; the base score enters as an offset, weight 1) so a small
training set stays close to the base ranking. Deterministic: L-BFGS from a fixed start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from embeddings.rerank import Reranker
from embeddings.rerank_features import FEATURES
from embeddings.types import FloatArray

F64 = npt.NDArray[np.float64]
L2 = 0.01  # shrinkage of the standardised weights, against the mean pair loss
HEAD = 30  # first-stage candidates per group that take part in pairs (besides the labelled-better)


@dataclass(frozen=True)
class Group:
    """One query: the base (fused) score, the feature rows (`FEATURES` order) and labels of its candidates."""

    base: FloatArray
    features: FloatArray
    labels: FloatArray


def pair_rows(g: Group, columns: list[int], *, head: int | None = HEAD) -> tuple[F64, F64]:
    """Differences (better − worse) of [base, features...] for every ordered pair of the group's
    first-stage head, and each pair's weight: the nDCG@10 change of swapping the two in the base
    order (LambdaRank's weight), so pairs that decide the first page count, far-down ones barely.
    `head=None`: every candidate, each pair weighing the same (decisions have no base order)."""
    order = np.argsort(-g.base, kind="stable")
    if head is not None:
        order = order[:head]
    x = np.column_stack([g.base[order], g.features[order][:, columns]]).astype(np.float64)
    lab = g.labels[order].astype(np.float64)
    better, worse = np.nonzero(lab[:, None] > lab[None, :])
    if head is None:
        return x[better] - x[worse], np.ones(len(better))
    gain = 2.0**lab - 1.0
    disc = 1.0 / np.log2(np.arange(len(order)) + 2.0)
    ideal = np.sort(2.0 ** g.labels.astype(np.float64) - 1.0)[::-1][:10]
    idcg = float(ideal @ (1.0 / np.log2(np.arange(len(ideal)) + 2.0))) or 1.0
    weight = np.abs((gain[better] - gain[worse]) * (disc[better] - disc[worse])) / idcg
    return x[better] - x[worse], weight


def count_pairs(groups: Sequence[Group], *, head: int | None = HEAD) -> int:
    """How many training pairs the groups give."""
    return sum(len(pair_rows(g, [], head=head)[0]) for g in groups)


def train(
    groups: Sequence[Group],
    *,
    features: Sequence[str] = FEATURES,
    l2: float = L2,
    head: int | None = HEAD,
    trained_on: str = "",
) -> Reranker | None:
    """The fitted correction (fused' = fused + Σ w·(x − c)), or None when the groups hold no pair."""
    columns = [FEATURES.index(f) for f in features]
    parts = [pair_rows(g, columns, head=head) for g in groups]
    parts = [p for p in parts if len(p[0]) and p[1].sum() > 0]
    if not parts:
        return None
    # each group weighs the same, and the loss is a mean, so `l2` means the same for 1 or 1,000 groups
    weight = np.concatenate([w / w.sum() for _, w in parts]) / len(parts)
    diffs = np.concatenate([d for d, _ in parts])
    offset, x = diffs[:, 0], diffs[:, 1:]
    scale = x.std(axis=0) + 1e-9
    xs = x / scale

    def loss(theta: F64) -> tuple[float, F64]:
        # the base score enters with weight 1 (an offset): shrinking the rest falls back to it
        margin = offset + xs @ theta
        value = float(np.sum(weight * np.logaddexp(0.0, -margin))) + 0.5 * l2 * float(theta @ theta)
        slope = weight * -0.5 * (1.0 - np.tanh(margin / 2.0))  # d/dm log(1 + e^-m), overflow-free
        return value, xs.T @ slope + l2 * theta

    weights = minimize(loss, np.zeros(xs.shape[1]), jac=True, method="L-BFGS-B").x / scale
    centers = _centers(groups, columns)
    return Reranker(
        features=tuple(features),
        weights=tuple(float(w) for w in weights),
        centers=tuple(float(c) for c in centers),
        trained_on=trained_on,
        notes={"groups": len(parts), "pairs": len(diffs), "l2": l2},
    )


def _centers(groups: Sequence[Group], columns: list[int]) -> F64:
    """Mean of each feature over the groups' first-stage top 10, so the average shown pair keeps its score."""
    rows = [g.features[np.argsort(-g.base, kind="stable")[:10]][:, columns] for g in groups if len(g.base)]
    out: F64 = np.concatenate(rows).astype(np.float64).mean(axis=0)
    return out
