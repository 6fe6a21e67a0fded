"""Writing and reading the audit trail."""

from typing import Protocol

from sqlmodel import Session, col, select

from backend.audit.models import AuditEntry


class Actor(Protocol):
    """Whoever did something: any signed-in user (the audit trail keeps only the id)."""

    @property
    def id(self) -> int | None: ...


def record(
    *, session: Session, actor: Actor | None, action: str, entity: str, entity_id: int, summary: str = ""
) -> AuditEntry:
    """Append one audit entry (in the caller's transaction)."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        summary=summary[:500],
    )
    session.add(entry)
    return entry


def history(*, session: Session, entity: str, entity_id: int) -> list[AuditEntry]:
    """All audit entries of one record, oldest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(col(AuditEntry.id))
    )
    return list(session.exec(stmt))
