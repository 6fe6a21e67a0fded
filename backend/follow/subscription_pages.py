"""HTML pages of 订阅: the list with its form, creating and deleting a subscription."""

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, col, select

from backend.accounts.deps import CsrfChecked, SignedIn
from backend.accounts.models import User
from backend.deps import SessionDep
from backend.errors import Conflict, InvalidInput
from backend.follow import subscriptions
from backend.follow.subscriptions import CHOSEN_BANDS, SubscriptionIn, SubscriptionView
from backend.forms import FormState, PostedForm
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.templating import redirect, render
from backend.vocab import PostingStatus, Role

router = APIRouter(include_in_schema=False)

LABELS = {
    "": "订阅条件",
    "side": "订阅内容",
    "field": "技术领域",
    "region": "地区",
    "query": "关键词",
    "own": "本单位的需求 / 成果",
    "min_band": "匹配强度",
}


@dataclass
class SubscriptionsPage:
    """Context of 我的订阅: the list, the form (with what was typed) and its choices."""

    title: str
    items: list[SubscriptionView]
    own_choices: list[tuple[str, str]]  # ("need:12", title)
    band_choices: list[tuple[str, str]] = field(
        default_factory=lambda: [
            (k, f"{b.label}（{int(b.min_score)} 分以上）") for k, b in CHOSEN_BANDS.items()
        ]
    )
    form: FormState = field(default_factory=FormState)

    @property
    def errors(self) -> dict[str, str]:
        return self.form.errors

    @property
    def labels(self) -> dict[str, str]:
        return LABELS


def own_choices(session: Session, user: User) -> list[tuple[str, str]]:
    """The user's organisation's published needs (enterprise) or results (researcher)."""
    if user.role == Role.enterprise:
        needs = session.exec(
            select(Need)
            .where(Need.organisation_id == user.organisation_id, Need.status == PostingStatus.published)
            .order_by(col(Need.id).desc())
        ).all()
        return [(f"need:{n.id}", n.title) for n in needs]
    if user.role == Role.researcher:
        found = session.exec(
            select(Result)
            .where(Result.organisation_id == user.organisation_id, Result.status == PostingStatus.published)
            .order_by(col(Result.id).desc())
        ).all()
        return [(f"result:{r.id}", r.title) for r in found]
    return []


def _page(session: Session, user: User, form: FormState | None = None) -> SubscriptionsPage:
    values = {"side": subscriptions.default_side(user), "min_band": "good"}
    return SubscriptionsPage(
        title="我的订阅",
        items=subscriptions.listed(session=session, user=user),
        own_choices=own_choices(session, user),
        form=form or FormState(values=values),
    )


def _typed(form: dict[str, object]) -> SubscriptionIn:
    own = str(form.get("own") or "")
    own_side, _, own_id = own.partition(":")
    return SubscriptionIn(
        side=str(form.get("side") or "") or None,
        field=str(form.get("field") or "") or None,
        region=str(form.get("region") or "") or None,
        query=str(form.get("query") or "")[:500],
        own_side=own_side or None,
        own_id=int(own_id) if own_id.isdigit() and len(own_id) <= 18 else (0 if own else None),
        min_band=str(form.get("min_band") or "good"),
    )


@router.get("/subscriptions", response_class=HTMLResponse)
def subscriptions_page(request: Request, session: SessionDep, viewer: SignedIn) -> HTMLResponse:
    """The user's subscriptions and the form to add one."""
    return render(request, "follow/subscriptions.html", _page(session, viewer.user))


@router.post("/subscriptions", response_model=None, dependencies=[CsrfChecked])
def create_subscription(
    request: Request, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> HTMLResponse | RedirectResponse:
    """Add a subscription; a wrong one is shown again with its errors and nothing is stored."""
    try:
        subscriptions.create(session=session, user=viewer.user, data=_typed(form))
    except (InvalidInput, Conflict) as exc:
        state = FormState(values=dict(form))
        if isinstance(exc, InvalidInput):
            state.fail(exc)
        else:
            state.errors = {"": exc.message}
        page = _page(session, viewer.user, state)
        return render(request, "follow/subscriptions.html", page, status_code=exc.status_code)
    return redirect("/subscriptions", "订阅已保存：有符合条件的新发布时会立即通知您，并在每日摘要邮件中汇总")


@router.post("/subscriptions/{subscription_id:int}/delete", dependencies=[CsrfChecked])
def delete_subscription(
    subscription_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> RedirectResponse:
    """Delete one of the user's subscriptions."""
    subscriptions.remove(session=session, user=viewer.user, subscription_id=subscription_id)
    target = str(form.get("next") or "")
    return redirect("/workspace" if target == "/workspace" else "/subscriptions", "订阅已删除")
