"""The `highlight` template filter: escaped text with matched terms wrapped in <mark>.

The text is escaped piece by piece and only our own tags are added, so a posting that
contains HTML can never inject markup, whatever the spans say.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

KINDS = {"shared": "hl-shared", "related": "hl-related"}


def _get(span: Any, name: str) -> Any:
    return span[name] if isinstance(span, Mapping) else getattr(span, name)


def highlight(text: str | None, spans: Iterable[Any] | None = None) -> Markup:
    """`text` escaped, with each [start, end) span wrapped in <mark>; bad or overlapping spans are skipped."""
    text = text or ""
    ordered = sorted(
        ((int(_get(s, "start")), int(_get(s, "end")), s) for s in spans or ()), key=lambda t: t[:2]
    )
    out: list[str] = []
    pos = 0
    for start, end, span in ordered:
        if start < pos or end <= start or end > len(text):
            continue
        kind = KINDS.get(str(_get(span, "kind")), "hl-shared")
        title = "双方共有的词" if kind == "hl-shared" else "语义相近的词"
        out.append(escape(text[pos:start]))
        out.append(Markup('<mark class="{}" title="{}">{}</mark>').format(kind, title, text[start:end]))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def shift_spans(
    spans: Iterable[Mapping[str, Any]], *, section: str, start: int, end: int
) -> list[dict[str, Any]]:
    """The spans of `section` that fall inside [start, end), made relative to `start`."""
    return [
        {**s, "start": s["start"] - start, "end": s["end"] - start}
        for s in spans
        if s.get("section") == section and s["start"] >= start and s["end"] <= end
    ]
