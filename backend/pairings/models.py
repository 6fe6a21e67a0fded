"""Pairings (对接) of one need with one result, and every transition they go through."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db import utcnow
from backend.vocab import PairingStatus, Proposer


class Pairing(SQLModel, table=True):
    __tablename__ = "pairing"
    __table_args__ = (UniqueConstraint("need_id", "result_id"),)

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    result_id: int = Field(foreign_key="result.id", index=True)
    score: float = Field(ge=0, le=100)
    explanation: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    proposed_by: Proposer = Field(sa_type=String(20))
    proposed_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    status: PairingStatus = Field(default=PairingStatus.suggested, sa_type=String(20), index=True)
    # Bumped on every transition; a decision names the version it saw, so two
    # operators deciding at once cannot both win.
    version: int = 1
    contract_amount: float | None = Field(default=None, ge=0)
    signed_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PairingEvent(SQLModel, table=True):
    __tablename__ = "pairing_event"

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    from_status: PairingStatus | None = Field(default=None, sa_type=String(20))
    to_status: PairingStatus = Field(sa_type=String(20))
    note: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)


class PairingMessage(SQLModel, table=True):
    """One message of a pairing's 在线洽谈 thread (parties and operators; kept with the record)."""

    __tablename__ = "pairing_message"

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    body: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


class PairingRead(SQLModel, table=True):
    """How far a user has read a pairing's thread (for unread counts)."""

    __tablename__ = "pairing_read"
    __table_args__ = (UniqueConstraint("pairing_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    last_message_id: int = 0
