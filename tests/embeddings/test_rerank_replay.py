"""Replay of decisions: a learned ranking is used only when enough later decisions say it wins."""

from __future__ import annotations

import numpy as np

from embeddings.rerank_features import FEATURES
from embeddings.rerank_replay import MIN_DECISIONS, Example, auc, replay

PREDICTIVE = FEATURES.index("neighbourhood")


def _decisions(n: int, *, predictive: bool, seed: int = 0) -> list[Example]:
    """Decisions in time order, positive one time in three; the base score is noise."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        label = int(rng.random() < 1 / 3)
        x = rng.normal(size=len(FEATURES)).astype(np.float32)
        if predictive:
            x[PREDICTIVE] += 1.5 * label
        out.append(Example(base=float(rng.normal()), features=x, label=label))
    return out


def test_too_few_decisions_keep_the_base_ranking() -> None:
    report, model = replay(_decisions(MIN_DECISIONS - 1, predictive=True))
    assert model is None and not report.active
    assert report.base_auc is None and report.learned_auc is None
    assert "决策记录不足" in report.reason and "base ranking stands" in report.reason


def test_enough_predictive_decisions_activate_a_model_that_wins_on_later_ones() -> None:
    report, model = replay(_decisions(400, predictive=True))
    assert report.active and model is not None
    assert report.train == 280 and report.held_out == 120
    assert report.base_auc is not None and report.learned_auc is not None
    assert report.learned_auc > report.base_auc + 0.2
    assert dict(zip(model.features, model.weights, strict=True))["neighbourhood"] > 0


def test_decisions_that_teach_nothing_leave_the_ranking_alone() -> None:
    report, model = replay(_decisions(400, predictive=False))
    assert not report.active and model is None
    assert report.base_auc is not None


def test_auc_counts_pairs_in_the_right_order() -> None:
    assert auc(np.array([3.0, 2.0, 1.0], np.float32), [1, 0, 0]) == 1.0
    assert auc(np.array([1.0, 2.0, 3.0], np.float32), [1, 0, 0]) == 0.0
    assert auc(np.array([1.0, 1.0], np.float32), [1, 0]) == 0.5
