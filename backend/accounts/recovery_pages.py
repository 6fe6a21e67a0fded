"""HTML pages of the emailed links: 忘记密码 → reset link → new password; email verification."""

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.accounts import links, recovery, verification
from backend.accounts.checks import all_at_once, confirm_problem
from backend.accounts.deps import CsrfChecked, MaybeViewer, SignedIn
from backend.accounts.links import BadLink
from backend.accounts.login_limit import client_address
from backend.accounts.schemas import ForgotPassword, PasswordReset
from backend.deps import SessionDep
from backend.errors import Conflict, InvalidInput, RateLimited
from backend.errors.messages import FIELD_LABELS
from backend.forms import FormState, PostedForm, parse
from backend.templating import redirect, render

router = APIRouter(include_in_schema=False)

# A reset page holds a live token in its address: not kept by caches, never sent to another site as
# a referrer ("no-referrer" would make the browser send `Origin: null`, which the CSRF guard refuses).
_LINK_HEADERS = {"cache-control": "no-store", "referrer-policy": "same-origin"}


@dataclass
class LinkPage:
    title: str
    form: FormState = field(default_factory=FormState)
    sent: str = ""  # the answer to a reset request, the same whoever asked
    problem: str = ""  # why a link does not work
    retry_url: str = "/password/forgot"
    token: str = ""
    verified: bool = False
    email: str = ""

    @property
    def errors(self) -> dict[str, str]:
        return self.form.errors

    @property
    def labels(self) -> dict[str, str]:
        return FIELD_LABELS


def _page(request: Request, template: str, page: LinkPage, status_code: int = 200) -> HTMLResponse:
    response = render(request, template, page, status_code=status_code)
    response.headers.update(_LINK_HEADERS)
    return response


def _bad_link(request: Request, exc: BadLink, retry_url: str) -> HTMLResponse:
    page = LinkPage(title="链接已失效", problem=exc.message, retry_url=retry_url)
    return _page(request, "accounts/link_problem.html", page, status_code=exc.status_code)


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_form(request: Request, viewer: MaybeViewer) -> HTMLResponse:
    return render(request, "accounts/forgot.html", LinkPage(title="忘记密码"))


@router.post("/password/forgot", response_class=HTMLResponse, dependencies=[CsrfChecked])
def forgot(request: Request, session: SessionDep, data: PostedForm) -> HTMLResponse:
    page = LinkPage(title="忘记密码", form=FormState(values={"email": data.get("email", "")}))
    try:
        asked = parse(ForgotPassword, data)
        recovery.request_reset(session=session, email=asked.email, address=client_address(request))
    except InvalidInput as exc:
        page.form.fail(exc)
        return render(request, "accounts/forgot.html", page, status_code=422)
    except RateLimited as exc:
        page.form.errors = {"email": exc.message}
        return render(request, "accounts/forgot.html", page, status_code=429)
    page.sent = recovery.SENT
    return render(request, "accounts/forgot.html", page)


@router.get("/password/reset/{token}", response_class=HTMLResponse)
def reset_form(request: Request, token: str, session: SessionDep, viewer: MaybeViewer) -> HTMLResponse:
    try:
        user = links.check(session=session, token=token, purpose=links.RESET)
    except BadLink as exc:
        return _bad_link(request, exc, "/password/forgot")
    return _page(request, "accounts/reset.html", LinkPage(title="设置新密码", token=token, email=user.email))


@router.post("/password/reset/{token}", response_model=None, dependencies=[CsrfChecked])
def reset(
    request: Request, token: str, session: SessionDep, data: PostedForm
) -> HTMLResponse | RedirectResponse:
    try:
        user = links.check(session=session, token=token, purpose=links.RESET)
    except BadLink as exc:
        return _bad_link(request, exc, "/password/forgot")
    page = LinkPage(title="设置新密码", token=token, email=user.email)
    posted = {
        "token": token,
        "new_password": data.get("new_password", ""),
        "new_password_confirm": data.get("new_password_confirm", ""),
    }
    try:
        checked = all_at_once(
            PasswordReset,
            posted,
            lambda values, _skip: confirm_problem(
                values, "new_password", "new_password_confirm", "确认新密码"
            ),
        )
        recovery.reset_password(session=session, data=checked)
    except BadLink as exc:  # used in another tab meanwhile
        return _bad_link(request, exc, "/password/forgot")
    except InvalidInput as exc:
        page.form.fail(exc)
        return _page(request, "accounts/reset.html", page, status_code=422)
    return redirect("/login", "密码已重置，所有设备上的登录均已退出，请用新密码登录")


@router.get("/account/verify", response_class=HTMLResponse)
def verify_status(request: Request, viewer: SignedIn) -> HTMLResponse:
    user = viewer.user
    page = LinkPage(title="邮箱验证", verified=verification.is_verified(user), email=user.email)
    return render(request, "accounts/verify.html", page)


@router.post("/account/verify/resend", dependencies=[CsrfChecked])
def resend(request: Request, session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    try:
        verification.resend(session=session, user=viewer.user, address=client_address(request))
    except (Conflict, RateLimited) as exc:
        return redirect("/account/verify", exc.message, "error")
    return redirect("/account/verify", f"验证邮件已重新发送至 {viewer.user.email}，之前的验证链接随之失效")


@router.get("/account/verify/{token}", response_model=None)
def verify(
    request: Request, token: str, session: SessionDep, viewer: MaybeViewer
) -> HTMLResponse | RedirectResponse:
    try:
        verification.verify(session=session, token=token)
    except BadLink as exc:
        return _bad_link(request, exc, "/account/verify")
    return redirect(
        "/account/verify" if viewer else "/login", "邮箱验证成功，现在可以提交需求或成果供平台审核了"
    )
