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


def send(*, to: str, subject: str, body: str) -> None:
    """Deliver one email; failures are logged, never raised into the request."""
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
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send email to %s", to)
