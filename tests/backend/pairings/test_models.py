"""Pairing rows and their events as stored: round trip and uniqueness of a need-result pair."""

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.pairings.models import Pairing, PairingEvent
from backend.postings import needs as needs
from backend.postings import results as results
from backend.vocab import PairingStatus, Proposer, Role
from tests.factories import make_need, make_result, make_user


def test_pairing_and_events_round_trip(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    operator = make_user(session, Role.operator)
    need = make_need(session, owner)
    result = make_result(session, make_user(session, Role.researcher))
    explanation = {"reasons": ["关键词“发酵”相同", "成熟度差 1 级"], "lexical": 0.42}
    pairing = Pairing(
        need_id=need.id or 0,
        result_id=result.id or 0,
        score=87.5,
        explanation=explanation,
        proposed_by=Proposer.engine,
    )
    session.add(pairing)
    session.flush()
    session.add_all(
        [
            PairingEvent(pairing_id=pairing.id or 0, to_status=PairingStatus.suggested),
            PairingEvent(
                pairing_id=pairing.id or 0,
                actor_id=operator.id,
                from_status=PairingStatus.suggested,
                to_status=PairingStatus.approved,
                note="双方需求匹配，同意对接",
            ),
        ]
    )
    pairing.status = PairingStatus.approved
    pairing.version += 1
    session.add(pairing)
    session.flush()
    session.expire_all()

    stored = session.get(Pairing, pairing.id)
    assert stored is not None
    assert (stored.score, stored.status, stored.version) == (87.5, PairingStatus.approved, 2)
    assert stored.explanation == explanation
    assert stored.proposed_by == Proposer.engine
    events = session.exec(
        select(PairingEvent).where(PairingEvent.pairing_id == pairing.id).order_by(PairingEvent.id)  # type: ignore[arg-type]
    ).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, PairingStatus.suggested),
        (PairingStatus.suggested, PairingStatus.approved),
    ]
    assert events[1].actor_id == operator.id and events[1].note == "双方需求匹配，同意对接"


def test_pairing_of_the_same_need_and_result_is_unique(session: Session) -> None:
    need = make_need(session, make_user(session, Role.enterprise))
    result = make_result(session, make_user(session, Role.researcher))
    session.add(
        Pairing(need_id=need.id or 0, result_id=result.id or 0, score=60, proposed_by=Proposer.engine)
    )
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            Pairing(need_id=need.id or 0, result_id=result.id or 0, score=90, proposed_by=Proposer.operator)
        )
    other = make_result(session, make_user(session, Role.researcher))
    session.add(Pairing(need_id=need.id or 0, result_id=other.id or 0, score=50, proposed_by=Proposer.engine))
    session.flush()
    count = len(session.exec(select(Pairing).where(Pairing.need_id == need.id)).all())
    assert count == 2
