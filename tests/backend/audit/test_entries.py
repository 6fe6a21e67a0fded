"""The audit trail: entries name their actor and entity."""

from sqlmodel import Session, select

from backend.accounts.models import User
from backend.audit.models import AuditEntry
from backend.postings import needs as needs
from backend.postings import results as results
from backend.vocab import Role
from tests.factories import make_need, make_user


def test_audit_entries_carry_actor_and_entity(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    session.flush()
    rows = session.exec(
        select(AuditEntry).where(AuditEntry.entity_id == need.id, AuditEntry.entity == "need")
    ).all()
    approver = next(r.actor_id for r in rows if r.action == "approve")
    assert approver is not None and approver != owner.id
    assert session.get(User, approver).role == Role.operator  # type: ignore[union-attr]
    assert [(r.action, r.actor_id) for r in sorted(rows, key=lambda r: r.id or 0)] == [
        ("create", owner.id),
        ("submit", owner.id),
        ("approve", approver),
    ]
    assert next(r for r in rows if r.action == "create").summary == need.title
