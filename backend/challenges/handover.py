"""A selected proposal becomes a pairing of the challenge's need and the proposal's result.

It enters the existing lifecycle (`pairings.service`) as what it is: submitting the proposal was the
researcher's interest (意向); the enterprise selecting it is the other side's confirmation, so the
pairing waits for the operators' review (待审核) like any pair both sides asked for; an operator
selecting it is that review, so it is approved (已批准) at once. A pair that already exists (the
engine suggested it, say) is taken forward from where it stands, never rewritten.
"""

from sqlmodel import Session

from backend.accounts.models import User
from backend.challenges.models import Challenge, Proposal
from backend.errors import Conflict
from backend.matching.snapshot import pair_snapshot
from backend.pairings import service as pairings
from backend.pairings.models import Pairing
from backend.pairings.state import asker_side
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus as S
from backend.vocab import PostingStatus, Role


def _parties(session: Session, challenge: Challenge, proposal: Proposal) -> tuple[Need, Result, User]:
    need = session.get(Need, challenge.need_id)
    result = session.get(Result, proposal.result_id) if proposal.result_id else None
    author = session.get(User, proposal.author_id)
    if need is None or need.status != PostingStatus.published:
        raise Conflict("需求已下架，无法转入对接")
    if result is None or result.status != PostingStatus.published:
        raise Conflict("方案关联的成果已下架，无法转入对接")
    assert author is not None
    return need, result, author


def check(*, session: Session, challenge: Challenge, proposal: Proposal) -> None:
    """Refuse before anything is written if the proposal cannot become a pairing."""
    need, result, _ = _parties(session, challenge, proposal)
    pairing = pairings.find(session=session, need_id=need.id or 0, result_id=result.id or 0)
    if pairing is not None and S(pairing.status) in pairings.TERMINAL:
        raise Conflict(f"该需求与该成果的对接已{S(pairing.status).label}，无法再次转入对接")


def to_pairing(
    *, session: Session, challenge: Challenge, proposal: Proposal, selector: User, note: str = ""
) -> Pairing:
    """The pairing of the need and the selected proposal's result, moved to 待审核 or 已批准."""
    need, result, author = _parties(session, challenge, proposal)
    origin = f"揭榜挂帅：{challenge.title}"
    pairing = pairings.find(session=session, need_id=need.id or 0, result_id=result.id or 0)
    if pairing is None:
        score, explanation = pair_snapshot(session=session, need=need, result=result)
        explanation = {**explanation, "challenge_id": challenge.id}
        pairing = pairings.propose(
            session=session,
            need=need,
            result=result,
            by=author,
            score=score,
            explanation=explanation,
            note=f"{origin}（提交揭榜方案）",
        )
    status = S(pairing.status)
    if status in pairings.TERMINAL:
        raise Conflict(f"该需求与该成果的对接已{status.label}，无法再次转入对接")
    if status == S.suggested:
        pairing = pairings.transition(
            session=session, pairing=pairing, user=author, to=S.interested, note=f"{origin}（提交揭榜方案）"
        )
    decided = f"{origin}（{'平台运营' if selector.role == Role.operator else '发榜企业'}选定挂帅团队）"
    if note.strip():
        decided += f"：{note.strip()}"
    status = S(pairing.status)
    if selector.role == Role.operator and status in (S.interested, S.pending_review):
        return pairings.transition(
            session=session, pairing=pairing, user=selector, to=S.approved, note=decided
        )
    if status == S.interested:
        confirmer = author if asker_side(session=session, pairing=pairing) == "need" else selector
        return pairings.transition(
            session=session, pairing=pairing, user=confirmer, to=S.pending_review, note=decided
        )
    return pairing
