"""HTML pages of research results that change them: the post / edit form (with 预览匹配) and the owner's
actions 发布, 关闭, 删除 (reading them is `pages`')."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from backend.accounts.deps import CsrfChecked, SignedIn
from backend.accounts.models import Organisation, User
from backend.accounts.verification import require_verified
from backend.deps import SessionDep
from backend.errors import Conflict, InvalidInput, NotPermitted
from backend.forms import FormState, PostedForm, parse
from backend.matching import cards as match_pages
from backend.matching.quality import PostingQuality, for_writer
from backend.postings import results as service
from backend.postings.list_query import TRL_CHOICES
from backend.postings.result_model import Result, ResultBase, ResultCreate, ResultUpdate
from backend.postings.rules import outcome
from backend.templating import redirect, render
from backend.vocab import PostingStatus, Role

router = APIRouter(include_in_schema=False)


@dataclass
class ResultFormPage:
    """Context of the post / edit form."""

    title: str
    action: str
    form: FormState = field(default_factory=FormState)
    result_id: int | None = None
    status: PostingStatus | None = None  # None while posting a new result
    trl_choices: list[tuple[int, str]] = field(default_factory=lambda: TRL_CHOICES)
    preview: match_pages.MatchList | None = None  # 预览匹配: what the typed text would match
    quality: PostingQuality | None = None  # after submitting: the duplicate warning

    @property
    def errors(self) -> dict[str, str]:
        return self.form.errors

    @property
    def labels(self) -> dict[str, str]:
        return self.form.labels


def _detail_url(result_id: int | None) -> str:
    return f"/results/{result_id}"


def _ensure_poster(user: User) -> None:
    if user.role not in (Role.researcher, Role.operator):
        raise NotPermitted("仅科研人员可以发布科技成果")


def _stored_values(result: Result) -> dict[str, Any]:
    """A stored result as the form shows it (lists joined, numbers without trailing zeros)."""
    values: dict[str, Any] = result.model_dump(include=set(ResultBase.model_fields))
    values["keywords"] = "、".join(result.keywords)
    values["modes"] = [str(m) for m in result.modes]
    values["patent_numbers"] = "\n".join(result.patent_numbers)
    values["price"] = f"{result.price:g}" if result.price is not None else ""
    return values


def _posted(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    action = str(data.pop("action", "draft"))
    data.setdefault("modes", [])  # no box ticked: "choose at least one", not "missing"
    if data.get("trl") is None:
        data.pop("trl", None)  # nothing chosen: "required", not "enter an integer"
    return data, action


def _preview(
    request: Request, session: Session, user: User, page: ResultFormPage, current: Result | None
) -> HTMLResponse:
    """预览匹配: validate the form and show what it would match; nothing is saved."""
    try:
        clean = parse(ResultCreate, page.form.values)
    except InvalidInput as exc:
        page.form.fail(exc)
        return render(request, "results/form.html", page, status_code=422)
    owner = current or user
    draft = Result.model_validate(
        clean,
        update={
            "id": current.id if current else 0,
            "organisation_id": owner.organisation_id,
            "owner_id": current.owner_id if current else user.id,
            "status": PostingStatus.draft,
        },
    )  # never added to the session
    page.preview = match_pages.preview_result(session=session, draft=draft, user=user)
    return render(request, "results/form.html", page)


@router.get("/results/new", response_class=HTMLResponse)
def new_result_form(request: Request, session: SessionDep, viewer: SignedIn) -> HTMLResponse:
    _ensure_poster(viewer.user)
    org = session.get(Organisation, viewer.user.organisation_id)
    values: dict[str, Any] = {
        "ip_status": "none",
        "region": org.region if org else "",
        "modes": [],
    }
    page = ResultFormPage(title="发布科技成果", action="/results/new", form=FormState(values=values))
    return render(request, "results/form.html", page)


@router.post("/results/new", response_model=None, dependencies=[CsrfChecked])
def create_result(
    request: Request, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> HTMLResponse | RedirectResponse:
    _ensure_poster(viewer.user)
    data, action = _posted(form)
    page = ResultFormPage(title="发布科技成果", action="/results/new", form=FormState(values=data))
    if action == "preview":
        return _preview(request, session, viewer.user, page, None)
    try:
        result = service.create(
            session=session, data=parse(ResultCreate, data), user=viewer.user, publish=action == "publish"
        )
    except InvalidInput as exc:
        page.form.fail(exc)
        return render(request, "results/form.html", page, status_code=422)
    return redirect(_detail_url(result.id), outcome(item=result))


@router.get("/results/{result_id:int}/edit", response_model=None)
def edit_result_form(
    request: Request, result_id: int, session: SessionDep, viewer: SignedIn
) -> HTMLResponse | RedirectResponse:
    result = service.get_editable(session=session, result_id=result_id, user=viewer.user)
    if result.status == PostingStatus.closed:
        return redirect(_detail_url(result.id), "成果已关闭，不能再修改", "error")
    page = ResultFormPage(
        title=f"编辑成果：{result.title}",
        action=f"/results/{result.id}/edit",
        form=FormState(values=_stored_values(result)),
        result_id=result.id,
        status=result.status,
        quality=for_writer(session=session, posting=result, viewer=viewer.user),
    )
    return render(request, "results/form.html", page)


@router.post("/results/{result_id:int}/edit", response_model=None, dependencies=[CsrfChecked])
def update_result(
    request: Request, result_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> HTMLResponse | RedirectResponse:
    result = service.get_editable(session=session, result_id=result_id, user=viewer.user)
    data, action = _posted(form)
    page = ResultFormPage(
        title=f"编辑成果：{result.title}",
        action=f"/results/{result.id}/edit",
        form=FormState(values=data),
        result_id=result.id,
        status=result.status,
    )
    if action == "preview":
        return _preview(request, session, viewer.user, page, result)
    publish = action == "publish" and result.status in (PostingStatus.draft, PostingStatus.returned)
    try:
        clean = parse(ResultCreate, data)
        if publish:
            require_verified(viewer.user)  # before the edit is written: a refusal keeps nothing
        changed = {k: v for k, v in clean.model_dump().items() if v != getattr(result, k)}
        service.update(
            session=session, result=result, changes=ResultUpdate.model_validate(changed), user=viewer.user
        )
        if publish:
            service.publish(session=session, result=result, user=viewer.user)
    except InvalidInput as exc:
        page.form.fail(exc)
        return render(request, "results/form.html", page, status_code=422)
    except Conflict as exc:
        return redirect(_detail_url(result.id), exc.message, "error")
    message = outcome(item=result) if publish else "修改已保存"
    if not publish and result.status == PostingStatus.pending and viewer.user.role != Role.operator:
        message = "修改已保存，成果将在平台运营重新审核后展示"
    return redirect(_detail_url(result.id), message)


def _act(
    session: Session,
    result_id: int,
    user: User,
    step: Callable[..., Any],
    done: str | None,
    then: str | None = None,
) -> RedirectResponse:
    result = service.get_editable(session=session, result_id=result_id, user=user)
    try:
        step(session=session, result=result, user=user)
        done = done or outcome(item=result)
    except (Conflict, InvalidInput) as exc:
        return redirect(_detail_url(result_id), exc.message, "error")
    return redirect(then or _detail_url(result_id), done)


@router.post("/results/{result_id:int}/publish", dependencies=[CsrfChecked])
def publish_result(result_id: int, session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    return _act(session, result_id, viewer.user, service.publish, None)


@router.post("/results/{result_id:int}/close", dependencies=[CsrfChecked])
def close_result(result_id: int, session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    return _act(session, result_id, viewer.user, service.close, "成果已关闭，不再出现在列表和匹配中")


@router.post("/results/{result_id:int}/delete", dependencies=[CsrfChecked])
def delete_result(result_id: int, session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    back = "/results?mine=1" if viewer.user.role == Role.researcher else "/results"
    return _act(session, result_id, viewer.user, service.delete, "成果已删除", then=back)
