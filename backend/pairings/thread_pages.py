"""Writing in a pairing's 在线洽谈 thread: the page form and the JSON API."""

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from backend.accounts.deps import CsrfChecked, CurrentUser, SignedIn
from backend.deps import SessionDep
from backend.errors import InvalidInput
from backend.forms import PostedForm
from backend.pairings import service as pairings
from backend.pairings import thread
from backend.pairings.pages import pairing_page
from backend.templating import redirect, render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/pairings", tags=["pairings"])


@router.post("/pairings/{pairing_id:int}/messages", dependencies=[CsrfChecked], response_model=None)
def post_message(
    request: Request, pairing_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> HTMLResponse | RedirectResponse:
    pairing = pairings.get_visible(session=session, pairing_id=pairing_id, user=viewer.user)
    body = str(form.get("body", ""))
    try:
        thread.post(session=session, pairing=pairing, user=viewer.user, body=body)
    except InvalidInput as exc:  # the page again, the typed message kept, the reason beside it
        page = pairing_page(session, pairing, viewer.user)
        page.draft, page.thread_error = body[: thread.MAX_CHARS + 500], exc.message
        return render(request, "pairings/detail.html", page, status_code=422)
    return redirect(f"/pairings/{pairing_id}", "消息已发送，对方会收到通知", target="thread")


class MessageIn(BaseModel):
    body: str = Field(max_length=thread.MAX_CHARS + 500)


class MessageOut(BaseModel):
    id: int
    author: str
    mine: bool
    body: str
    at: datetime


def _out(m: thread.MessageView) -> MessageOut:
    return MessageOut(id=m.id, author=m.author, mine=m.mine, body=m.body, at=m.at)


@api.get("/{pairing_id}/messages")
def list_messages(pairing_id: int, session: SessionDep, user: CurrentUser) -> list[MessageOut]:
    """The pairing's thread, oldest first (marks it read for the caller)."""
    pairing = pairings.get_visible(session=session, pairing_id=pairing_id, user=user)
    found = thread.messages(session=session, pairing=pairing, viewer=user)
    thread.mark_read(session=session, pairing=pairing, user=user)
    return [_out(m) for m in found]


@api.post("/{pairing_id}/messages", status_code=201)
def create_message(pairing_id: int, data: MessageIn, session: SessionDep, user: CurrentUser) -> MessageOut:
    """Write in the thread (parties after approval; operators always)."""
    pairing = pairings.get_visible(session=session, pairing_id=pairing_id, user=user)
    message = thread.post(session=session, pairing=pairing, user=user, body=data.body)
    return _out(
        next(m for m in thread.messages(session=session, pairing=pairing, viewer=user) if m.id == message.id)
    )
