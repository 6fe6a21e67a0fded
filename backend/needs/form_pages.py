"""HTML pages of technical needs that change them: the post / edit form (with 预览匹配) and the owner's
actions 发布, 关闭, 删除 (reading them is `pages`')."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from backend.accounts.deps import CsrfChecked, SignedIn
from backend.accounts.models import Organisation, User
from backend.accounts.verification import require_verified
from backend.db import utcnow
from backend.deps import SessionDep
from backend.errors import Conflict, InvalidInput, NotPermitted
from backend.forms import FormState, PostedForm, parse
from backend.matching import cards as match_pages
from backend.matching.quality import PostingQuality, for_writer
from backend.postings import needs as service
from backend.postings.list_query import TRL_CHOICES
from backend.postings.need_model import Need, NeedBase, NeedCreate, NeedUpdate
from backend.postings.rules import outcome
from backend.templating import redirect, render
from backend.vocab import PostingStatus, Role

router = APIRouter(include_in_schema=False)


@dataclass
class NeedFormPage:
    """Context of the post / edit form."""

    title: str
    action: str
    form: FormState = field(default_factory=FormState)
    need_id: int | None = None
    status: PostingStatus | None = None  # None while posting a new need
    trl_choices: list[tuple[int, str]] = field(default_factory=lambda: TRL_CHOICES)
    preview: match_pages.MatchList | None = None  # 预览匹配: what the typed text would match
    quality: PostingQuality | None = None  # after submitting: the duplicate warning

    @property
    def errors(self) -> dict[str, str]:
        return self.form.errors

    @property
    def labels(self) -> dict[str, str]:
        return self.form.labels


def _detail_url(need_id: int | None) -> str:
    return f"/needs/{need_id}"


def _ensure_poster(user: User) -> None:
    if user.role not in (Role.enterprise, Role.operator):
        raise NotPermitted("仅企业用户可以发布技术需求")


def _stored_values(need: Need) -> dict[str, Any]:
    """A stored need as the form shows it (lists joined, numbers without trailing zeros)."""
    values: dict[str, Any] = need.model_dump(include=set(NeedBase.model_fields))
    values["keywords"] = "、".join(need.keywords)
    values["modes"] = [str(m) for m in need.modes]
    values["valid_until"] = need.valid_until.isoformat()
    for name in ("budget_min", "budget_max"):
        amount = values[name]
        values[name] = f"{amount:g}" if amount is not None else ""
    return values


def _posted(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    action = str(data.pop("action", "draft"))
    data.setdefault("modes", [])  # no box ticked: "choose at least one", not "missing"
    if data.get("trl_wanted") is None:
        data.pop("trl_wanted", None)  # nothing chosen: "required", not "enter an integer"
    return data, action


def _preview(
    request: Request, session: Session, user: User, page: NeedFormPage, current: Need | None
) -> HTMLResponse:
    """预览匹配: validate the form and show what it would match; nothing is saved."""
    try:
        clean = parse(NeedCreate, page.form.values)
    except InvalidInput as exc:
        page.form.fail(exc)
        return render(request, "needs/form.html", page, status_code=422)
    owner = current or user
    draft = Need.model_validate(
        clean,
        update={
            "id": current.id if current else 0,
            "organisation_id": owner.organisation_id,
            "owner_id": current.owner_id if current else user.id,
            "status": PostingStatus.draft,
        },
    )  # never added to the session
    page.preview = match_pages.preview_need(session=session, draft=draft, user=user)
    return render(request, "needs/form.html", page)


@router.get("/needs/new", response_class=HTMLResponse)
def new_need_form(request: Request, session: SessionDep, viewer: SignedIn) -> HTMLResponse:
    _ensure_poster(viewer.user)
    org = session.get(Organisation, viewer.user.organisation_id)
    values: dict[str, Any] = {
        "confidentiality": "public",
        "region": org.region if org else "",
        "valid_until": (utcnow().date() + timedelta(days=180)).isoformat(),
        "modes": [],
    }
    page = NeedFormPage(title="发布技术需求", action="/needs/new", form=FormState(values=values))
    return render(request, "needs/form.html", page)


@router.post("/needs/new", response_model=None, dependencies=[CsrfChecked])
def create_need(
    request: Request, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> HTMLResponse | RedirectResponse:
    _ensure_poster(viewer.user)
    data, action = _posted(form)
    page = NeedFormPage(title="发布技术需求", action="/needs/new", form=FormState(values=data))
    if action == "preview":
        return _preview(request, session, viewer.user, page, None)
    try:
        need = service.create(
            session=session, data=parse(NeedCreate, data), user=viewer.user, publish=action == "publish"
        )
    except InvalidInput as exc:
        page.form.fail(exc)
        return render(request, "needs/form.html", page, status_code=422)
    return redirect(_detail_url(need.id), outcome(item=need))


@router.get("/needs/{need_id:int}/edit", response_model=None)
def edit_need_form(
    request: Request, need_id: int, session: SessionDep, viewer: SignedIn
) -> HTMLResponse | RedirectResponse:
    need = service.get_editable(session=session, need_id=need_id, user=viewer.user)
    if need.status == PostingStatus.closed:
        return redirect(_detail_url(need.id), "需求已关闭，不能再修改", "error")
    page = NeedFormPage(
        title=f"编辑需求：{need.title}",
        action=f"/needs/{need.id}/edit",
        form=FormState(values=_stored_values(need)),
        need_id=need.id,
        status=need.status,
        quality=for_writer(session=session, posting=need, viewer=viewer.user),
    )
    return render(request, "needs/form.html", page)


@router.post("/needs/{need_id:int}/edit", response_model=None, dependencies=[CsrfChecked])
def update_need(
    request: Request, need_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> HTMLResponse | RedirectResponse:
    need = service.get_editable(session=session, need_id=need_id, user=viewer.user)
    data, action = _posted(form)
    page = NeedFormPage(
        title=f"编辑需求：{need.title}",
        action=f"/needs/{need.id}/edit",
        form=FormState(values=data),
        need_id=need.id,
        status=need.status,
    )
    if action == "preview":
        return _preview(request, session, viewer.user, page, need)
    publish = action == "publish" and need.status in (PostingStatus.draft, PostingStatus.returned)
    try:
        clean = parse(NeedCreate, data)
        if publish:
            require_verified(viewer.user)  # before the edit is written: a refusal keeps nothing
        changed = {k: v for k, v in clean.model_dump().items() if v != getattr(need, k)}
        if publish:
            # Publishing re-checks the validity date; checking it with the edit means a stale
            # date fails before anything is written.
            changed["valid_until"] = clean.valid_until
        service.update(
            session=session, need=need, changes=NeedUpdate.model_validate(changed), user=viewer.user
        )
        if publish:
            service.publish(session=session, need=need, user=viewer.user)
    except InvalidInput as exc:
        page.form.fail(exc)
        return render(request, "needs/form.html", page, status_code=422)
    except Conflict as exc:
        return redirect(_detail_url(need.id), exc.message, "error")
    message = outcome(item=need) if publish else "修改已保存"
    if not publish and need.status == PostingStatus.pending and viewer.user.role != Role.operator:
        message = "修改已保存，需求将在平台运营重新审核后展示"
    return redirect(_detail_url(need.id), message)


def _act(
    session: Session,
    need_id: int,
    user: User,
    step: Callable[..., Any],
    done: str | None,
    then: str | None = None,
) -> RedirectResponse:
    need = service.get_editable(session=session, need_id=need_id, user=user)
    try:
        step(session=session, need=need, user=user)
        done = done or outcome(item=need)
    except (Conflict, InvalidInput) as exc:
        return redirect(_detail_url(need_id), exc.message, "error")
    return redirect(then or _detail_url(need_id), done)


@router.post("/needs/{need_id:int}/publish", dependencies=[CsrfChecked])
def publish_need(need_id: int, session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    return _act(session, need_id, viewer.user, service.publish, None)


@router.post("/needs/{need_id:int}/close", dependencies=[CsrfChecked])
def close_need(need_id: int, session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    return _act(session, need_id, viewer.user, service.close, "需求已关闭，不再出现在列表和匹配中")


@router.post("/needs/{need_id:int}/delete", dependencies=[CsrfChecked])
def delete_need(need_id: int, session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    back = "/needs?mine=1" if viewer.user.role == Role.enterprise else "/needs"
    return _act(session, need_id, viewer.user, service.delete, "需求已删除", then=back)
