"""Sliding-window throttles counted in the database (table throttle_hit), per account and per
client address, so that every worker and every machine sees the same counts.

Each attempt is one row, written in the request's transaction: rows are only ever inserted, so
workers counting at once never overwrite each other's counts. The clock is wall-clock time (the
same on every machine kept in time by NTP, unlike a process's monotonic clock); tests replace it.
"""

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, delete, func, select

from backend.accounts.models import ThrottleHit
from backend.errors import RateLimited

WINDOW_SECONDS = 15 * 60
SWEEP_ROWS = 1000  # expired rows removed per counted attempt: the table stays small, cheaply


class Throttle:
    """Sliding-window counters of attempts (failed logins, reset emails…) per account and address."""

    def __init__(
        self,
        *,
        name: str,
        per_account: int,
        per_address: int,
        message: str,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name, self.per_account, self.per_address = name, per_account, per_address
        self.window, self.clock, self.message = window, clock, message

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _wait(self, session: Session, key: str, limit: int, now: datetime) -> float:
        """Seconds until `key` is under its limit again (0: it is now)."""
        since = now - timedelta(seconds=self.window)
        count, oldest = session.exec(
            select(func.count(), func.min(ThrottleHit.at)).where(
                ThrottleHit.limiter == self.name, ThrottleHit.key == key, col(ThrottleHit.at) > since
            )
        ).one()
        if count < limit or oldest is None:
            return 0.0
        return (_aware(oldest) - since).total_seconds()

    def check(self, *, session: Session, account: str, address: str) -> None:
        """RateLimited if the account or the address has failed too often lately."""
        now = self._now()
        wait = max(
            self._wait(session, f"account:{account}", self.per_account, now),
            self._wait(session, f"address:{address}", self.per_address, now),
        )
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            raise RateLimited(self.message.format(minutes=minutes), detail={"retry_after": math.ceil(wait)})

    def failed(self, *, session: Session, account: str, address: str) -> None:
        """Count one failed attempt against both keys (in the caller's transaction)."""
        now = self._now()
        for key in (f"account:{account}", f"address:{address}"):
            session.add(ThrottleHit(limiter=self.name, key=key[:300], at=now))
        self._sweep(session, now)
        session.flush()

    def attempt(self, *, session: Session, account: str, address: str) -> None:
        """For requests that answer the same whatever happens (a reset email): check, then count
        this one, so the counts never depend on whether the account exists."""
        self.check(session=session, account=account, address=address)
        self.failed(session=session, account=account, address=address)

    def succeeded(self, *, session: Session, account: str) -> None:
        """A correct password: the account starts afresh (the address keeps its count)."""
        session.exec(
            delete(ThrottleHit).where(
                col(ThrottleHit.limiter) == self.name, col(ThrottleHit.key) == f"account:{account}"[:300]
            )
        )

    def _sweep(self, session: Session, now: datetime) -> None:
        # SKIP LOCKED (PostgreSQL): workers sweeping at once take different rows, never wait on
        # each other. SQLite ignores it (one writer at a time anyway).
        expired = (
            select(ThrottleHit.id)
            .where(
                ThrottleHit.limiter == self.name, col(ThrottleHit.at) <= now - timedelta(seconds=self.window)
            )
            .limit(SWEEP_ROWS)
            .with_for_update(skip_locked=True)
        )
        session.exec(delete(ThrottleHit).where(col(ThrottleHit.id).in_(expired)))


def _aware(value: datetime) -> datetime:
    # Stored times come back naive (UTC) on SQLite and PostgreSQL alike.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Reset emails, per address typed and per client: every request counts, found or not.
reset_limiter = Throttle(
    name="reset", per_account=3, per_address=10, message="重置密码的申请过于频繁，请 {minutes} 分钟后再试"
)
# Verification emails a signed-in user asks to be sent again.
resend_limiter = Throttle(
    name="resend", per_account=3, per_address=20, message="验证邮件发送过于频繁，请 {minutes} 分钟后再试"
)
