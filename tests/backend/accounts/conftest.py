"""Fixtures of the account tests: the emails the app sends, caught on their way to the mailer."""

import re
from dataclasses import dataclass, field

import pytest

from backend.notifications import mailer


@dataclass
class Mailbox:
    """Every email handed to the mailer during the test, in order."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)  # (to, subject, body)

    def to(self, address: str) -> list[tuple[str, str, str]]:
        return [m for m in self.sent if m[0] == address]

    def link(self, address: str, path: str) -> str:
        """The path of the last `path/<token>` link emailed to `address`."""
        for _, _, body in reversed(self.to(address)):
            found = re.search(rf"https?://[^/\s]+({re.escape(path)}/[A-Za-z0-9_-]+)", body)
            if found:
                return found.group(1)
        raise AssertionError(f"no {path} link was emailed to {address}: {self.sent}")


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    box = Mailbox()
    monkeypatch.setattr(mailer, "send", lambda *, to, subject, body: box.sent.append((to, subject, body)))
    return box
