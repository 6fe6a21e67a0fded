"""The index change feed: a row per changed posting, written in the posting's transaction.

Sequence numbers commit in order (SQLite has one writer at a time; on PostgreSQL the writers take
one transaction-scoped advisory lock before numbering their changes), so a reader that has seen
every change up to `seq` never sees an older one appear later.
"""

from dataclasses import dataclass

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from backend.matching.feed_models import IndexChange

CHANNEL = "kematch_index"  # PostgreSQL NOTIFY channel the followers LISTEN on
FEED_LOCK = 0x4B4D_4958  # advisory lock key: "KMIX"
READ_BATCH = 1_000  # changes a follower reads per round trip


@dataclass(frozen=True)
class Change:
    """One recorded change: posting `posting_id` of `side` was upserted or removed."""

    seq: int
    side: str
    posting_id: int
    op: str


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def record(*, session: Session, changes: list[tuple[str, int, str]]) -> list[int]:
    """Append (side, posting id, op) changes in this transaction; their sequence numbers."""
    if not changes:
        return []
    if _postgresql(session):
        # Held until commit: a later number can never commit before an earlier one.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})
    rows = [IndexChange(side=side, posting_id=pid, op=op) for side, pid, op in changes]
    session.add_all(rows)
    session.flush()
    if _postgresql(session):
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    return [int(r.seq) for r in rows if r.seq is not None]


def last_seq(*, session: Session) -> int:
    """The newest sequence number (0 for an empty feed)."""
    return int(session.exec(select(func.max(IndexChange.seq))).one() or 0)


def changes_after(*, session: Session, seq: int, limit: int = READ_BATCH) -> list[Change]:
    """The next `limit` changes after `seq`, oldest first."""
    rows = session.exec(
        select(IndexChange).where(col(IndexChange.seq) > seq).order_by(col(IndexChange.seq)).limit(limit)
    )
    return [Change(int(r.seq or 0), r.side, r.posting_id, r.op) for r in rows]
