"""Login throttling: failed attempts are counted per account and per client address.

In memory, per process (the app runs one uvicorn worker; see docs/security.md). A blocked
account or address is refused before the password is even checked, so guessing stops; a
successful login clears the account's count. The clock is injectable for tests.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import Request
from sqlmodel import Session

from backend.accounts import service
from backend.accounts.models import User
from backend.errors import NotAuthenticated, RateLimited

WINDOW_SECONDS = 15 * 60
PER_ACCOUNT = 5
PER_ADDRESS = 20
MAX_KEYS = 100_000  # past this, expired keys are swept so memory stays bounded


class LoginLimiter:
    """Sliding-window counters of failed logins."""

    def __init__(
        self,
        *,
        per_account: int = PER_ACCOUNT,
        per_address: int = PER_ADDRESS,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_account, self.per_address, self.window, self.clock = per_account, per_address, window, clock
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
            raise RateLimited(
                f"登录失败次数过多，请 {minutes} 分钟后再试", detail={"retry_after": math.ceil(wait)}
            )

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

    def succeeded(self, *, account: str) -> None:
        """A correct password: the account starts afresh (the address keeps its count)."""
        with self._lock:
            self._failures.pop(f"account:{account}", None)

    def _sweep(self, now: float) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]


login_limiter = LoginLimiter()


def authenticate(*, session: Session, email: str, password: str, address: str) -> User:
    """`accounts.service.authenticate` behind the limiter: RateLimited (429) once over the limit."""
    account = email.strip().lower()
    login_limiter.check(account=account, address=address)
    try:
        user = service.authenticate(session=session, email=email, password=password)
    except NotAuthenticated:
        login_limiter.failed(account=account, address=address)
        raise
    login_limiter.succeeded(account=account)
    return user


def client_address(request: Request) -> str:
    """The client's address as the server sees it (run uvicorn with --proxy-headers behind a proxy)."""
    return request.client.host if request.client else "unknown"
