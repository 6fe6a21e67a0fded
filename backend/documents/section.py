"""The 附件 section of a posting's page: what the viewer may open, and the upload form for its owners."""

from dataclasses import dataclass, field

from sqlmodel import Session

from backend.accounts.models import User
from backend.documents import service
from backend.documents.files import (
    ALLOWED,
    ALLOWED_TEXT,
    BY_CONTENT_TYPE,
    MAX_BYTES,
    MAX_FILES,
    MB,
    human_size,
)
from backend.postings.kinds import Posting, kind_of
from backend.postings.need_model import Need
from backend.postings.rules import can_edit
from backend.vocab import Confidentiality


@dataclass(frozen=True)
class FileLine:
    """One attachment as the page lists it."""

    id: int
    filename: str
    type_label: str
    size: str
    parties_only: bool
    url: str


@dataclass
class AttachmentSection:
    """Context of documents/_attachments.html."""

    title: str  # 附件 | 需求说明书
    upload_url: str
    files: list[FileLine] = field(default_factory=list)
    can_manage: bool = False
    full: bool = False
    accept: str = ""
    rules: str = ""
    # Shown on a 脱敏 need's form: its files are seen by whoever sees its text.
    identity_warning: bool = False


def for_page(*, session: Session, posting: Posting, user: User | None) -> AttachmentSection:
    """The section of `posting`'s page for `user` (who may already open the posting)."""
    kind = kind_of(posting)
    rows = service.listed(session=session, posting=posting, user=user)
    lines = [
        FileLine(
            id=a.id or 0,
            filename=a.filename,
            type_label=BY_CONTENT_TYPE[a.content_type].label,
            size=human_size(a.size),
            parties_only=a.parties_only,
            url=f"/attachments/{a.id}",
        )
        for a in rows
    ]
    manage = user is not None and can_edit(item=posting, user=user)
    return AttachmentSection(
        title="需求说明书" if kind.name == "need" else "附件",
        upload_url=f"{kind.path}/{posting.id}/attachments",
        files=lines,
        can_manage=manage,
        full=manage and len(rows) >= MAX_FILES,  # an owner sees every file
        accept=",".join(t.content_type for t in ALLOWED[kind.name]),
        rules=f"{ALLOWED_TEXT[kind.name]}，每个不超过 {MAX_BYTES // MB} MB，最多 {MAX_FILES} 个",
        identity_warning=isinstance(posting, Need)
        and posting.confidentiality == Confidentiality.desensitized,
    )
