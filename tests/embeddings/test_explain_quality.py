"""Explanations that hold up: whole-word shared terms, related terms above the measured
threshold only, and a best sentence with technical content (issue 11's bad cases)."""

from __future__ import annotations

import pytest

from embeddings.explain import RELATED_THRESHOLD, explain, related_terms
from embeddings.lexical import LexicalIndex
from embeddings.sentences import best_sentence, is_boilerplate
from embeddings.terms import learn_vocabulary, learned_vocabulary, shared_terms, tokens
from embeddings.types import Document
from tests.embeddings.kit import model_dir

KILN_NEED = "我厂窑炉节能改造停产周期太长，希望找到不停产完成余热回收改造的技术。"
KILN_RESULT = "本成果针对工业锅炉与窑炉，余热回收系统模块化安装，节能改造停机时间缩短至3天，能耗下降15%。"


def test_shared_terms_never_cross_a_word_boundary() -> None:
    shared = shared_terms(KILN_NEED, KILN_RESULT)
    assert "改造停" not in shared and not any("改造停" in t for t in shared)
    assert "窑炉" in shared and "余热回收" in shared
    for term in shared:  # every shared term is a run of whole words of both texts
        for text in (KILN_NEED, KILN_RESULT):
            assert term in "".join(tokens(text)) and _whole_words(term, tokens(text))


def _whole_words(term: str, toks: tuple[str, ...]) -> bool:
    for i in range(len(toks)):
        joined = ""
        for t in toks[i:]:
            joined += t
            if joined == term.lower():
                return True
            if not term.lower().startswith(joined):
                break
    return False


def test_learned_vocabulary_keeps_compounds_whole() -> None:
    corpus = [
        f"奶牛超数排卵处理方案{i}，胚胎移植后产奶量提高。"
        if i % 2
        else f"采用超数排卵技术，第{i}批供体牛效果好。"
        for i in range(8)
    ] + ["其他文本，没有这个词组。"]
    learn_vocabulary(corpus)
    learn_vocabulary(corpus)  # idempotent
    assert "超数排卵" in tokens("奶牛超数排卵后")
    assert all(len(w) >= 3 for w in learned_vocabulary())


BOILER_SUMMARY = (
    "投资回收期3年以内。"
    "本系统采用有机朗肯循环回收窑炉烟气余热发电，适用于200至400摄氏度的中低温烟气。"
    "单位千瓦投资约1.1万元。"
)
BOILER_RESULT = Document.result(id=7, title="工业窑炉烟气余热回收发电系统", summary=BOILER_SUMMARY)
BOILER_NEED = Document.need(
    id=8,
    title="窑炉烟气余热浪费",
    problem="我厂窑炉烟气温度约300摄氏度，余热直接排放，想回收发电。预算要求投资回收期3年以内，单位千瓦投资不超过1.5万元。",
)


def test_best_sentence_is_technical_not_boilerplate() -> None:
    lex = LexicalIndex()
    lex.add_many([(7, BOILER_RESULT.text), (9, "无关的文本，讲水稻育种。")])
    got = best_sentence(BOILER_RESULT, BOILER_NEED.text, lexical=lex)
    assert got is not None and not is_boilerplate(got.text)
    assert "余热" in got.text and "窑炉" in got.text  # the shared technical content
    summary_only = Document.result(id=7, title="", summary=BOILER_SUMMARY)
    got = best_sentence(summary_only, BOILER_NEED.text, lexical=lex)
    assert got is not None and "有机朗肯循环" in got.text
    ex = explain(need=BOILER_NEED, result=BOILER_RESULT, lexical=lex)
    assert ex.result_sentence is not None and "投资" not in ex.result_sentence.text
    assert ex.need_sentence is not None and "投资" not in ex.need_sentence.text


def test_boilerplate_sentence_only_as_last_resort() -> None:
    assert is_boilerplate("投资回收期3年以内") and is_boilerplate("单位千瓦投资约1.1万元")
    assert is_boilerplate("联系电话027-87654321") and not is_boilerplate("采用有机朗肯循环回收余热发电")
    only = Document.result(id=3, title="", summary="投资回收期3年以内。单位千瓦投资约1.1万元。")
    got = best_sentence(only, "投资回收期要短", lexical=LexicalIndex())
    assert got is not None  # nothing else to show: the boilerplate is still better than nothing


@pytest.fixture(scope="module")
def encoder():  # type: ignore[no-untyped-def]
    from embeddings.encoder import load_encoder

    return load_encoder(model_dir())


BAD_PAIRS = [("窑炉", "沸石"), ("产品规格", "酯类"), ("产奶量", "超数排卵"), ("单头", "万头")]


@pytest.mark.slow
@pytest.mark.parametrize(("need_term", "result_term"), BAD_PAIRS)
def test_nonsense_pairs_are_not_related(encoder, need_term: str, result_term: str) -> None:  # type: ignore[no-untyped-def]
    v = encoder.encode([need_term, result_term])
    assert float(v[0] @ v[1]) < RELATED_THRESHOLD  # the rule, on the real model
    need = f"{need_term}的问题需要解决。"
    result = f"本成果涉及{result_term}。"
    got = related_terms(need=need, result=result, shared=[], encoder=encoder)
    assert (need_term, result_term) not in {(r.need_term, r.result_term) for r in got}


@pytest.mark.slow
def test_close_terms_are_still_related(encoder) -> None:  # type: ignore[no-untyped-def]
    for need, result, pair in [
        ("车间噪声太大。", "低频噪音主动控制。", ("噪声", "噪音")),
        ("拍的图像模糊不清。", "遥感影像去噪。", ("图像", "影像")),
    ]:
        got = related_terms(need=need, result=result, shared=[], encoder=encoder)
        assert [(r.need_term, r.result_term) for r in got] == [pair]  # and no noise beside it
