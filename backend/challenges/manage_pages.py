"""Running a challenge: draft it from a need, publish or close it, shortlist, score and select."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from backend.accounts.deps import CsrfChecked, SignedIn
from backend.accounts.models import User
from backend.challenges import proposals
from backend.challenges import service as challenges
from backend.challenges.access import ensure_manager, get_managed
from backend.challenges.forms import challenge_values, parse_labelled, scores_from
from backend.challenges.models import Challenge, ChallengeVisibility
from backend.challenges.pages import url_of
from backend.challenges.schemas import LABELS, MAX_CRITERIA, ChallengeInput
from backend.deps import SessionDep
from backend.errors import Conflict, InvalidInput, NotPermitted
from backend.forms import FormState, PostedForm
from backend.postings import needs as needs
from backend.postings.need_model import Need
from backend.templating import redirect, render
from backend.vocab import Confidentiality, Role

router = APIRouter(include_in_schema=False)


@dataclass
class ChallengeFormPage:
    """Context of the challenge form (new or a draft's edit)."""

    title: str
    action: str
    need: Need
    secret_need: bool
    visibility_choices: list[tuple[str, str]]
    form: FormState = field(default_factory=lambda: FormState(labels=LABELS))
    max_criteria: int = MAX_CRITERIA

    @property
    def errors(self) -> dict[str, str]:
        return self.form.errors

    @property
    def labels(self) -> dict[str, str]:
        return self.form.labels


def _form_values(values: dict[str, Any]) -> dict[str, Any]:
    shown = dict(values)
    amount = shown.get("reward_amount")
    if isinstance(amount, float):
        shown["reward_amount"] = f"{amount:g}"  # 150, not 150.0
    if isinstance(shown.get("criteria"), list):
        shown["criteria"] = "\n".join(shown["criteria"])
    return shown


def _form_page(need: Need, action: str, values: dict[str, Any], title: str) -> ChallengeFormPage:
    page = ChallengeFormPage(
        title=title,
        action=action,
        need=need,
        secret_need=need.confidentiality == Confidentiality.secret,
        visibility_choices=ChallengeVisibility.choices(),
    )
    page.form.values = _form_values(values)
    return page


def _need_for(session: Session, need_id: int, user: User) -> Need:
    need = needs.get_visible(session=session, need_id=need_id, user=user)
    if not (user.role == Role.operator or need.organisation_id == user.organisation_id):
        raise NotPermitted("只有平台运营或需求方企业可以为该需求发榜")
    return need


@router.get("/challenges/new", response_class=HTMLResponse)
def new_challenge(
    request: Request, session: SessionDep, viewer: SignedIn, need_id: int = Query(ge=1, le=2**31 - 1)
) -> HTMLResponse:
    """The challenge form, prefilled from the need."""
    need = _need_for(session, need_id, viewer.user)
    page = _form_page(
        need, f"/challenges/new?need_id={need.id}", challenges.prefill(need), "发布揭榜挂帅榜单"
    )
    return render(request, "challenges/form.html", page)


@router.post("/challenges/new", dependencies=[CsrfChecked], response_model=None)
def create_challenge(
    request: Request,
    session: SessionDep,
    viewer: SignedIn,
    form: PostedForm,
    need_id: int = Query(ge=1, le=2**31 - 1),
) -> HTMLResponse | RedirectResponse:
    """Save the draft, or publish it at once (按钮“发布榜单”)."""
    need = _need_for(session, need_id, viewer.user)
    publish = form.get("action") == "publish"
    try:
        data = parse_labelled(ChallengeInput, challenge_values(form))
        made = challenges.create(session=session, need=need, data=data, user=viewer.user, publish=publish)
    except InvalidInput as exc:
        page = _form_page(need, f"/challenges/new?need_id={need.id}", form, "发布揭榜挂帅榜单")
        page.form.fail(exc)
        return render(request, "challenges/form.html", page, status_code=422)
    except Conflict as exc:
        session.rollback()
        return redirect(f"/challenges/new?need_id={need.id}", exc.message, "error")
    return redirect(url_of(made.id), "榜单已发布" if publish else "榜单草稿已保存，可继续修改后发布")


@router.get("/challenges/{challenge_id:int}/edit", response_class=HTMLResponse, response_model=None)
def edit_challenge(
    request: Request, challenge_id: int, session: SessionDep, viewer: SignedIn
) -> HTMLResponse | RedirectResponse:
    """A draft's form (a published challenge's terms no longer change)."""
    challenge = get_managed(session=session, challenge_id=challenge_id, user=viewer.user)
    if challenge.status != challenges.S.draft:
        return redirect(url_of(challenge_id), "榜单已发布，不能再修改", "error")
    need = session.get(Need, challenge.need_id)
    assert need is not None
    values = {key: getattr(challenge, key) for key in ChallengeInput.model_fields}
    page = _form_page(need, f"/challenges/{challenge_id}/edit", values, "修改榜单草稿")
    return render(request, "challenges/form.html", page)


@router.post("/challenges/{challenge_id:int}/edit", dependencies=[CsrfChecked], response_model=None)
def save_challenge(
    request: Request, challenge_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> HTMLResponse | RedirectResponse:
    """Save a draft's changes (and publish it, with 发布榜单)."""
    challenge = get_managed(session=session, challenge_id=challenge_id, user=viewer.user)
    need = session.get(Need, challenge.need_id)
    assert need is not None
    try:
        data = parse_labelled(ChallengeInput, challenge_values(form))
        challenges.update_draft(session=session, challenge=challenge, data=data, user=viewer.user)
        if form.get("action") == "publish":
            challenges.publish_challenge(session=session, challenge=challenge, user=viewer.user)
    except InvalidInput as exc:
        page = _form_page(need, f"/challenges/{challenge_id}/edit", form, "修改榜单草稿")
        page.form.fail(exc)
        return render(request, "challenges/form.html", page, status_code=422)
    except Conflict as exc:
        session.rollback()
        return redirect(url_of(challenge_id), exc.message, "error")
    return redirect(url_of(challenge_id), "榜单已发布" if form.get("action") == "publish" else "草稿已保存")


def _act(
    session: Session, challenge_id: int, user: User, step: Callable[[Challenge], Any], done: str
) -> RedirectResponse:
    challenge = get_managed(session=session, challenge_id=challenge_id, user=user)
    try:
        step(challenge)
    except (Conflict, InvalidInput) as exc:
        session.rollback()
        return redirect(url_of(challenge_id), exc.message, "error")
    return redirect(url_of(challenge_id), done)


@router.post("/challenges/{challenge_id:int}/publish", dependencies=[CsrfChecked])
def publish(challenge_id: int, session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    user = viewer.user
    return _act(
        session,
        challenge_id,
        user,
        lambda c: challenges.publish_challenge(session=session, challenge=c, user=user),
        "榜单已发布",
    )


@router.post("/challenges/{challenge_id:int}/close", dependencies=[CsrfChecked])
def close(challenge_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm) -> RedirectResponse:
    user, note = viewer.user, str(form.get("note", ""))
    return _act(
        session,
        challenge_id,
        user,
        lambda c: challenges.close(session=session, challenge=c, user=user, note=note),
        "榜单已关闭，揭榜团队会收到通知",
    )


def _on_proposal(
    session: Session, challenge_id: int, proposal_id: int, user: User, step: Callable[..., Any], done: str
) -> RedirectResponse:
    challenge = get_managed(session=session, challenge_id=challenge_id, user=user)
    proposal = proposals.get_in(session=session, challenge=challenge, proposal_id=proposal_id, user=user)
    ensure_manager(challenge=challenge, user=user)
    try:
        step(challenge, proposal)
    except (Conflict, InvalidInput) as exc:
        session.rollback()
        return redirect(url_of(challenge_id), exc.message, "error")
    return redirect(url_of(challenge_id), done)


@router.post(
    "/challenges/{challenge_id:int}/proposals/{proposal_id:int}/shortlist", dependencies=[CsrfChecked]
)
def shortlist(challenge_id: int, proposal_id: int, session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    user = viewer.user
    return _on_proposal(
        session,
        challenge_id,
        proposal_id,
        user,
        lambda c, p: proposals.shortlist(session=session, challenge=c, proposal=p, user=user),
        "方案已入围，揭榜团队会收到通知",
    )


@router.post("/challenges/{challenge_id:int}/proposals/{proposal_id:int}/score", dependencies=[CsrfChecked])
def score(
    challenge_id: int, proposal_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> RedirectResponse:
    user = viewer.user

    def step(c: Challenge, p: Any) -> None:
        marks = scores_from(form, len(c.criteria))
        proposals.score(
            session=session,
            challenge=c,
            proposal=p,
            user=user,
            scores=marks,
            comment=str(form.get("comment", "")),
        )

    return _on_proposal(session, challenge_id, proposal_id, user, step, "评分已保存")


@router.post("/challenges/{challenge_id:int}/proposals/{proposal_id:int}/select", dependencies=[CsrfChecked])
def select(
    challenge_id: int, proposal_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> RedirectResponse:
    user, note = viewer.user, str(form.get("note", ""))[:500]
    chosen: list[int | None] = []

    def step(c: Challenge, p: Any) -> None:
        chosen.append(
            proposals.select_team(session=session, challenge=c, proposal=p, user=user, note=note).pairing_id
        )

    answer = _on_proposal(session, challenge_id, proposal_id, user, step, "已选定挂帅团队，方案已转入对接")
    if not chosen:
        return answer
    return redirect(f"/pairings/{chosen[0]}", "已选定挂帅团队，方案已转入对接，以下是对接记录")
