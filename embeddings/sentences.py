"""The sentence of one side that carries the technical content both sides share (not boilerplate)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from embeddings.lexical import LexicalIndex, normalize, tokenize
from embeddings.terms import idf, shared_terms
from embeddings.types import Document

SENTENCE_END = re.compile(r"(?<=[。！？；;!?\n])")
# Commercial and administrative lines: budgets, prices, payback, investment, contacts, dates.
BOILERPLATE = re.compile(
    r"投资|回收期|预算|万元|亿元|元/|报价|价格|售价|费用|转让费|许可费|面议|付款|联系|电话|手机|"
    r"邮箱|e-?mail|@|网址|地址|截止|有效期|\d{4}\s*年\s*\d{1,2}\s*月|\d{4}-\d{1,2}-\d{1,2}|合作方式",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    """The sentence of one side that best matches the other side."""

    section: str
    start: int
    end: int
    text: str
    score: float


def is_boilerplate(sentence: str) -> bool:
    """Budget, price, payback, investment, contact or date lines."""
    return bool(BOILERPLATE.search(normalize(sentence)))


@lru_cache(maxsize=256)
def _weights_cached(text: str, lexical: LexicalIndex, version: int) -> dict[str, float]:
    # Bigrams and word-like Latin terms only: lone characters and bare numbers (3年, 1.1万元)
    # made boilerplate lines look similar to each other.
    return {t: lexical.idf(t) for t in set(tokenize(text)) if _informative(t)}


def _informative(token: str) -> bool:
    return len(token) > 1 and not token.replace(".", "").isdigit()


def _overlap(sentence: str, target: dict[str, float]) -> float:
    toks = {t for t in tokenize(sentence) if _informative(t)}
    return sum(target.get(t, 0.0) for t in toks) / math.sqrt(len(toks) or 1)


def best_sentence(
    doc: Document, other: str, *, lexical: LexicalIndex, shared: Sequence[str] | None = None
) -> Sentence | None:
    """The sentence of `doc` holding the most shared technical terms; boilerplate only as a last resort.

    Order: a non-boilerplate sentence with shared terms, then any sentence by the weight of
    the shared terms it holds, then non-boilerplate first; ties by idf-weighted char bigrams
    shared with `other`. `shared` defaults to `shared_terms(doc.text, other)`.
    """
    words = [normalize(t) for t in (shared if shared is not None else shared_terms(doc.text, other))]
    target = _weights_cached(other, lexical, lexical.doc_count)
    best: tuple[tuple[bool, float, bool, float], Sentence] | None = None
    for section, text in doc.sections():
        if section == "keywords":
            continue
        pos = 0
        for piece in SENTENCE_END.split(text):
            start, pos = pos, pos + len(piece)
            stripped = piece.strip()
            if len(stripped) < 4:
                continue
            norm = normalize(stripped)
            term_weight = sum(idf(t) * min(len(t), 4) for t in words if t in norm)
            plain = not is_boilerplate(stripped)
            overlap = _overlap(stripped, target)
            key = (plain and term_weight > 0, term_weight, plain, overlap)
            if best is None or key > best[0]:
                off = start + piece.index(stripped)
                score = round(term_weight + overlap, 4)
                best = (key, Sentence(section, off, off + len(stripped), stripped, score))
    return best[1] if best else None
