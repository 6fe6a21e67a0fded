"""HTML pages of accounts: log in, sign up, log out, change password, operator creates accounts.

The reset and verification links are in `recovery_pages`, the terms in `legal_pages`."""

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from backend.accounts import login_limit, service
from backend.accounts.checks import Checks, all_at_once, password_change_problems, signup_problems
from backend.accounts.deps import CsrfChecked, MaybeViewer, OperatorUser, SignedIn
from backend.accounts.login_limit import client_address
from backend.accounts.models import User
from backend.accounts.schemas import Login, PasswordChange, SignUp
from backend.accounts.session_cookie import SESSION_COOKIE, clear_session_cookie, set_session_cookie
from backend.config import get_settings
from backend.deps import SessionDep
from backend.errors import InvalidInput, NotAuthenticated, RateLimited
from backend.forms import FormState, PostedForm, parse
from backend.templating import redirect, render
from backend.vocab import Role

router = APIRouter(include_in_schema=False)


@dataclass
class AuthPage:
    title: str
    form: FormState = field(default_factory=FormState)
    next_url: str = "/"
    roles: list[Role] = field(default_factory=lambda: [Role.enterprise, Role.researcher])

    @property
    def errors(self) -> dict[str, str]:
        return self.form.errors

    @property
    def labels(self) -> dict[str, str]:
        return self.form.labels


_SECRET_FIELDS = ("password", "password_confirm", "current_password", "new_password", "new_password_confirm")


def _shown(data: dict[str, Any]) -> dict[str, Any]:
    """What a form shows again after an error: everything typed but the passwords."""
    return {k: v for k, v in data.items() if k not in _SECRET_FIELDS}


def _signup_checks(session: Session, created_by: User | None) -> Checks:
    return lambda values, skip: signup_problems(
        session=session, values=values, skip=skip, created_by=created_by
    )


def _checked_signup(session: Session, data: dict[str, Any], created_by: User | None) -> SignUp:
    """The posted sign-up, every problem of it (fields, confirmation, consent, duplicates) at once."""
    data.setdefault("password_confirm", "")  # the form always has the field: absent is "not retyped"
    return all_at_once(SignUp, data, _signup_checks(session, created_by))


def _safe_next(url: str | None) -> str:
    # Only same-site paths: never redirect a login to another host.
    return url if url and url.startswith("/") and not url.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, viewer: MaybeViewer, next: str | None = None) -> HTMLResponse:
    page = AuthPage(title="登录", next_url=_safe_next(next))
    return render(request, "accounts/login.html", page)


# CsrfChecked: a signed-in visitor's form carries the session's token; an anonymous one has no
# session to bind a token to, and is guarded by the Origin / Sec-Fetch-Site check (backend.security).
@router.post("/login", response_model=None, dependencies=[CsrfChecked])
def login(request: Request, session: SessionDep, data: PostedForm) -> HTMLResponse | RedirectResponse:
    page = AuthPage(
        title="登录",
        form=FormState(values={"email": data.get("email", "")}),
        next_url=_safe_next(data.get("next")),
    )
    try:
        creds = parse(Login, data)
        user = login_limit.authenticate(
            session=session, email=creds.email, password=creds.password, address=client_address(request)
        )
    except InvalidInput as exc:
        page.form.fail(exc)
        return render(request, "accounts/login.html", page, status_code=422)
    except NotAuthenticated as exc:
        page.form.errors = {"password": exc.message}
        return render(request, "accounts/login.html", page, status_code=401)
    except RateLimited as exc:
        page.form.errors = {"password": exc.message}
        return render(request, "accounts/login.html", page, status_code=429)
    token, _ = service.start_session(session=session, user=user, hours=get_settings().session_hours)
    response = redirect(page.next_url, f"欢迎回来，{user.name}")
    set_session_cookie(response, token, request)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(session=session, token=token)
    response = redirect("/", "您已安全退出")
    clear_session_cookie(response)
    return response


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, viewer: MaybeViewer, role: str = "enterprise") -> HTMLResponse:
    values = {"role": role if role in ("enterprise", "researcher") else "enterprise"}
    return render(request, "accounts/signup.html", AuthPage(title="注册账号", form=FormState(values=values)))


@router.post("/signup", response_model=None, dependencies=[CsrfChecked])
def signup(request: Request, session: SessionDep, data: PostedForm) -> HTMLResponse | RedirectResponse:
    page = AuthPage(title="注册账号", form=FormState(values=_shown(data)))
    try:
        if data.get("role") not in ("enterprise", "researcher"):
            data["role"] = "invalid"
        user = service.create_user(session=session, data=_checked_signup(session, data, None))
    except InvalidInput as exc:
        page.form.fail(exc)
        return render(request, "accounts/signup.html", page, status_code=422)
    token, _ = service.start_session(session=session, user=user, hours=get_settings().session_hours)
    welcome = (
        f"注册成功，欢迎加入科创撮合，{user.name}。验证邮件已发送至 {user.email}，打开其中的链接即完成验证"
    )
    response = redirect("/", welcome)
    set_session_cookie(response, token, request)
    return response


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, viewer: SignedIn) -> HTMLResponse:
    return render(request, "accounts/password.html", AuthPage(title="修改密码"))


@router.post("/account/password", response_model=None, dependencies=[CsrfChecked])
def change_password(
    request: Request, session: SessionDep, viewer: SignedIn, data: PostedForm
) -> HTMLResponse | RedirectResponse:
    page = AuthPage(title="修改密码")
    data.setdefault("new_password_confirm", "")
    user = viewer.user
    try:
        change = all_at_once(
            PasswordChange,
            data,
            lambda values, skip: password_change_problems(user=user, values=values, skip=skip),
        )
        service.change_password(
            session=session, user=viewer.user, data=change, keep_session_id=viewer.login.id
        )
    except InvalidInput as exc:
        page.form.fail(exc)
        return render(request, "accounts/password.html", page, status_code=422)
    return redirect("/", "密码已修改，其他设备上的登录已失效")


@router.get("/ops/users/new", response_class=HTMLResponse)
def new_user_form(request: Request, operator: OperatorUser) -> HTMLResponse:
    page = AuthPage(title="开通账号", roles=list(Role), form=FormState(values={"role": "operator"}))
    return render(request, "accounts/new_user.html", page)


@router.post("/ops/users/new", response_model=None, dependencies=[CsrfChecked])
def create_user(
    request: Request, session: SessionDep, operator: OperatorUser, data: PostedForm
) -> HTMLResponse | RedirectResponse:
    page = AuthPage(title="开通账号", roles=list(Role), form=FormState(values=_shown(data)))
    try:
        checked = _checked_signup(session, data, operator)
        user = service.create_user(session=session, data=checked, created_by=operator)
    except InvalidInput as exc:
        page.form.fail(exc)
        return render(request, "accounts/new_user.html", page, status_code=422)
    return redirect("/ops/users/new", f"已开通{user.role.label}账号 {user.email}，验证邮件已发至该邮箱")
