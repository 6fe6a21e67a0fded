"""Matches as a given viewer may see them: the engine ranks, this layer decides what is shown."""

from dataclasses import asdict
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from backend.accounts.models import User
from backend.engine import current as matching_engine
from backend.errors import Conflict
from backend.matching.documents import need_document, result_document
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.need_model import Need, NeedPublic
from backend.postings.result_model import Result, ResultPublic
from embeddings.engine import Match, MatchEngine
from embeddings.fit import Filters

# Ask the engine for more than we show: some hits may be hidden from this viewer.
OVERFETCH = 3


class MatchView(BaseModel):
    """One ranked counterpart with its score, breakdown and explanation."""

    score: float
    relevance: float
    semantic: float
    lexical: float
    fit_points: dict[str, float]
    reasons_for: list[str]
    reasons_against: list[str]
    notes: list[str] = []
    shared_terms: list[str] = []
    related_terms: list[dict[str, Any]] = []
    need_sentence: dict[str, Any] | None = None
    result_sentence: dict[str, Any] | None = None
    need_highlights: list[dict[str, Any]] = []
    result_highlights: list[dict[str, Any]] = []


class ResultMatch(MatchView):
    result: ResultPublic


class NeedMatch(MatchView):
    need: NeedPublic


def require_engine() -> MatchEngine:
    """The running engine, or a clear error when matching is switched off."""
    engine = matching_engine()
    if engine is None:
        raise Conflict("匹配引擎未启用")
    return engine


def _view_fields(match: Match) -> dict[str, Any]:
    ex = match.explanation
    fields: dict[str, Any] = {
        "score": match.score,
        "relevance": match.breakdown.relevance,
        "semantic": match.breakdown.semantic,
        "lexical": match.breakdown.lexical,
        "fit_points": dict(match.breakdown.fit),
        "reasons_for": [f.reason for f in match.fit if f.verdict == "for"],
        "reasons_against": [f.reason for f in match.fit if f.verdict == "against"],
        "notes": [f.reason for f in match.fit if f.verdict == "neutral"],
    }
    if ex is not None:
        fields.update(
            shared_terms=list(ex.shared_terms),
            related_terms=[asdict(t) for t in ex.related_terms],
            need_sentence=asdict(ex.need_sentence) if ex.need_sentence else None,
            result_sentence=asdict(ex.result_sentence) if ex.result_sentence else None,
            need_highlights=[asdict(s) for s in ex.need_highlights],
            result_highlights=[asdict(s) for s in ex.result_highlights],
            reasons_for=list(ex.reasons_for),
            reasons_against=list(ex.reasons_against),
            notes=list(ex.notes),
        )
    return fields


def results_for_need(
    *, session: Session, need: Need, user: User | None, k: int = 10, filters: Filters | None = None
) -> list[ResultMatch]:
    """The results that best solve `need` (a draft need is matched from its current text)."""
    engine = require_engine()
    hits = engine.match_need(need=need_document(need), k=k * OVERFETCH, filters=filters, explain=False)
    out: list[ResultMatch] = []
    for hit in hits:
        result = session.get(Result, hit.id)
        if result is None or not results.can_view(session=session, result=result, user=user):
            continue
        explained = _explained(engine, hit, need=need_document(need), result=result_document(result))
        view = results.public_view(session=session, result=result, user=user)
        out.append(ResultMatch(result=view, **_view_fields(explained)))
        if len(out) == k:
            break
    return out


def needs_for_result(
    *, session: Session, result: Result, user: User | None, k: int = 10, filters: Filters | None = None
) -> list[NeedMatch]:
    """The needs `result` can serve; 保密 needs only for those allowed to see them."""
    engine = require_engine()
    hits = engine.match_result(
        result=result_document(result), k=k * OVERFETCH, filters=filters, explain=False
    )
    out: list[NeedMatch] = []
    for hit in hits:
        need = session.get(Need, hit.id)
        if need is None or not needs.can_view(session=session, need=need, user=user):
            continue
        explained = _explained(engine, hit, need=need_document(need), result=result_document(result))
        view = needs.public_view(session=session, need=need, user=user)
        out.append(NeedMatch(need=view, **_view_fields(explained)))
        if len(out) == k:
            break
    return out


def _explained(engine: MatchEngine, hit: Match, **pair: Any) -> Match:
    # Explaining costs more than ranking, so only the hits this viewer will see are explained.
    explanation = engine.explain(need=pair["need"], result=pair["result"])
    return Match(hit.id, hit.score, hit.breakdown, hit.fit, explanation)


class SearchHit(BaseModel):
    side: str
    id: int
    score: float
    title: str
    field: str
    region: str
    organisation_name: str | None


def search(
    *, session: Session, text: str, side: str, user: User | None, k: int = 20, filters: Filters | None = None
) -> list[SearchHit]:
    """Semantic + keyword search over needs or results, limited to what `user` may see."""
    engine = require_engine()
    hits = engine.search(text=text, side=side, k=k * OVERFETCH, filters=filters)  # type: ignore[arg-type]
    out: list[SearchHit] = []
    for hit in hits:
        if side == "need":
            need = session.get(Need, hit.id)
            if need is None or not needs.can_view(session=session, need=need, user=user):
                continue
            nv = needs.public_view(session=session, need=need, user=user)
            out.append(
                SearchHit(
                    side=side,
                    id=hit.id,
                    score=hit.score,
                    title=nv.title,
                    field=nv.field,
                    region=nv.region,
                    organisation_name=nv.organisation_name,
                )
            )
        else:
            result = session.get(Result, hit.id)
            if result is None or not results.can_view(session=session, result=result, user=user):
                continue
            rv = results.public_view(session=session, result=result, user=user)
            out.append(
                SearchHit(
                    side=side,
                    id=hit.id,
                    score=hit.score,
                    title=rv.title,
                    field=rv.field,
                    region=rv.region,
                    organisation_name=rv.organisation_name,
                )
            )
        if len(out) == k:
            break
    return out


# Below this a free-text hit is noise rather than a related posting (scores are calibrated across
# queries, see embeddings/README.md).
MIN_SEARCH_SCORE = 30.0


def ranked_ids(*, text: str, side: str, k: int = 200) -> list[int] | None:
    """Ids the engine ranks for a free-text query (semantic + keyword), best first; None if off."""
    engine = matching_engine()
    if engine is None:
        return None
    hits = engine.search(text=text, side=side, k=k)  # type: ignore[arg-type]
    return [h.id for h in hits if h.score >= MIN_SEARCH_SCORE]
