"""Bookmarks, subscriptions and the hits a subscription has had (one per posting)."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db import utcnow


class Bookmark(SQLModel, table=True):
    """A posting a user saved (收藏); shown only while the user may still see the posting."""

    __tablename__ = "bookmark"
    __table_args__ = (UniqueConstraint("user_id", "side", "posting_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    side: str = Field(max_length=10)  # need | result
    posting_id: int
    created_at: datetime = Field(default_factory=utcnow)


class Subscription(SQLModel, table=True):
    """订阅: new postings of `side` in a field / region / matching a text, or matching one's own posting."""

    __tablename__ = "subscription"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    side: str = Field(max_length=10, index=True)  # the side of the postings it announces
    field: str | None = Field(default=None, max_length=32)
    region: str | None = Field(default=None, max_length=20)
    query: str = Field(default="", max_length=100)
    # One of the subscriber's own postings (the other side): "new matches for my need".
    own_side: str | None = Field(default=None, max_length=10)
    own_id: int | None = None
    min_band: str = Field(default="good", max_length=10)  # strong | good | weak (embeddings.strength)
    created_at: datetime = Field(default_factory=utcnow)


class SubscriptionHit(SQLModel, table=True):
    """A new posting a subscription announced: notified at once, emailed in the day's digest."""

    __tablename__ = "subscription_hit"
    __table_args__ = (UniqueConstraint("subscription_id", "posting_id"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True)
    side: str = Field(max_length=10)
    posting_id: int
    score: float | None = None  # None: a field / region subscription, no text to score against
    created_at: datetime = Field(default_factory=utcnow, index=True)
    emailed_at: datetime | None = None
