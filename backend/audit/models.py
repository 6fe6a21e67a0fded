"""The audit trail: who created, edited, published or closed what, and when."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.db import utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=30)
    entity: str = Field(max_length=20)
    entity_id: int = Field(index=True)
    summary: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
