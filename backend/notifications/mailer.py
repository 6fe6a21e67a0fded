"""Sending notification emails: through SMTP when configured, else into a local outbox file."""

import json
import logging
import smtplib
import threading
from email.message import EmailMessage
from pathlib import Path

from backend.config import get_settings
from backend.db import utcnow

log = logging.getLogger("kematch.mail")
_outbox_lock = threading.Lock()


def outbox_path() -> Path:
    """Where emails go when no SMTP server is configured (one JSON object per line)."""
    return get_settings().data_dir / "outbox.jsonl"


def header_value(value: str) -> str:
    """A header value on one line: CR, LF and other line breaks become spaces (no header injection,
    and no ValueError from the email package for a title typed with a line break)."""
    return " ".join(value.splitlines()).replace("\r", " ").replace("\n", " ").strip()


def send(*, to: str, subject: str, body: str) -> None:
    """Deliver one email; any failure is logged, never raised (the write it follows is committed)."""
    try:
        _deliver(to=header_value(to), subject=header_value(subject), body=body)
    except Exception:
        log.exception("could not send email to %r", to)


def _deliver(*, to: str, subject: str, body: str) -> None:
    settings = get_settings()
    if not settings.smtp_host:
        record = {"to": to, "subject": subject, "body": body, "at": utcnow().isoformat()}
        path = outbox_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with _outbox_lock, path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(msg)
