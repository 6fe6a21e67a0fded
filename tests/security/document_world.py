"""The security world's attachments: a public and a 仅对接方可见 file of the researcher's result,
the 保密 need's specification sheet (MARKER in its name and its bytes, so the crawl sees a leak of
either) and the 脱敏 need's sheet."""

from typing import TYPE_CHECKING

from backend.documents import service
from tests.backend.documents.kit import PDF

if TYPE_CHECKING:
    from tests.security.world import World

MARKER = "XQZ保密标记7731"  # the same as tests/security/world.py's


def add_attachments(world: "World") -> dict[str, int]:
    """Upload the world's files as their owners; their ids by name (for paths like /attachments/{att_sec})."""
    researcher, enterprise = world.users["researcher"], world.users["enterprise"]
    secret = PDF.replace(b"%%EOF", f"({MARKER})\n%%EOF".encode())
    rows = {
        "att_result": service.upload(
            session=world.session,
            side="result",
            posting_id=world.result.id or 0,
            user=researcher,
            filename="专利证书.pdf",
            data=PDF,
        ),
        "att_parties": service.upload(
            session=world.session,
            side="result",
            posting_id=world.result.id or 0,
            user=researcher,
            filename="完整技术资料.pdf",
            data=PDF,
            parties_only=True,
        ),
        "att_sec": service.upload(
            session=world.session,
            side="need",
            posting_id=world.need_sec.id or 0,
            user=enterprise,
            filename=f"需求说明书{MARKER}.pdf",
            data=secret,
        ),
        "att_des": service.upload(
            session=world.session,
            side="need",
            posting_id=world.need_des.id or 0,
            user=enterprise,
            filename="脱敏需求说明书.pdf",
            data=PDF,
        ),
    }
    return {name: row.id or 0 for name, row in rows.items()}
