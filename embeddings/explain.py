"""Why a need and a result match: shared and related terms, highlights, best sentences, fit reasons."""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jieba
import jieba.analyse
import numpy as np

from embeddings.fit import FitItem, assess
from embeddings.lexical import LATIN, LexicalIndex, normalize, tokenize
from embeddings.types import Document, EncoderLike, FloatArray

jieba.setLogLevel(60)
_JIEBA_LOCK = threading.Lock()
_STOPWORD_TEXT = """
的 了 和 与 及 或 等 在 对 为 是 将 把 被 由 从 以 于 其 该
此 这 那 并 而 且 也 都 就 还 又 很 更 最 一种 一个 一些 我们
本文 本研究 研究 方法 结果 表明 提出 基于 通过 进行 采用 利用 使用
分析 可以 能够 可 能 具有 需要 要求 实现 问题 技术 目前 现有 相关
有效 主要 以及 同时 其中 包括 不同 各种 方面 情况 过程 作用 影响
提高 提升 降低 解决 达到 用于 适用 希望 寻找 寻求 关于 针对 目的
为了 因此 由于 所以 如果 以期 提供 参考 成果 需求 企业 我司
用得 只用 老是 一下 怎么 什么 想要 一直 办法 东西 情况下 公司
项目 产品 系统 应用 方案 领域 国内 国外 较 高 低 好 多 少 大 小
团队 合作 单位 我方 贵方 厂家 客户 批次 在位 min ppm
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
STOP_CHARS = re.compile("[的中及和与在对为了是将把被由从以于其该此并而且也都等或]")
SENTENCE_END = re.compile(r"(?<=[。！？；;!?\n])")
MAX_TERMS = 12
MIN_IDF = 6.0  # jieba idf; below this a word is too common to be a reason


@dataclass(frozen=True)
class Span:
    """A character range [start, end) of one section's text to highlight."""

    section: str
    start: int
    end: int
    term: str
    kind: Literal["shared", "related"]


@dataclass(frozen=True)
class Sentence:
    """The sentence of one side that best matches the other side."""

    section: str
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class RelatedTerm:
    """A need term and a result term the model places close together."""

    need_term: str
    result_term: str
    similarity: float


@dataclass(frozen=True)
class Explanation:
    """Structured reasons for one need/result pair (no HTML)."""

    need_id: int
    result_id: int
    shared_terms: list[str]
    related_terms: list[RelatedTerm]
    need_highlights: list[Span]
    result_highlights: list[Span]
    need_sentence: Sentence | None
    result_sentence: Sentence | None
    fit: list[FitItem]
    reasons_for: list[str]
    reasons_against: list[str]
    notes: list[str]


def _idf(word: str) -> float:
    t = jieba.analyse.default_tfidf
    return float(t.idf_freq.get(word, t.median_idf))


@lru_cache(maxsize=20_000)
def terms(text: str) -> tuple[str, ...]:
    """Content terms of a text: mixed-script terms whole, jieba words of 2+ chars, no stopwords."""
    norm = normalize(text)
    found = [t for t in LATIN.findall(norm) if len(t) > 1 and not t.replace(".", "").isdigit()]
    cjk_only = LATIN.sub(" ", norm)
    with _JIEBA_LOCK:
        words = jieba.lcut(cjk_only, HMM=False)  # no guessed 'new words' such as 散中
    found += [w for w in words if len(w) > 1 and re.fullmatch(r"[\u4e00-\u9fff]+", w)]
    found = [w for w in found if w not in STOPWORDS and (w.isascii() or _idf(w) >= MIN_IDF)]
    return tuple(dict.fromkeys(found))


def _phrases(a: str, b: str) -> set[str]:
    """Common CJK substrings of 3+ chars (catches terms jieba splits differently)."""
    grams = {b[i : i + 2] for i in range(len(b) - 1)}
    out, start = set(), None
    for i in range(len(a)):
        hit = (
            i + 1 < len(a)
            and a[i : i + 2] in grams
            and "\u4e00" <= a[i] <= "\u9fff"
            and "\u4e00" <= a[i + 1] <= "\u9fff"
        )
        if hit and start is None:
            start = i
        if not hit and start is not None:
            for phrase in STOP_CHARS.split(a[start : i + 1]):
                if len(phrase) >= 3 and phrase in b:
                    out.update(_split_long(phrase))
            start = None
    return out


def _split_long(phrase: str) -> list[str]:
    """Long shared phrases read better as their words (plus unknown 3+-char runs)."""
    if len(phrase) <= 6:
        return [phrase]
    with _JIEBA_LOCK:
        words = jieba.lcut(phrase, HMM=True)
    return [w for w in words if len(w) > 1 and w not in STOPWORDS]


def shared_terms(a: str, b: str) -> list[str]:
    """Terms both texts use, most specific first, without terms contained in others."""
    na, nb = normalize(a), normalize(b)
    # Segment only the shorter text (usually the query, so its terms are cached across the ten
    # hits) and look its terms up in the longer one: jieba on every candidate was most of the cost
    # of explaining a ranked list.
    short, long_norm = (a, nb) if len(na) <= len(nb) else (b, na)
    common = {t for t in terms(short) if t in long_norm} | _phrases(na, nb)
    common = {
        t for t in common if t not in STOPWORDS and not any(t in s for s in STOPWORDS if len(s) > len(t))
    }
    ranked = sorted(common, key=lambda t: (-_idf(t) * min(len(t), 4), t))
    kept: list[str] = []
    for t in ranked:
        if not any(t in k or k in t for k in kept):
            kept.append(t)
    return [_original_case(t, a) for t in kept[:MAX_TERMS]]


def _original_case(term: str, text: str) -> str:
    """The term as first written in `text` (terms are matched lower-cased and NFKC-normalised)."""
    at = text.lower().find(term)
    return text[at : at + len(term)] if at >= 0 else term


def _top_terms(text: str, exclude: set[str], n: int) -> list[str]:
    # Chinese words only: units and codes (mg/ml, g/cm2) embed close to each other by form, not meaning.
    cands = [
        t for t in terms(text) if not t.isascii() and t not in exclude and not any(t in e for e in exclude)
    ]
    return sorted(cands, key=lambda t: -_idf(t))[:n]


_TERM_VECS: dict[tuple[str, str], FloatArray] = {}


def _term_vectors(encoder: EncoderLike, words: list[str]) -> FloatArray:
    missing = [w for w in words if (encoder.model_id, w) not in _TERM_VECS]
    if missing:
        for w, v in zip(missing, encoder.encode(missing), strict=True):
            if len(_TERM_VECS) > 50_000:
                _TERM_VECS.clear()
            _TERM_VECS[(encoder.model_id, w)] = v
    return np.stack([_TERM_VECS[(encoder.model_id, w)] for w in words])


def related_terms(
    *, need: str, result: str, shared: list[str], encoder: EncoderLike, threshold: float = 0.89
) -> list[RelatedTerm]:
    """Pairs of non-shared terms whose embeddings are close (term vectors cached)."""
    exclude = set(shared)
    a, b = _top_terms(need, exclude, 8), _top_terms(result, exclude, 12)
    if not a or not b:
        return []
    sims = _term_vectors(encoder, a) @ _term_vectors(encoder, b).T
    pairs: list[RelatedTerm] = []
    used_a, used_b = set(), set()
    for flat in np.argsort(-sims, axis=None):
        i, j = divmod(int(flat), len(b))
        if sims[i, j] < threshold or len(pairs) >= 5:
            break
        if i not in used_a and j not in used_b and a[i] not in b[j] and b[j] not in a[i]:
            pairs.append(RelatedTerm(a[i], b[j], round(float(sims[i, j]), 3)))
            used_a.add(i)
            used_b.add(j)
    return pairs


def highlights(doc: Document, words: list[str], kind: Literal["shared", "related"]) -> list[Span]:
    """Non-overlapping spans of `words` in each section of `doc`."""
    spans: list[Span] = []
    for section, text in doc.sections():
        low, taken = text.lower(), [False] * len(text)
        for w in sorted(words, key=len, reverse=True):
            for m in re.finditer(re.escape(w.lower()), low):
                if not any(taken[m.start() : m.end()]):
                    taken[m.start() : m.end()] = [True] * (m.end() - m.start())
                    spans.append(Span(section, m.start(), m.end(), text[m.start() : m.end()], kind))
    return sorted(spans, key=lambda s: (s.section, s.start))


@lru_cache(maxsize=256)
def _weights_cached(text: str, lexical: LexicalIndex, version: int) -> dict[str, float]:
    return {t: lexical.idf(t) for t in set(tokenize(text))}


def _token_weights(text: str, lexical: LexicalIndex) -> dict[str, float]:
    """idf of each token of `text` (cached per text and index state)."""
    return _weights_cached(text, lexical, lexical.doc_count)


def best_sentence(doc: Document, other: str, *, lexical: LexicalIndex) -> Sentence | None:
    """The sentence of `doc` sharing the most idf-weighted char n-grams with the other side's text."""
    best: Sentence | None = None
    target = _token_weights(other, lexical)
    for section, text in doc.sections():
        if section == "keywords":
            continue
        pos = 0
        for piece in SENTENCE_END.split(text):
            start, pos = pos, pos + len(piece)
            stripped = piece.strip()
            if len(stripped) < 4:
                continue
            toks = set(tokenize(stripped))
            score = sum(target.get(t, 0.0) for t in toks) / math.sqrt(len(toks) or 1)
            if best is None or score > best.score:
                off = start + piece.index(stripped)
                best = Sentence(section, off, off + len(stripped), stripped, round(score, 4))
    return best


def explain(
    *, need: Document, result: Document, lexical: LexicalIndex, encoder: EncoderLike | None = None
) -> Explanation:
    """Explain a need/result pair; pass `encoder` to add model-related terms (slower)."""
    shared = shared_terms(need.text, result.text)
    related = (
        related_terms(need=need.text, result=result.text, shared=shared, encoder=encoder) if encoder else []
    )
    fit = assess(need.profile, result.profile)
    need_hl = highlights(need, shared, "shared") + highlights(need, [r.need_term for r in related], "related")
    res_hl = highlights(result, shared, "shared") + highlights(
        result, [r.result_term for r in related], "related"
    )
    return Explanation(
        need_id=need.id,
        result_id=result.id,
        shared_terms=shared,
        related_terms=related,
        need_highlights=need_hl,
        result_highlights=res_hl,
        need_sentence=best_sentence(need, result.text, lexical=lexical),
        result_sentence=best_sentence(result, need.text, lexical=lexical),
        fit=fit,
        reasons_for=[i.reason for i in fit if i.verdict == "for"],
        reasons_against=[i.reason for i in fit if i.verdict == "against"],
        notes=[i.reason for i in fit if i.verdict == "neutral"],
    )
