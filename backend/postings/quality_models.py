"""What the platform notes about a posting's quality: likely duplicates, and expiry reminders sent."""

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db import utcnow


class DuplicateCandidate(SQLModel, table=True):
    """A published posting of the same side that a submitted one is likely a duplicate of.

    Written when the posting is submitted (or published without review), for the text it had then
    (`content_hash`); the writer and the reviewing operator are shown it.
    """

    __tablename__ = "duplicate_candidate"
    __table_args__ = (UniqueConstraint("side", "posting_id", "other_id"),)

    id: int | None = Field(default=None, primary_key=True)
    side: str = Field(max_length=10)  # need | result: both postings' side
    posting_id: int = Field(index=True)  # the new posting
    other_id: int  # the existing one it resembles
    similarity: float  # embeddings.duplicates.Similar.similarity, 0-1
    content_hash: str = Field(max_length=32)  # the new posting's text when checked
    created_at: datetime = Field(default_factory=utcnow)


class ExpiryReminder(SQLModel, table=True):
    """A need's owner was told that it expires on `valid_until` (once per need and date)."""

    __tablename__ = "expiry_reminder"
    __table_args__ = (UniqueConstraint("need_id", "valid_until"),)

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(index=True)
    valid_until: date
    sent_at: datetime = Field(default_factory=utcnow)
