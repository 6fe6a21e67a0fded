"""The learned re-ranker: its file, its training, and how the engine uses it."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.engine import MatchEngine
from embeddings.fit import Filters
from embeddings.ranking import RankConfig
from embeddings.rerank import Reranker, RerankerFileError
from embeddings.rerank_features import FEATURES, POOL
from embeddings.rerank_train import Group, train
from embeddings.types import Document, Profile
from tests.embeddings.kit import NEEDS, RESULTS, FakeEncoder

PREDICTIVE = FEATURES.index("neighbourhood")


def _synthetic(rng: np.random.Generator, queries: int = 60, n: int = 40) -> list[Group]:
    """Groups whose base score is noise and whose `neighbourhood` column tells the relevant apart."""
    groups = []
    for _ in range(queries):
        labels = np.zeros(n, np.float32)
        labels[rng.choice(n, size=3, replace=False)] = 1.0
        x = rng.normal(size=(n, len(FEATURES))).astype(np.float32)
        x[:, PREDICTIVE] = labels * 1.5 + rng.normal(scale=0.5, size=n)
        groups.append(Group(base=rng.normal(size=n).astype(np.float32), features=x, labels=labels))
    return groups


def _precision_at_3(groups: list[Group], model: Reranker | None) -> float:
    hits = []
    for g in groups:
        s = g.base if model is None else g.base + model.shift(g.features)
        hits.append(g.labels[np.argsort(-s)[:3]].mean())
    return float(np.mean(hits))


def test_learns_to_rank_by_the_predictive_feature() -> None:
    rng = np.random.default_rng(0)
    model = train(_synthetic(rng))
    assert model is not None
    weights = dict(zip(model.features, model.weights, strict=True))
    assert weights["neighbourhood"] > 5 * max(abs(w) for f, w in weights.items() if f != "neighbourhood")
    held_out = _synthetic(rng)  # new queries
    by_feature_alone = np.mean(
        [g.labels[np.argsort(-g.features[:, PREDICTIVE])[:3]].mean() for g in held_out]
    )
    assert _precision_at_3(held_out, None) < 0.2  # the base score is noise
    assert _precision_at_3(held_out, model) > 0.85 * by_feature_alone


def test_nothing_to_learn_from_gives_no_model() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=5).astype(np.float32)
    one_label = [
        Group(base=base, features=np.zeros((5, len(FEATURES)), np.float32), labels=np.zeros(5, np.float32))
    ]
    assert train(one_label) is None
    assert train([]) is None


def test_json_round_trip_and_refusals() -> None:
    model = Reranker(
        features=("z_dense", "neighbourhood"), weights=(-0.25, 1.5), centers=(3.0, 0.8), trained_on="test"
    )
    again = Reranker.from_json(model.to_json())
    assert again == model
    x = np.zeros((2, len(FEATURES)), np.float32)
    x[1, FEATURES.index("neighbourhood")] = 1.0
    assert np.allclose(again.shift(x), model.shift(x))
    with pytest.raises(RerankerFileError, match="unknown"):
        Reranker.from_json(model.to_json().replace("neighbourhood", "title_hits"))
    with pytest.raises(RerankerFileError, match="format"):
        Reranker.from_json(model.to_json().replace('"format": 1', '"format": 99'))
    with pytest.raises(RerankerFileError):
        Reranker.from_json("{not json")


def _engine(reranker: Reranker | None) -> MatchEngine:
    engine = MatchEngine(encoder=FakeEncoder(), config=RankConfig(reranker=reranker))
    engine.sync(side="result", docs=RESULTS)
    engine.sync(side="need", docs=NEEDS)
    return engine


# Strong enough to turn the fused order around: rank by the lexical channel's rank, against dense.
UPSIDE_DOWN = Reranker(features=("z_dense", "lexical_rank"), weights=(-1.0, -2.0), centers=(0.0, 0.0))


def test_engine_reorders_the_same_candidates_with_one_score_per_pair() -> None:
    base, reranked = _engine(None), _engine(UPSIDE_DOWN)
    everything = len(RESULTS)
    moved = 0
    for need in NEEDS:
        before = base.match_need(need=need.id, k=everything)
        after = reranked.match_need(need=need.id, k=everything)
        assert {m.id for m in after} == {m.id for m in before}  # no candidate invented or lost
        moved += [m.id for m in after] != [m.id for m in before]
        for m in after:
            assert 0.0 <= m.score <= 100.0
            assert reranked.score_pair(need=need.id, result=m.id).score == m.score
        assert [m.score for m in after] == sorted((m.score for m in after), reverse=True)
    assert moved  # the model did change some order
    for result in RESULTS:  # the other side asking sees the same number for each pair
        for m in reranked.match_result(result=result.id, k=len(NEEDS)):
            assert m.score == reranked.score_pair(need=m.id, result=result.id).score


def test_pair_features_are_those_the_ranking_used() -> None:
    engine = _engine(UPSIDE_DOWN)
    need = NEEDS[0]
    found = engine.pair_features(need=need.id, result=RESULTS[0].id)
    assert found is not None
    base, row = found
    assert row.shape == (len(FEATURES),)
    shifted = base + float(UPSIDE_DOWN.shift(row[None, :])[0])
    plain = _engine(None).pair_features(need=need.id, result=RESULTS[0].id)
    assert plain is not None and plain[0] == pytest.approx(base)
    assert shifted != pytest.approx(base)
    assert engine.pair_features(need=need.id, result=987654) is None


def _crowded(reranker: Reranker | None) -> MatchEngine:
    """More results than a query's pool (POOL per channel), so a widened candidate list reaches
    results outside it; one in nine is in 生物与新医药."""
    extra = [
        Document.result(
            id=1000 + i,
            title=f"方案{i}",
            summary=RESULTS[i % len(RESULTS)].body[i % 7 :] + f"第{i}批次中试数据。",
            profile=Profile(field="biomedicine" if i % 9 == 0 else "new_energy"),
        )
        for i in range(3 * POOL)
    ]
    engine = MatchEngine(encoder=FakeEncoder(), config=RankConfig(reranker=reranker))
    engine.sync(side="result", docs=[*RESULTS, *extra])
    engine.sync(side="need", docs=NEEDS)
    return engine


EVERY_FEATURE = Reranker(
    features=FEATURES, weights=(0.5, -0.5, 20.0, -1.0, 1.0), centers=(0.0,) * len(FEATURES)
)


def test_a_filtered_ranking_gives_a_pair_the_same_corrected_score() -> None:
    engine = _crowded(EVERY_FEATURE)
    everything = engine.count(side="result")
    for need in NEEDS:
        unfiltered = {m.id: m.score for m in engine.match_need(need=need.id, k=everything)}
        # fewer than k pass the filter, so the engine widens its candidate list tenfold
        filtered = engine.match_need(need=need.id, k=30, filters=Filters(fields=frozenset({"biomedicine"})))
        assert len(filtered) >= 10
        outside = 0
        for m in filtered:
            assert m.score == engine.score_pair(need=need.id, result=m.id).score
            assert m.score == unfiltered.get(m.id, m.score)
            outside += m.id not in unfiltered
        assert outside  # some were found only by the widened list, outside the query's pool
