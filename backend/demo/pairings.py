"""Demo pairings: some of the demo needs with the results written to solve them, taken through
the real services (interest, confirmation, operator decisions, signature) so that the operator's
desk, the workspaces and the dashboard show a believable history."""

from datetime import date, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.db import utcnow
from backend.matching.snapshot import pair_snapshot
from backend.pairings import service as pairings
from backend.pairings.models import Pairing, PairingEvent
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus as S
from backend.vocab import PostingStatus

# The stage each demo pairing is taken to, in turn.
STAGES = (
    S.interested,
    S.pending_review,
    S.approved,
    S.negotiating,
    S.signed,
    S.rejected,
    S.interested,
    S.approved,
    S.signed,
    S.closed,
    S.pending_review,
    S.negotiating,
)
PATH = (S.pending_review, S.approved, S.negotiating, S.signed)


def _owner(session: Session, item: Need | Result) -> User:
    user = session.get(User, item.owner_id)
    assert user is not None
    return user


def _advance(
    session: Session, pairing: Pairing, target: S, *, asker: User, other: User, operator: User, result: Result
) -> None:
    if target in (S.rejected, S.closed):
        actor = operator if target == S.rejected else asker
        reason = (
            "成果成熟度与需求差距较大，建议待中试完成后再对接"
            if target == S.rejected
            else "企业已另行立项，暂不推进"
        )
        pairings.transition(session=session, pairing=pairing, user=actor, to=target, note=reason)
        return
    for step in PATH:
        if S(pairing.status) == target:
            return
        if step == S.pending_review:
            pairings.transition(
                session=session, pairing=pairing, user=other, to=step, note="我方也有合作意向"
            )
        elif step == S.signed:
            amount = result.price if result.price is not None else 80.0
            pairings.transition(
                session=session,
                pairing=pairing,
                user=operator,
                to=step,
                note="已签订技术合同",
                contract_amount=amount,
                signed_on=date.today() - timedelta(days=3),
            )
        else:
            note = "双方条件匹配，批准引荐" if step == S.approved else "双方已开始洽谈合同条款"
            pairings.transition(session=session, pairing=pairing, user=operator, to=step, note=note)


def _backdate(session: Session, pairing: Pairing, need: Need, result: Result, nth: int) -> None:
    """Replay the history after both postings were published: first response within days,
    then a step every day or two, never in the future."""
    now = utcnow()
    listed = max(
        d for d in (need.published_at, result.published_at, now - timedelta(days=30)) if d is not None
    )
    start = min(listed + timedelta(hours=6 + 11 * (nth % 5)), now - timedelta(hours=2))
    events = session.exec(
        select(PairingEvent).where(PairingEvent.pairing_id == pairing.id).order_by(col(PairingEvent.id))
    ).all()
    step = min(timedelta(days=2), (now - start) / (len(events) + 1))
    for i, event in enumerate(events):
        session.execute(
            update(PairingEvent).where(col(PairingEvent.id) == event.id).values(created_at=start + step * i)
        )
    last = start + step * max(len(events) - 1, 0)
    session.execute(
        update(Pairing).where(col(Pairing.id) == pairing.id).values(created_at=start, updated_at=last)
    )


def create_demo_pairings(session: Session, *, solves: list[tuple[int, int]], operator: User) -> int:
    """Take up to len(STAGES) (need id, result id) pairs through the pairing lifecycle."""
    made = 0
    for need_id, result_id in solves:
        if made == len(STAGES):
            break
        need, result = session.get(Need, need_id), session.get(Result, result_id)
        if need is None or result is None:
            continue
        if need.status != PostingStatus.published or result.status != PostingStatus.published:
            continue
        enterprise, researcher = _owner(session, need), _owner(session, result)
        asker, other = (enterprise, researcher) if made % 2 == 0 else (researcher, enterprise)
        score, explanation = pair_snapshot(session=session, need=need, result=result)
        message = (
            "我们对贵方的成果很感兴趣，希望进一步了解中试条件"
            if asker is enterprise
            else "我方成果可解决贵司问题，盼进一步交流"
        )
        pairing = pairings.propose(
            session=session,
            need=need,
            result=result,
            by=asker,
            score=score,
            explanation=explanation,
            note=message,
        )
        _advance(session, pairing, STAGES[made], asker=asker, other=other, operator=operator, result=result)
        _backdate(session, pairing, need, result, made)
        made += 1
    session.flush()
    return made
