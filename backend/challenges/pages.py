"""The challenge list and page, and 揭榜: a researcher's proposal, and the result it builds on."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.accounts.deps import CsrfChecked, OptionalUser, SignedIn
from backend.challenges import proposals
from backend.challenges.access import get_visible
from backend.challenges.forms import parse_labelled
from backend.challenges.schemas import ProposalInput
from backend.challenges.views import challenge_page, list_page
from backend.deps import SessionDep
from backend.errors import Conflict, InvalidInput
from backend.forms import PostedForm
from backend.templating import redirect, render

router = APIRouter(include_in_schema=False)


def url_of(challenge_id: int | None) -> str:
    return f"/challenges/{challenge_id}"


@router.get("/challenges", response_class=HTMLResponse)
def challenge_list(request: Request, session: SessionDep, user: OptionalUser) -> HTMLResponse:
    """Published challenges (保密 ones only for those who may see them)."""
    return render(request, "challenges/list.html", list_page(session, user))


@router.get("/challenges/{challenge_id:int}", response_class=HTMLResponse)
def challenge_detail(
    request: Request, challenge_id: int, session: SessionDep, user: OptionalUser
) -> HTMLResponse:
    """A challenge: its terms, and for this viewer the proposal form, their proposal or the review."""
    challenge = get_visible(session=session, challenge_id=challenge_id, user=user)
    return render(request, "challenges/detail.html", challenge_page(session, challenge, user))


@router.post("/challenges/{challenge_id:int}/proposals", dependencies=[CsrfChecked], response_model=None)
def submit_proposal(
    request: Request, challenge_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> HTMLResponse | RedirectResponse:
    """揭榜: submit a proposal (refusals come back on the page, in Chinese)."""
    challenge = get_visible(session=session, challenge_id=challenge_id, user=viewer.user)
    try:
        proposals.ensure_can_submit(session=session, challenge=challenge, user=viewer.user)
        data = parse_labelled(ProposalInput, form)
        proposals.submit(session=session, challenge=challenge, user=viewer.user, data=data)
    except InvalidInput as exc:
        page = challenge_page(session, challenge, viewer.user)
        page.form.values = dict(form)
        page.form.fail(exc)
        return render(request, "challenges/detail.html", page, status_code=422)
    except Conflict as exc:
        session.rollback()
        return redirect(url_of(challenge_id), exc.message, "error")
    return redirect(url_of(challenge_id), "揭榜方案已提交，发榜企业和平台运营会收到通知")


@router.post("/challenges/{challenge_id:int}/proposals/{proposal_id:int}/result", dependencies=[CsrfChecked])
def link_result(
    challenge_id: int, proposal_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> RedirectResponse:
    """The author names the result their proposal builds on (needed before it can be selected)."""
    challenge = get_visible(session=session, challenge_id=challenge_id, user=viewer.user)
    proposal = proposals.get_in(
        session=session, challenge=challenge, proposal_id=proposal_id, user=viewer.user
    )
    raw = str(form.get("result_id", "")).strip()
    try:
        if not raw.isdigit():
            raise InvalidInput("请选择一项成果")
        proposals.link_result(session=session, proposal=proposal, user=viewer.user, result_id=int(raw))
    except (Conflict, InvalidInput) as exc:
        session.rollback()
        return redirect(url_of(challenge_id), exc.message, "error")
    return redirect(url_of(challenge_id), "已关联成果")
