"""Replay evaluation of a re-ranker learned from decisions: train on the earlier, test on the later.

The examples are decided pairs in time order, each with its uncorrected fused z (`base`), its
features and a label (1 wanted, 0 turned down). The metric is the share of (positive, negative)
pairs of the held-out period that a ranking orders right (ties count half: the AUC), for the
base ranking (the fused z, no re-ranker) and for the learned one. Scores compare across needs because the fused z is
calibrated against the corpus background, so positives and negatives of different needs can be
paired. The learned model is activated only when

- there are at least MIN_DECISIONS usable decisions, and the held-out period (the latest
  HELD_OUT share) holds at least MIN_EACH positives and MIN_EACH negatives: with 30 of each the
  AUC's standard error is about 0.06 (Hanley & McNeil, at AUC 0.75), so a smaller test set cannot
  tell a real gain from luck; 200 decisions hold 60 in that period, 30 of each if balanced;
- and it beats the base ranking on the held-out period, surely: the AUC gain is positive in
  at least CONFIDENCE of BOOTSTRAP paired resamples of the held-out decisions (seeded). A fixed
  margin is not enough: on 120 held-out decisions of pure noise a learned model "won" by 0.045.
An activated model is then re-trained on every decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.rerank import Reranker
from embeddings.rerank_train import Group, train
from embeddings.types import FloatArray

MIN_DECISIONS = 200
MIN_EACH = 30
HELD_OUT = 0.3
BOOTSTRAP = 500
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Example:
    """One decided pair, in time order: its base score, feature row and label."""

    base: float
    features: FloatArray
    label: int


@dataclass(frozen=True)
class Replay:
    """What the replay found, and whether the learned ranking is to be used."""

    decisions: int
    train: int
    held_out: int
    held_out_positive: int
    held_out_negative: int
    base_auc: float | None
    learned_auc: float | None
    active: bool
    reason: str


def auc(scores: FloatArray, labels: Sequence[int]) -> float:
    """Share of (positive, negative) pairs scored in the right order; ties count half."""
    s = np.asarray(scores, np.float64)
    y = np.asarray(labels) > 0
    pos, neg = s[y], s[~y]
    right = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(right / (len(pos) * len(neg)))


def sure_gain(learned: FloatArray, base: FloatArray, labels: Sequence[int]) -> float:
    """Share of paired bootstrap resamples of the decisions in which `learned` orders more pairs right."""
    rng = np.random.default_rng(0)
    y = np.asarray(labels)
    wins = 0
    for _ in range(BOOTSTRAP):
        pick = rng.integers(0, len(y), len(y))
        if 0 < y[pick].sum() < len(pick):
            wins += auc(learned[pick], y[pick].tolist()) > auc(base[pick], y[pick].tolist())
    return wins / BOOTSTRAP


def _group(examples: Sequence[Example]) -> Group:
    return Group(
        base=np.array([e.base for e in examples], np.float32),
        features=np.stack([e.features for e in examples]).astype(np.float32),
        labels=np.array([e.label for e in examples], np.float32),
    )


def replay(examples: Sequence[Example]) -> tuple[Replay, Reranker | None]:
    """The replay's figures and, when it wins, the model trained on every decision (else None)."""
    n = len(examples)
    cut = n - round(n * HELD_OUT)
    test = list(examples[cut:])
    pos = sum(1 for e in test if e.label > 0)
    neg = len(test) - pos
    counts = dict(decisions=n, train=cut, held_out=len(test), held_out_positive=pos, held_out_negative=neg)
    if n < MIN_DECISIONS or pos < MIN_EACH or neg < MIN_EACH:
        why = (
            f"决策记录不足（{n} 条，留出期 {pos} 正 / {neg} 负；至少需要 {MIN_DECISIONS} 条且留出期各 {MIN_EACH} 条），"
            f"沿用基础排序。 Too few decisions: the base ranking stands."
        )
        return Replay(**counts, base_auc=None, learned_auc=None, active=False, reason=why), None
    model = train([_group(examples[:cut])], head=None, trained_on=f"decisions (replay, {cut} earliest)")
    held = _group(test)
    labels = held.labels.astype(int).tolist()
    base_auc = auc(held.base, labels)
    learned = held.base if model is None else (held.base + model.shift(held.features)).astype(np.float32)
    learned_auc = auc(learned, labels) if model is not None else None
    sure = sure_gain(learned, held.base, labels) if model is not None else 0.0
    if learned_auc is None or sure < CONFIDENCE:
        shown = f"{learned_auc:.3f}" if learned_auc is not None else "—"
        why = (
            f"学习到的排序在留出期未胜过基础排序（AUC {shown} 对 "
            f"{base_auc:.3f}，{sure:.0%} 的重抽样中更好），沿用基础排序。"
            f" The learned ranking does not surely beat the base ranking, which stands."
        )
        return Replay(**counts, base_auc=base_auc, learned_auc=learned_auc, active=False, reason=why), None
    final = train([_group(examples)], head=None, trained_on=f"decisions ({n}, replay AUC {learned_auc:.3f})")
    why = (
        f"学习到的排序在留出期胜过基础排序（AUC {learned_auc:.3f} 对 {base_auc:.3f}），已启用。"
        f" The learned ranking beats the base ranking on later decisions and is now active."
    )
    return Replay(
        **counts, base_auc=base_auc, learned_auc=learned_auc, active=final is not None, reason=why
    ), final
