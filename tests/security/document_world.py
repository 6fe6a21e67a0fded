"""The security world's attachments: a public and a 仅对接方可见 file of the researcher's result,
the 保密 need's specification sheet (the need's title, which carries MARKER, in the file's name and
bytes, so the crawl sees a leak of either) and the 脱敏 need's sheet."""

from typing import TYPE_CHECKING

from backend.documents import service
from backend.postings.kinds import kind_of
from tests.backend.documents.kit import PDF

if TYPE_CHECKING:
    from backend.accounts.models import User
    from backend.postings.kinds import Posting
    from tests.security.world import World


def add_attachments(world: "World") -> dict[str, int]:
    """Upload the world's files as their owners; their ids by name (for paths like /attachments/{att_sec})."""
    researcher, enterprise = world.users["researcher"], world.users["enterprise"]
    secret = world.need_sec.title  # holds MARKER
    files: dict[str, tuple[Posting, User, str, bytes, bool]] = {
        # name: (posting, uploader, file name, bytes, 仅对接方可见)
        "att_result": (world.result, researcher, "专利证书.pdf", PDF, False),
        "att_parties": (world.result, researcher, "完整技术资料.pdf", PDF, True),
        "att_sec": (
            world.need_sec,
            enterprise,
            f"需求说明书{secret}.pdf",
            PDF.replace(b"%%EOF", f"({secret})\n%%EOF".encode()),
            False,
        ),
        "att_des": (world.need_des, enterprise, "脱敏需求说明书.pdf", PDF, False),
    }
    ids = {}
    for name, (posting, user, filename, data, parties_only) in files.items():
        row = service.upload(
            session=world.session,
            side=kind_of(posting).name,
            posting_id=posting.id or 0,
            user=user,
            filename=filename,
            data=data,
            parties_only=parties_only,
        )
        ids[name] = row.id or 0
    return ids
