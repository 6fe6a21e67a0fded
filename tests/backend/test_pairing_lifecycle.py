"""Every pairing transition: who may make it, the one event it writes, and two deciders at once."""

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from backend.accounts.models import User
from backend.errors import Conflict, DomainError, InvalidInput, NotPermitted
from backend.ops import pairing_queue as desk
from backend.ops import suggestions as suggest
from backend.pairings import service as pairings
from backend.pairings.models import Pairing, PairingEvent
from backend.vocab import PairingStatus as S
from backend.vocab import Role
from tests.databases import drop_database, migrated_engine, new_database_url
from tests.factories import make_need, make_result, make_user

TODAY = date.today()


def _world(session: Session) -> dict[str, Any]:
    enterprise = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    return {
        "enterprise": enterprise,
        "researcher": researcher,
        "operator": make_user(session, Role.operator),
        "outsider": make_user(session, Role.enterprise),
        "need": make_need(session, enterprise),
        "result": make_result(session, researcher),
    }


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    return _world(session)


def _pairing_at(session: Session, w: dict[str, Any], status: S) -> Pairing:
    """A pairing put straight into `status` (the path there is not what these tests are about)."""
    pairing = pairings.propose(
        session=session, need=w["need"], result=w["result"], by=None, score=75, explanation={}
    )
    pairing.status = status
    session.add(pairing)
    session.flush()
    return pairing


def _events(session: Session, pairing: Pairing) -> list[PairingEvent]:
    return pairings.events(session=session, pairing=pairing)


def _extra(to: S) -> dict[str, Any]:
    extra: dict[str, Any] = {"note": "理由：测试"}
    if to == S.signed:
        extra.update(contract_amount=88.5, signed_on=TODAY)
    return extra


ALLOWED = [(frm, to, role) for (frm, to), roles in pairings.TRANSITIONS.items() for role in sorted(roles)]


@pytest.mark.parametrize(("frm", "to", "role"), ALLOWED, ids=[f"{f}->{t}:{r}" for f, t, r in ALLOWED])
def test_every_allowed_transition_writes_exactly_one_event(
    session: Session, world: dict[str, Any], frm: S, to: S, role: str
) -> None:
    pairing = _pairing_at(session, world, frm)
    actor: User = world["operator"] if role == "operator" else world["researcher"]
    before = len(_events(session, pairing))

    pairings.transition(session=session, pairing=pairing, user=actor, to=to, **_extra(to))

    stored = session.get(Pairing, pairing.id)
    assert stored is not None and stored.status == to and stored.version == 2
    new = _events(session, pairing)[before:]
    assert [(e.from_status, e.to_status, e.actor_id, e.note) for e in new] == [
        (frm, to, actor.id, "理由：测试")
    ]
    if to == S.signed:
        assert (stored.contract_amount, stored.signed_on) == (88.5, TODAY)


REFUSED = [
    (frm, to)
    for frm in S
    for to in S
    if (frm, to) not in pairings.TRANSITIONS and to != S.suggested  # nobody moves back to 推荐
]


@pytest.mark.parametrize(("frm", "to"), REFUSED, ids=[f"{f}->{t}" for f, t in REFUSED])
def test_every_transition_outside_the_table_is_refused_and_writes_nothing(
    session: Session, world: dict[str, Any], frm: S, to: S
) -> None:
    pairing = _pairing_at(session, world, frm)
    before = len(_events(session, pairing))
    for actor in (world["operator"], world["enterprise"], world["researcher"]):
        with pytest.raises((Conflict, NotPermitted)):
            pairings.transition(session=session, pairing=pairing, user=actor, to=to, **_extra(to))
    session.refresh(pairing)
    assert (pairing.status, pairing.version) == (frm, 1)
    assert len(_events(session, pairing)) == before


def test_skipping_steps_and_changing_a_signed_pairing_are_refused(
    session: Session, world: dict[str, Any]
) -> None:
    # Guards the table itself: these must never become allowed by accident.
    for frm, to in [(S.interested, S.signed), (S.suggested, S.approved), (S.approved, S.signed)]:
        assert (frm, to) not in pairings.TRANSITIONS
    assert not any(frm == S.signed for frm, _ in pairings.TRANSITIONS)
    pairing = _pairing_at(session, world, S.signed)
    with pytest.raises(Conflict, match="已签约"):
        pairings.transition(
            session=session, pairing=pairing, user=world["operator"], to=S.closed, note="撤销"
        )


WRONG_ROLE = [
    (frm, to, role)
    for (frm, to), roles in pairings.TRANSITIONS.items()
    for role in ("operator", "party", "outsider")
    if role not in roles
]


@pytest.mark.parametrize(("frm", "to", "role"), WRONG_ROLE, ids=[f"{f}->{t}:{r}" for f, t, r in WRONG_ROLE])
def test_a_transition_by_the_wrong_role_is_refused_and_writes_nothing(
    session: Session, world: dict[str, Any], frm: S, to: S, role: str
) -> None:
    pairing = _pairing_at(session, world, frm)
    actor = {"operator": world["operator"], "party": world["enterprise"], "outsider": world["outsider"]}[role]
    before = len(_events(session, pairing))
    with pytest.raises(NotPermitted):
        pairings.transition(session=session, pairing=pairing, user=actor, to=to, **_extra(to))
    session.refresh(pairing)
    assert (pairing.status, pairing.version, len(_events(session, pairing))) == (frm, 1, before)


@pytest.mark.parametrize("to", [S.rejected, S.closed])
@pytest.mark.parametrize("note", ["", "   "])
def test_reject_and_close_need_a_note(session: Session, world: dict[str, Any], to: S, note: str) -> None:
    pairing = _pairing_at(session, world, S.pending_review)
    before = len(_events(session, pairing))
    with pytest.raises(InvalidInput):
        pairings.transition(session=session, pairing=pairing, user=world["operator"], to=to, note=note)
    with pytest.raises(InvalidInput):
        desk.decide(session=session, pairing_id=pairing.id or 0, operator=world["operator"], to=to, note=note)
    session.refresh(pairing)
    assert (pairing.status, pairing.version, len(_events(session, pairing))) == (S.pending_review, 1, before)


@pytest.mark.parametrize(
    ("amount", "signed_on", "message"),
    [
        (None, TODAY, "合同金额"),
        (50.0, None, "签约日期"),
        (0.0, TODAY, "大于 0"),
        (-5.0, TODAY, "大于 0"),
        (50.0, TODAY + timedelta(days=30), "不能晚于今天"),
    ],
)
def test_signing_needs_a_valid_amount_and_date(
    session: Session, world: dict[str, Any], amount: float | None, signed_on: date | None, message: str
) -> None:
    pairing = _pairing_at(session, world, S.negotiating)
    with pytest.raises(InvalidInput, match=message):
        desk.decide(
            session=session,
            pairing_id=pairing.id or 0,
            operator=world["operator"],
            to=S.signed,
            version=1,
            contract_amount=amount,
            signed_on=signed_on,
        )
    session.refresh(pairing)
    assert (pairing.status, pairing.contract_amount, pairing.signed_on) == (S.negotiating, None, None)
    assert len(_events(session, pairing)) == 1


def test_signing_without_amount_is_refused_by_the_service_too(
    session: Session, world: dict[str, Any]
) -> None:
    pairing = _pairing_at(session, world, S.negotiating)
    with pytest.raises(InvalidInput):
        pairings.transition(
            session=session, pairing=pairing, user=world["operator"], to=S.signed, signed_on=TODAY
        )
    with pytest.raises(InvalidInput):
        pairings.transition(
            session=session, pairing=pairing, user=world["operator"], to=S.signed, contract_amount=10
        )
    assert session.get(Pairing, pairing.id).status == S.negotiating  # type: ignore[union-attr]


def test_the_same_pair_cannot_be_proposed_twice(session: Session, world: dict[str, Any]) -> None:
    suggest.propose(
        session=session,
        need_id=world["need"].id,
        result_id=world["result"].id,
        operator=world["operator"],
        engine=None,
    )
    with pytest.raises(Conflict) as caught:
        suggest.propose(
            session=session,
            need_id=world["need"].id,
            result_id=world["result"].id,
            operator=world["operator"],
            engine=None,
        )
    assert caught.value.status_code == 409
    count = session.exec(
        select(func.count()).select_from(Pairing).where(Pairing.need_id == world["need"].id)
    ).one()
    assert count == 1


def test_a_duplicate_the_check_missed_is_still_a_conflict(
    session: Session, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two operators proposing in the same instant both pass the look-up; the unique constraint decides.
    suggest.propose(
        session=session,
        need_id=world["need"].id,
        result_id=world["result"].id,
        operator=world["operator"],
        engine=None,
    )
    monkeypatch.setattr(pairings, "find", lambda **_: None)
    with pytest.raises(Conflict, match="已有对接记录"):
        suggest.propose(
            session=session,
            need_id=world["need"].id,
            result_id=world["result"].id,
            operator=world["operator"],
            engine=None,
        )
    session.flush()  # the session is still usable: the failed insert was rolled back to its savepoint
    assert len(session.exec(select(Pairing).where(Pairing.need_id == world["need"].id)).all()) == 1


# --- two operators at once, on separate connections to a real database file ---------------------


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of its own, so sessions really use separate connections."""
    url = new_database_url(tmp_path, "race")
    engine = migrated_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


def _race_setup(engine: Engine) -> tuple[int, int, int]:
    """A committed pending_review pairing; returns (pairing id, operator A id, operator B id)."""
    with Session(engine, expire_on_commit=False) as s:
        w = _world(s)
        pairing = _pairing_at(s, w, S.pending_review)
        other = make_user(s, Role.operator)
        s.commit()
        return pairing.id or 0, w["operator"].id, other.id or 0


def _decisions(engine: Engine, pairing_id: int) -> list[PairingEvent]:
    with Session(engine) as s:
        stmt = select(PairingEvent).where(
            PairingEvent.pairing_id == pairing_id, col(PairingEvent.to_status).in_([S.approved, S.rejected])
        )
        return list(s.exec(stmt))


def test_interleaved_sessions_deciding_the_same_version_one_wins(file_engine: Engine) -> None:
    pairing_id, op_a, op_b = _race_setup(file_engine)
    with Session(file_engine) as a, Session(file_engine) as b:
        seen_a, seen_b = a.get(Pairing, pairing_id), b.get(Pairing, pairing_id)
        assert seen_a is not None and seen_b is not None and seen_a.version == seen_b.version == 1
        user_a, user_b = a.get(User, op_a), b.get(User, op_b)
        assert user_a is not None and user_b is not None

        pairings.transition(session=a, pairing=seen_a, user=user_a, to=S.approved, expected_version=1)
        a.commit()
        with pytest.raises(Conflict, match="该对接已被他人处理"):
            pairings.transition(
                session=b, pairing=seen_b, user=user_b, to=S.rejected, note="不合适", expected_version=1
            )
        b.rollback()

    with Session(file_engine) as s:
        stored = s.get(Pairing, pairing_id)
        assert stored is not None and (stored.status, stored.version) == (S.approved, 2)
    assert [(e.to_status, e.actor_id) for e in _decisions(file_engine, pairing_id)] == [(S.approved, op_a)]


def test_two_threads_deciding_at_once_exactly_one_wins(file_engine: Engine) -> None:
    pairing_id, op_a, op_b = _race_setup(file_engine)
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def decide(operator_id: int, to: S) -> None:
        with Session(file_engine) as s:
            operator = s.get(User, operator_id)
            s.get(Pairing, pairing_id)  # both have read version 1 before either writes
            barrier.wait(timeout=10)
            try:
                desk.decide(
                    session=s,
                    pairing_id=pairing_id,
                    operator=operator,
                    to=to,
                    note="各自的决定",
                    version=1,  # type: ignore[arg-type]
                )
                s.commit()
                outcomes[operator_id] = "won"
            except DomainError as exc:
                s.rollback()
                outcomes[operator_id] = type(exc).__name__

    threads = [
        threading.Thread(target=decide, args=(op_a, S.approved)),
        threading.Thread(target=decide, args=(op_b, S.rejected)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes.values()) == ["Conflict", "won"]
    decisions = _decisions(file_engine, pairing_id)
    assert len(decisions) == 1
    winner = next(op for op, outcome in outcomes.items() if outcome == "won")
    assert decisions[0].actor_id == winner
    with Session(file_engine) as s:
        stored = s.get(Pairing, pairing_id)
        assert stored is not None and stored.version == 2 and stored.status == decisions[0].to_status
