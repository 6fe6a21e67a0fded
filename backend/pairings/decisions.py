"""The decision log as labelled pairs: what people decided about a need × result pairing, and when.

A pairing is a *positive* once an operator approved it (and whatever came after: 洽谈, 签约, even
a later close, since the operator judged the match right), or while a party's interest stands
(意向 / 待审核). It is a *negative* when an operator rejected it, or when it was closed before any
approval (the interest withdrawn). An engine suggestion nobody reacted to says nothing and is left
out. The time of a label is the event that settled it, so a replay can train on earlier decisions
and test on later ones.
"""

from datetime import datetime

from sqlmodel import Session, col, select

from backend.matching.learn import Decision
from backend.pairings.models import Pairing, PairingEvent
from backend.vocab import PairingStatus as S

APPROVED = frozenset({S.approved, S.negotiating, S.signed})
INTEREST = frozenset({S.interested, S.pending_review})
NEGATIVE = frozenset({S.rejected, S.closed})


def _label(events: list[PairingEvent]) -> tuple[int, datetime] | None:
    """The label a pairing's history gives, with the time of the event that settled it."""
    approved = next((e for e in events if S(e.to_status) in APPROVED), None)
    if approved is not None:
        return 1, approved.created_at
    last = events[-1]
    if S(last.to_status) in NEGATIVE:
        return 0, last.created_at
    if S(last.to_status) in INTEREST:
        first = next(e for e in events if S(e.to_status) in INTEREST)
        return 1, first.created_at
    return None


def decisions(*, session: Session) -> list[Decision]:
    """Every labelled pairing, oldest decision first."""
    events: dict[int, list[PairingEvent]] = {}
    for event in session.exec(select(PairingEvent).order_by(col(PairingEvent.id))):
        events.setdefault(event.pairing_id, []).append(event)
    out = []
    for pairing in session.exec(select(Pairing)):
        history = events.get(pairing.id or 0)
        found = _label(history) if history else None
        if found is not None:
            label, at = found
            out.append(Decision(pairing.need_id, pairing.result_id, label, at))
    return sorted(out, key=lambda d: (d.at, d.need_id, d.result_id))
