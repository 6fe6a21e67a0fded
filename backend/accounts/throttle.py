"""Sliding-window throttles, in memory, per process (the app runs one uvicorn worker; see
docs/security.md): counted per account and per client address. The clock is injectable for tests.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from backend.errors import RateLimited

WINDOW_SECONDS = 15 * 60
MAX_KEYS = 100_000  # past this, expired keys are swept so memory stays bounded


class Throttle:
    """Sliding-window counters of attempts (failed logins, reset emails…) per account and address."""

    def __init__(
        self,
        *,
        per_account: int,
        per_address: int,
        message: str,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_account, self.per_address, self.window, self.clock = per_account, per_address, window, clock
        self.message = message
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._failures.clear()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def _wait(self, key: str, limit: int, now: float) -> float:
        times = self._recent(key, now)
        return times[0] + self.window - now if len(times) >= limit else 0.0

    def check(self, *, account: str, address: str) -> None:
        """RateLimited if the account or the address has failed too often lately."""
        now = self.clock()
        with self._lock:
            wait = max(
                self._wait(f"account:{account}", self.per_account, now),
                self._wait(f"address:{address}", self.per_address, now),
            )
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            raise RateLimited(self.message.format(minutes=minutes), detail={"retry_after": math.ceil(wait)})

    def failed(self, *, account: str, address: str) -> None:
        """Count one failed attempt against both keys."""
        now = self.clock()
        with self._lock:
            if len(self._failures) > MAX_KEYS:
                self._sweep(now)
            for key in (f"account:{account}", f"address:{address}"):
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times

    def attempt(self, *, account: str, address: str) -> None:
        """For requests that answer the same whatever happens (a reset email): check, then count
        this one, so the counts never depend on whether the account exists."""
        self.check(account=account, address=address)
        self.failed(account=account, address=address)

    def succeeded(self, *, account: str) -> None:
        """A correct password: the account starts afresh (the address keeps its count)."""
        with self._lock:
            self._failures.pop(f"account:{account}", None)

    def _sweep(self, now: float) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]


# Reset emails, per address typed and per client: every request counts, found or not.
reset_limiter = Throttle(
    per_account=3, per_address=10, message="重置密码的申请过于频繁，请 {minutes} 分钟后再试"
)
# Verification emails a signed-in user asks to be sent again.
resend_limiter = Throttle(
    per_account=3, per_address=20, message="验证邮件发送过于频繁，请 {minutes} 分钟后再试"
)
