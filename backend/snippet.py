"""The excerpt a search card shows: the part of a posting around the query's words, highlighted.

Only whole words the query and the posting share are marked (the segmenter of the explanations,
so 废水处理 marks 废水, never a fragment across a word boundary).
"""

import re

from markupsafe import Markup

from backend.highlight import highlight
from embeddings.terms import query_terms, shared_terms, terms

EXCERPT_CHARS = 72
LEAD_CHARS = 12  # context kept before the first marked word when the excerpt starts mid-text


def excerpt(text: str | None, query: str | None = None, *, width: int = EXCERPT_CHARS) -> Markup:
    """`width` characters of `text` (escaped), starting near the first word shared with `query`."""
    text = text or ""
    words: list[str] = []
    if query and query.strip():
        in_text = set(terms(text))
        words = shared_terms(query, text) + [t for t in query_terms(query) if t in in_text]
    low = text.lower()
    found = sorted(
        ((m.start(), m.end()) for w in set(words) for m in re.finditer(re.escape(w.lower()), low)),
        key=lambda ab: (ab[0], -ab[1]),
    )
    start = 0
    if found and found[0][1] > width:
        start = max(0, found[0][0] - LEAD_CHARS)
    end = min(len(text), start + width)
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    spans, last = [], start
    for a, b in found:
        if a >= last and b <= end:
            spans.append({"start": a + shift, "end": b + shift, "kind": "shared"})
            last = b
    return highlight(prefix + text[start:end] + suffix, spans)
