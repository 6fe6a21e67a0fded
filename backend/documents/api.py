"""JSON API of attachments: list, upload (multipart) and delete; downloads are GET /attachments/{id}."""

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Response, UploadFile

from backend.accounts.deps import CurrentUser, OptionalUser
from backend.deps import SessionDep
from backend.documents import service
from backend.documents.files import MAX_BYTES, refused
from backend.documents.models import AttachmentPublic

router = APIRouter(tags=["附件"])
Plural = Literal["needs", "results"]


def read_upload(file: UploadFile | None) -> tuple[str | None, bytes]:
    """The upload's name and bytes, read no further than one byte past the limit."""
    if file is None or (not file.filename and file.size == 0):
        raise refused("请选择要上传的文件")
    return file.filename, file.file.read(MAX_BYTES + 1)


@router.get("/{kind}/{posting_id}/attachments")
def list_attachments(
    kind: Plural, posting_id: int, session: SessionDep, user: OptionalUser
) -> list[AttachmentPublic]:
    """The attachments of a posting the viewer may open (404 for one they may not)."""
    posting = service.get_posting(session=session, side=kind[:-1], posting_id=posting_id, user=user)
    return [service.public(a) for a in service.listed(session=session, posting=posting, user=user)]


@router.post("/{kind}/{posting_id}/attachments", status_code=201)
def upload_attachment(
    kind: Plural,
    posting_id: int,
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile | None, File()] = None,
    parties_only: Annotated[bool, Form()] = False,
) -> AttachmentPublic:
    """Attach a file (PDF, PNG, JPEG for a result; PDF for a need), 10 MB each, 5 per posting."""
    filename, data = read_upload(file)
    row = service.upload(
        session=session,
        side=kind[:-1],
        posting_id=posting_id,
        user=user,
        filename=filename,
        data=data,
        parties_only=parties_only,
    )
    return service.public(row)


@router.delete("/attachments/{attachment_id}", status_code=204)
def delete_attachment(attachment_id: int, session: SessionDep, user: CurrentUser) -> Response:
    """Remove an attachment of one's own organisation's posting."""
    service.delete(session=session, attachment_id=attachment_id, user=user)
    return Response(status_code=204)
