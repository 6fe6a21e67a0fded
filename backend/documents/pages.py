"""Attachment pages: the download (pages and API alike), and the upload / delete forms."""

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import RedirectResponse, Response

from backend.accounts.deps import CsrfChecked, MaybeViewer, SignedIn
from backend.deps import SessionDep
from backend.documents import service, storage
from backend.documents.api import read_upload
from backend.errors import InvalidInput
from backend.templating import redirect

router = APIRouter(include_in_schema=False)


def disposition(filename: str) -> str:
    """Content-Disposition: attachment, an ASCII fallback and the real name (RFC 5987 filename*)."""
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/attachments/{attachment_id}")
def download(attachment_id: int, session: SessionDep, viewer: MaybeViewer) -> Response:
    """The file, if the viewer may open its posting (and is a party, for 仅对接方可见); else 404."""
    user = viewer.user if viewer else None
    row = service.get_readable(session=session, attachment_id=attachment_id, user=user)
    body = storage.path_of(row.stored_name).read_bytes()
    return Response(
        content=body,
        media_type=row.content_type,
        headers={
            "Content-Disposition": disposition(row.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@router.post("/{kind}/{posting_id}/attachments", response_model=None, dependencies=[CsrfChecked])
def upload_form(
    kind: Literal["needs", "results"],
    posting_id: int,
    session: SessionDep,
    viewer: SignedIn,
    file: Annotated[UploadFile | None, File()] = None,
    parties_only: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """上传附件 on the posting's page: back to the page with what happened."""
    back = f"/{kind}/{posting_id}"
    service.get_posting(session=session, side=kind[:-1], posting_id=posting_id, user=viewer.user)
    try:
        filename, data = read_upload(file)
        row = service.upload(
            session=session,
            side=kind[:-1],
            posting_id=posting_id,
            user=viewer.user,
            filename=filename,
            data=data,
            parties_only=bool(parties_only),
        )
    except InvalidInput as exc:
        return redirect(back, f"上传失败：{exc.message}", "error", target="attachments")
    return redirect(back, f"已上传附件“{row.filename}”", target="attachments")


@router.post("/attachments/{attachment_id}/delete", response_model=None, dependencies=[CsrfChecked])
def delete_form(attachment_id: int, session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    """删除 an attachment from the posting's page."""
    row = service.delete(session=session, attachment_id=attachment_id, user=viewer.user)
    return redirect(f"/{row.side}s/{row.posting_id}", f"已删除附件“{row.filename}”", target="attachments")
