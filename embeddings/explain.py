"""Why a need and a result match: shared and related terms, highlights, best sentences, fit reasons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from embeddings.fit import FitItem, assess
from embeddings.lexical import LexicalIndex
from embeddings.sentences import Sentence, best_sentence
from embeddings.terms import STOPWORDS, idf, shared_terms, terms
from embeddings.types import Document, EncoderLike, FloatArray

__all__ = [
    "STOPWORDS",
    "Explanation",
    "RelatedTerm",
    "Sentence",
    "Span",
    "best_sentence",
    "explain",
    "highlights",
    "related_terms",
    "shared_terms",
    "terms",
]
# Cosine of two terms' e5-small vectors above which they are shown as related (measured on the
# dev set, see docs/eval.md "Explanations"): below it, pairs like 窑炉≈沸石 are noise.
RELATED_THRESHOLD = 0.925


@dataclass(frozen=True)
class Span:
    """A character range [start, end) of one section's text to highlight."""

    section: str
    start: int
    end: int
    term: str
    kind: Literal["shared", "related"]


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


def _top_terms(text: str, exclude: set[str], n: int) -> list[str]:
    # Chinese words only: units and codes (mg/ml, g/cm2) embed close to each other by form, not meaning.
    cands = [
        t for t in terms(text) if not t.isascii() and t not in exclude and not any(t in e for e in exclude)
    ]
    return sorted(cands, key=lambda t: -idf(t))[:n]


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
    *, need: str, result: str, shared: list[str], encoder: EncoderLike, threshold: float = RELATED_THRESHOLD
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
        need_sentence=best_sentence(need, result.text, lexical=lexical, shared=shared),
        result_sentence=best_sentence(result, need.text, lexical=lexical, shared=shared),
        fit=fit,
        reasons_for=[i.reason for i in fit if i.verdict == "for"],
        reasons_against=[i.reason for i in fit if i.verdict == "against"],
        notes=[i.reason for i in fit if i.verdict == "neutral"],
    )
