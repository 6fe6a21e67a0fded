"""The real model end to end: loose needs find their results (both directions), explanations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from embeddings.encoder import load_encoder
from embeddings.engine import MatchEngine
from embeddings.explain import RELATED_THRESHOLD
from embeddings.types import Document
from tests.embeddings.kit import EXPECTED, NEEDS, RESULTS, model_dir


@pytest.fixture(scope="module")
def engine() -> Iterator[MatchEngine]:
    e = MatchEngine(encoder=load_encoder(model_dir()))
    e.sync(side="result", docs=RESULTS)
    e.sync(side="need", docs=NEEDS)
    yield e


def test_loose_needs_rank_their_result_first(engine: MatchEngine) -> None:
    for need_id, result_id in EXPECTED.items():
        hits = engine.match_need(need=need_id, k=3)
        assert hits[0].id == result_id, (need_id, [(h.id, h.score) for h in hits])
        assert hits[0].breakdown.relevance > hits[1].breakdown.relevance + 10


def test_results_find_their_needs(engine: MatchEngine) -> None:
    for need_id, result_id in EXPECTED.items():
        assert engine.match_result(result=result_id, k=1)[0].id == need_id


def test_draft_need_and_free_text_search(engine: MatchEngine) -> None:
    draft = Document.need(id=999, title="空气质量监测", problem="想在小区里装便宜的设备测雾霾颗粒浓度")
    assert engine.match_need(need=draft, k=1)[0].id == 5
    assert engine.search(text="淋巴瘤 细胞免疫治疗", side="result", k=1)[0].id == 6
    assert engine.search(text="电池 低温", side="need", k=1)[0].id == 101


def test_explanation_of_a_good_pair(engine: MatchEngine) -> None:
    ex = engine.explain(need=101, result=1)
    assert "电池" in ex.shared_terms and all(len(t) > 1 for t in ex.shared_terms)
    # 冬天≈低温 (0.89) and 掉电≈放电 (0.91) fall below the measured threshold (docs/eval.md)
    assert all(r.similarity >= RELATED_THRESHOLD for r in ex.related_terms)
    need_text = dict(NEEDS[0].sections())
    for span in ex.need_highlights:
        assert need_text[span.section][span.start : span.end] == span.term
    assert ex.result_sentence is not None and ex.need_sentence is not None
    assert "同属新能源与节能领域" in ex.reasons_for and not ex.reasons_against


def test_explanation_reasons_against(engine: MatchEngine) -> None:
    hit = engine.match_need(need=104, k=1, explain=True)[0]
    assert hit.id == 4 and hit.explanation is not None
    against = hit.explanation.reasons_against
    assert "成果成熟度 TRL 4（原理样机），低于需求期望的 TRL 6" in against
    assert "转化方式不匹配：需求仅接受转让，成果仅许可" in against
    assert "预算 100–200 万元，成果报价 300 万元，超出预算" in against
    assert hit.breakdown.fit["trl"] < 0 and hit.score < hit.breakdown.relevance
