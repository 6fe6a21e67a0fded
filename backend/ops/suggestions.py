"""Engine suggestions for needs nobody has paired yet, and an operator's proposal of a pair."""

from dataclasses import dataclass

from sqlalchemy import exists
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.accounts.service import organisation_name
from backend.errors import Conflict, NotFound
from backend.matching.documents import need_document
from backend.matching.snapshot import pair_snapshot
from backend.pairings import service as pairings
from backend.pairings.announce import announce
from backend.pairings.models import Pairing
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus as S
from backend.vocab import PostingStatus
from embeddings.engine import Match, MatchEngine

SUGGESTION_THRESHOLD = 60.0
SUGGESTIONS_PER_NEED = 3
SUGGESTED_NEEDS = 10


@dataclass
class Suggestion:
    result: Result
    result_org: str
    score: float
    reasons_for: list[str]
    reasons_against: list[str]


@dataclass
class NeedSuggestions:
    need: Need
    need_org: str
    results: list[Suggestion]


def unpaired_needs(*, session: Session, limit: int = SUGGESTED_NEEDS) -> list[Need]:
    """Published needs that no pairing mentions yet, oldest first (they have waited longest)."""
    paired = exists().where(col(Pairing.need_id) == col(Need.id))
    stmt = (
        select(Need)
        .where(Need.status == PostingStatus.published, ~paired)
        .order_by(col(Need.published_at), col(Need.id))
        .limit(limit)
    )
    return list(session.exec(stmt))


def _reasons(match: Match, verdict: str) -> list[str]:
    return [f.reason for f in match.fit if f.verdict == verdict]


def suggestions(
    *,
    session: Session,
    engine: MatchEngine,
    threshold: float = SUGGESTION_THRESHOLD,
    per_need: int = SUGGESTIONS_PER_NEED,
    limit: int = SUGGESTED_NEEDS,
) -> list[NeedSuggestions]:
    """For each unpaired published need, the engine's strongest results at or above `threshold`."""
    out: list[NeedSuggestions] = []
    for need in unpaired_needs(session=session, limit=limit):
        picked: list[Suggestion] = []
        for hit in engine.match_need(need=need_document(need), k=per_need * 3):
            if hit.score < threshold:
                break  # hits come best first; loading the rows below the threshold was most of the page's time
            result = session.get(Result, hit.id)
            if result is None or result.status != PostingStatus.published:
                continue
            picked.append(
                Suggestion(
                    result=result,
                    result_org=organisation_name(session=session, organisation_id=result.organisation_id),
                    score=hit.score,
                    reasons_for=_reasons(hit, "for"),
                    reasons_against=_reasons(hit, "against"),
                )
            )
            if len(picked) == per_need:
                break
        if picked:
            out.append(
                NeedSuggestions(
                    need=need,
                    need_org=organisation_name(session=session, organisation_id=need.organisation_id),
                    results=picked,
                )
            )
    return out


def propose(
    *, session: Session, need_id: int, result_id: int, operator: User, engine: MatchEngine | None
) -> Pairing:
    """An operator pairs a need with a result (status 推荐); both sides are told."""
    need = session.get(Need, need_id)
    result = session.get(Result, result_id)
    if need is None or result is None:
        raise NotFound("需求或成果不存在")
    score, explanation = pair_snapshot(session=session, need=need, result=result)
    try:
        with session.begin_nested():
            pairing = pairings.propose(
                session=session, need=need, result=result, by=operator, score=score, explanation=explanation
            )
    except IntegrityError as exc:  # someone proposed the same pair in the same instant
        raise Conflict("该需求与成果已有对接记录，请勿重复提交") from exc
    announce(session, pairing, S.suggested, operator, "")
    return pairing
