"""Match sections of pages: cards with score breakdown, highlights and reasons.

The matching service decides what a viewer may see; this module shapes it for templates
(`matching/_card.html`). Where each pair stands in a pairing is added by `pairings.state`.
"""

from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session

from backend.accounts.models import User
from backend.engine import current as matching_engine
from backend.highlight import shift_spans
from backend.matching import service as matching
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import TRL_LABELS, PostingStatus

ASPECT_LABELS = {"field": "领域", "trl": "成熟度", "mode": "合作方式", "region": "地区", "budget": "预算"}
PREVIEWED = (PostingStatus.draft, PostingStatus.pending, PostingStatus.returned)


@dataclass
class Segment:
    """One part of a score: its label, signed points and width on the 0–100 bar."""

    label: str
    points: float
    kind: Literal["semantic", "lexical", "plus", "minus"]
    width: float = 0.0
    left: float = 0.0


@dataclass
class Quote:
    """A best-matching sentence with the spans to highlight in it."""

    text: str
    spans: list[dict[str, Any]]


@dataclass
class MatchCard:
    """One ranked counterpart as a match card shows it."""

    side: Literal["need", "result"]  # the counterpart's side
    id: int
    title: str
    url: str
    field: str
    region: str
    organisation_name: str | None
    result_trl: int
    trl_wanted: int
    score: float
    segments: list[Segment]
    shared_terms: list[str]
    related_terms: list[tuple[str, str]]
    need_quote: Quote | None
    result_quote: Quote | None
    reasons_for: list[str]
    reasons_against: list[str]
    notes: list[str]
    pair: Any = None  # where the pair stands in a pairing (pairings.state.PairState), set by the page

    @property
    def trl_gap(self) -> int:
        """How many levels the result is below what the need wants (0 if it reaches it)."""
        return max(0, self.trl_wanted - self.result_trl)

    @property
    def trl_text(self) -> str:
        return f"TRL {self.result_trl}（{TRL_LABELS[self.result_trl]}）"


class MatchList(list[MatchCard]):
    """The cards of a match section; `off` when matching is switched off, `preview` for unpublished text."""

    def __init__(self, cards: list[MatchCard] | None = None, *, off: bool = False, preview: bool = False):
        super().__init__(cards or [])
        self.off, self.preview = off, preview


def segments(*, semantic: float, lexical: float, fit: dict[str, float]) -> list[Segment]:
    """The score's parts, laid out on a 0–100 bar: gains stacked, losses hatched over their end."""
    parts = [Segment("语义相关", semantic, "semantic"), Segment("关键词重合", lexical, "lexical")]
    parts += [Segment(ASPECT_LABELS.get(a, a), p, "plus" if p > 0 else "minus") for a, p in fit.items() if p]
    gains = sum(p.points for p in parts if p.points > 0)
    scale = 100.0 / gains if gains > 100 else 1.0
    x = 0.0
    for p in parts:
        if p.points > 0:
            p.left, p.width = x, round(p.points * scale, 2)
            x += p.width
    for p in parts:
        if p.points < 0:
            p.width = round(min(-p.points * scale, x), 2)
            p.left = round(x - p.width, 2)
            x -= p.width
    return parts


def _quote(sentence: dict[str, Any] | None, spans: list[dict[str, Any]]) -> Quote | None:
    if not sentence:
        return None
    where = {"section": sentence["section"], "start": sentence["start"], "end": sentence["end"]}
    return Quote(sentence["text"], shift_spans(spans, **where))


def _card(view: matching.MatchView, *, side: Literal["need", "result"], trl: tuple[int, int]) -> MatchCard:
    other: Any = view.result if isinstance(view, matching.ResultMatch) else view.need  # type: ignore[attr-defined]
    return MatchCard(
        side=side,
        id=other.id,
        title=other.title,
        url=f"/{side}s/{other.id}",
        field=str(other.field),
        region=other.region,
        organisation_name=other.organisation_name,
        result_trl=trl[0],
        trl_wanted=trl[1],
        score=view.score,  # shown through the one `score` filter (display_score)
        segments=segments(semantic=view.semantic, lexical=view.lexical, fit=view.fit_points),
        shared_terms=view.shared_terms,
        related_terms=[(t["need_term"], t["result_term"]) for t in view.related_terms],
        need_quote=_quote(view.need_sentence, view.need_highlights),
        result_quote=_quote(view.result_sentence, view.result_highlights),
        reasons_for=view.reasons_for,
        reasons_against=view.reasons_against,
        notes=view.notes,
    )


def _cards_for_need(session: Session, need: Need, user: User | None, k: int, live: bool) -> MatchList:
    views = matching.results_for_need(session=session, need=need, user=user, k=k)
    return MatchList(
        [_card(v, side="result", trl=(v.result.trl, need.trl_wanted)) for v in views], preview=not live
    )


def _cards_for_result(session: Session, result: Result, user: User | None, k: int, live: bool) -> MatchList:
    views = matching.needs_for_result(session=session, result=result, user=user, k=k)
    return MatchList(
        [_card(v, side="need", trl=(result.trl, v.need.trl_wanted)) for v in views], preview=not live
    )


def _shown(item: Any, can_edit: bool) -> bool | None:
    """True: live matches; False: a preview for its editors; None: no section (closed, or not theirs)."""
    if item.status == PostingStatus.published:
        return True
    return False if can_edit and item.status in PREVIEWED else None


def need_matches(
    *, session: Session, need: Need, user: User | None, can_edit: bool, k: int = 10
) -> MatchList | None:
    """The match section of a need's page (the page already checked that `user` may see the need)."""
    live = _shown(need, can_edit)
    if live is None:
        return None
    if matching_engine() is None:
        return MatchList(off=True)
    return _cards_for_need(session, need, user, k, live)


def result_matches(
    *, session: Session, result: Result, user: User | None, can_edit: bool, k: int = 10
) -> MatchList | None:
    """The match section of a result's page (the page already checked that `user` may see it)."""
    live = _shown(result, can_edit)
    if live is None:
        return None
    if matching_engine() is None:
        return MatchList(off=True)
    return _cards_for_result(session, result, user, k, live)


def preview_need(*, session: Session, draft: Need, user: User, k: int = 10) -> MatchList:
    """Matches a need would get with the typed text; `draft` is never added to the session."""
    if matching_engine() is None:
        return MatchList(off=True, preview=True)
    return _cards_for_need(session, draft, user, k, live=False)


def preview_result(*, session: Session, draft: Result, user: User, k: int = 10) -> MatchList:
    """Matches a result would get with the typed text; `draft` is never added to the session."""
    if matching_engine() is None:
        return MatchList(off=True, preview=True)
    return _cards_for_result(session, draft, user, k, live=False)
