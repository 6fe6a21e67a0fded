"""Files and helpers for the attachment tests."""

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.documents import storage
from backend.pairings.models import Pairing
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode."
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
POLYGLOT = b"%PDF-1.4\n" + EXE


def upload(
    client: TestClient, posting: Need | Result, data: bytes, name: str = "专利证书.pdf", **form: Any
) -> Any:
    """POST /api/{needs|results}/{id}/attachments as the signed-in client."""
    kind = "needs" if isinstance(posting, Need) else "results"
    return client.post(
        f"/api/{kind}/{posting.id}/attachments",
        files={"file": (name, data, "application/pdf")},
        data={k: str(v).lower() for k, v in form.items()},
        headers={"X-Requested-With": "XMLHttpRequest"},  # the API's CSRF rule for multipart
    )


def stored_files() -> list[Path]:
    """Every attachment file on disk (temp files included)."""
    root = storage.root()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def approve(session: Session, pairing: Pairing) -> None:
    """Move a pairing to 已批准 (what disclosure looks at)."""
    pairing.status = PairingStatus.approved
    session.add(pairing)
    session.commit()
