"""A question about a posting, asked of the platform (not of the posting's owner)."""

from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from backend.db import utcnow


class PostingQuestion(SQLModel, table=True):
    __tablename__ = "posting_question"

    id: int | None = Field(default=None, primary_key=True)
    side: str = Field(sa_type=String(10))  # need | result
    posting_id: int = Field(index=True)
    asker_id: int = Field(foreign_key="user.id", index=True)
    question: str = Field(max_length=1000)
    answer: str | None = Field(default=None, max_length=2000)
    answered_by: int | None = Field(default=None, foreign_key="user.id")
    asked_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = None
