"""Notifications shown under the bell, and the emails sent for them."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.db import utcnow


class Notification(SQLModel, table=True):
    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=40)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    link: str = Field(default="", max_length=300)
    read_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
