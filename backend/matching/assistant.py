"""The posting-writing assistant: what a draft lacks for good matches, the words the other side
uses for the same thing, and how strongly the draft matches now, recomputed as the user types.

Hints are judged from the typed text and fields (a number in the indicators, an application
scene, maturity, budget or 面议, a deadline). Suggested terms are the keywords of the postings
on the other side that match the draft at least weakly and that the viewer may see, weighted by
their scores, minus what the draft already says. The strength is the draft's best match score,
computed by the engine exactly as the preview and the match lists compute it.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from embeddings.engine import MatchEngine
from embeddings.strength import BANDS, display_score, strength_band
from embeddings.types import FIELD_LABELS, Document, Profile, other_side

Kind = Literal["need", "result"]
MAX_TERMS = 6
MATCHES_CONSULTED = 8
# Terms come only from postings in a named band (弱相关 or better): below it they are noise.
MIN_SOURCE_SCORE = next(b.min_score for b in BANDS if b.key == "weak")
_NUMBER = re.compile(r"\d")
_SCENE = re.compile(r"用于|应用|场景|工况|产线|生产线|车间|现场|设备|工艺|环节|工序|装置|场站|系统中")
_SPLIT = re.compile(r"[,，、;；\s]+")
MIN_PROBLEM_CHARS = 60


@dataclass(frozen=True)
class Hint:
    """Something the draft lacks, and the form field where it belongs."""

    field: str
    text: str


@dataclass(frozen=True)
class Suggestion:
    """A term the best-matching postings of the other side use, and how many of them do."""

    term: str
    used_by: int


@dataclass(frozen=True)
class DraftStrength:
    """The draft's best match: its score as shown everywhere, the band, and the posting."""

    score: int
    label: str
    key: str
    title: str
    url: str


@dataclass
class Advice:
    """Everything the assistant panel shows for one draft."""

    hints: list[Hint] = field(default_factory=list)
    terms: list[Suggestion] = field(default_factory=list)
    strength: DraftStrength | None = None
    engine_on: bool = True


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def _checked(values: Mapping[str, Any], name: str) -> bool:
    return _text(values, name).lower() in ("1", "true", "on", "yes")


def keywords_of(values: Mapping[str, Any]) -> list[str]:
    """The typed keywords (comma / 、 separated), as the form will read them."""
    raw = values.get("keywords")
    items = raw if isinstance(raw, list) else _SPLIT.split(raw if isinstance(raw, str) else "")
    return list(dict.fromkeys(str(w).strip() for w in items if str(w).strip()))


def hints(kind: Kind, values: Mapping[str, Any]) -> list[Hint]:
    """What the draft lacks for good matches, in the order of the form."""
    body_name, body_word = ("problem", "问题描述") if kind == "need" else ("summary", "成果简介")
    numbers_name = "indicators" if kind == "need" else "advantages"
    body, numbers = _text(values, body_name), _text(values, numbers_name)
    out: list[Hint] = []
    if len(body) < MIN_PROBLEM_CHARS:
        what = "现状、痛点和已尝试的办法" if kind == "need" else "原理、关键技术和已验证的效果"
        out.append(Hint(body_name, f"{body_word}偏短（{len(body)} 字）：写清{what}，匹配会更准"))
    if not _NUMBER.search(numbers):
        example = "如“染菌率低于 1%”“载量≥45 mg/mL”" if kind == "need" else "如“效率提高 15%”“寿命 2000 次”"
        word = "技术指标" if kind == "need" else "技术优势"
        out.append(Hint(numbers_name, f"{word}里还没有可量化的数字：给出希望达到或已达到的指标，{example}"))
    if not _SCENE.search(body + numbers + _text(values, "title")):
        scene = "在什么设备、产线或工况下使用" if kind == "need" else "适用于哪些行业、设备或工况"
        out.append(Hint(body_name, f"说明应用场景：{scene}"))
    if len(keywords_of(values)) < 3:
        out.append(Hint("keywords", "补充 3–5 个关键词，可直接点选下方对方常用说法"))
    trl_name = "trl_wanted" if kind == "need" else "trl"
    if not _text(values, trl_name):
        out.append(Hint(trl_name, "选择成熟度（TRL），对方据此判断能否直接应用"))
    if kind == "need":
        if not (
            _text(values, "budget_min")
            or _text(values, "budget_max")
            or _checked(values, "budget_negotiable")
        ):
            out.append(Hint("budget_min", "填写预算范围，或勾选“预算面议”"))
        if not _text(values, "valid_until"):
            out.append(Hint("valid_until", "设置有效期（截止日期），让成果方知道时间要求"))
    elif not (_text(values, "price") or _checked(values, "price_negotiable")):
        out.append(Hint("price", "填写参考报价（万元），或注明面议"))
    return out


def draft_document(kind: Kind, values: Mapping[str, Any]) -> Document:
    """The engine's view of a half-written draft (id 0: never in an index)."""
    code = _text(values, "field")
    trl = _text(values, "trl_wanted" if kind == "need" else "trl")
    profile = Profile(
        field=code if code in FIELD_LABELS else None,
        trl=int(trl) if trl.isdigit() and 1 <= int(trl) <= 9 else None,
        region=_text(values, "region") or None,
    )
    keywords = keywords_of(values)
    if kind == "need":
        return Document.need(
            id=0,
            title=_text(values, "title"),
            problem=_text(values, "problem"),
            indicators=_text(values, "indicators"),
            keywords=keywords,
            profile=profile,
        )
    return Document.result(
        id=0,
        title=_text(values, "title"),
        summary=_text(values, "summary"),
        advantages=_text(values, "advantages"),
        keywords=keywords,
        profile=profile,
    )


def suggest_terms(
    engine: MatchEngine, draft: Document, *, visible: Callable[[list[int]], set[int]], n: int = MAX_TERMS
) -> tuple[list[Suggestion], list[tuple[int, float]]]:
    """Keywords of the visible, at least weakly matching postings of the other side that the draft
    does not use yet, most used (score-weighted) first; and the visible matches, best first."""
    hits = (
        engine.match_need(need=draft, k=MATCHES_CONSULTED)
        if draft.side == "need"
        else (engine.match_result(result=draft, k=MATCHES_CONSULTED))
    )
    allowed = visible([h.id for h in hits])
    shown = [(h.id, h.score) for h in hits if h.id in allowed]
    other = other_side(draft.side)
    said = draft.text.lower()
    weight: dict[str, float] = defaultdict(float)
    users: dict[str, int] = defaultdict(int)
    for doc_id, score in shown:
        if score < MIN_SOURCE_SCORE:
            continue
        doc = engine.document(side=other, doc_id=doc_id)
        for word in dict.fromkeys(doc.keywords if doc else ()):
            if word.lower() not in said:
                weight[word] += score
                users[word] += 1
    ranked = sorted(weight, key=lambda w: (-users[w], -weight[w], w))
    return [Suggestion(w, users[w]) for w in ranked[:n]], shown


def strength_of(score: float, *, title: str, url: str) -> DraftStrength:
    """A best match as the panel shows it (the same number and band as every other page)."""
    band = strength_band(score)
    return DraftStrength(display_score(score), band.label, band.key, title, url)
