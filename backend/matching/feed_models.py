"""The tables every worker's index follows: each posting's stored vector and the change feed."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, LargeBinary
from sqlmodel import Field, SQLModel

from backend.db import utcnow


class PostingVector(SQLModel, table=True):
    """A published posting's vector, written in the posting's own transaction (encoded once)."""

    __tablename__ = "posting_vector"

    side: str = Field(primary_key=True, max_length=10)
    posting_id: int = Field(primary_key=True)
    model_id: str = Field(max_length=200)
    content_hash: str = Field(max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # float32, little-endian
    updated_at: datetime = Field(default_factory=utcnow)


class IndexChange(SQLModel, table=True):
    """One posting changed (op "upsert" or "remove"); `seq` only grows, in commit order."""

    __tablename__ = "index_change"
    # Never reuse a sequence number, even after the newest rows are pruned (SQLite's rowid would).
    __table_args__ = {"sqlite_autoincrement": True}

    # SQLite numbers rows itself only for a column declared exactly INTEGER PRIMARY KEY.
    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    )
    side: str = Field(max_length=10)
    posting_id: int
    op: str = Field(max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
