"""Explanation parts without the model: terms, spans, sentences."""

from __future__ import annotations

from embeddings.explain import explain, shared_terms, terms
from embeddings.lexical import LexicalIndex
from embeddings.types import Document

NEED = Document.need(
    id=1,
    title="GLP-1药物给药太频繁",
    problem="现有GLP-1受体激动剂需每日注射。希望开发长效缓释制剂，延长给药间隔。",
)
RESULT = Document.result(
    id=2,
    title="GLP-1受体激动剂长效缓释微球",
    summary="本成果采用PLGA微球包载药物。实现每周给药一次的长效缓释，大鼠血糖控制良好。",
)


def test_terms_are_words_not_characters() -> None:
    got = terms("针对GLP-1受体激动剂和CAR-T的研究")
    assert "glp-1" in got and "car-t" in got and "激动剂" in got
    assert all(len(t) > 1 for t in got) and "研究" not in got and "的" not in got


def test_shared_terms_rank_specific_words() -> None:
    shared = shared_terms(NEED.text, RESULT.text)
    assert "GLP-1" in shared and "缓释" in "".join(shared)  # shown as written
    assert not any(t in ("给药", "的") and len(t) < 2 for t in shared)
    assert len(shared) == len(set(shared))


def test_explain_parts() -> None:
    lex = LexicalIndex()
    lex.add_many([(2, RESULT.text)])
    ex = explain(need=NEED, result=RESULT, lexical=lex)
    assert ex.related_terms == [] and ex.fit == []
    sections = dict(RESULT.sections())
    assert ex.result_highlights
    for span in ex.result_highlights:
        assert sections[span.section][span.start : span.end].lower() == span.term.lower()
    assert ex.result_sentence is not None
    assert ex.result_sentence.text in sections[ex.result_sentence.section]
    assert ex.need_sentence is not None and (
        "缓释" in ex.need_sentence.text or "GLP-1" in ex.need_sentence.text
    )
