"""Typed request dependencies for the signed-in user: the viewer, roles, and the CSRF check."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from backend.accounts.models import User, UserSession
from backend.accounts.service import resolve_session
from backend.accounts.session_cookie import SESSION_COOKIE
from backend.db import get_session
from backend.deps import SessionDep
from backend.errors import NotAuthenticated, NotPermitted
from backend.vocab import Role


@dataclass(frozen=True)
class Viewer:
    """The signed-in user and their login session."""

    user: User
    login: UserSession

    @property
    def csrf_token(self) -> str:
        return self.login.csrf_token


def get_viewer(request: Request, session: SessionDep) -> Viewer | None:
    """The viewer behind the session cookie, or None for an anonymous request."""
    if hasattr(request.state, "viewer"):
        return request.state.viewer  # type: ignore[no-any-return]
    token = request.cookies.get(SESSION_COOKIE)
    found = resolve_session(session=session, token=token) if token else None
    viewer = Viewer(user=found[0], login=found[1]) if found else None
    request.state.db = session  # the request's session, for what the page's header reads
    request.state.viewer = viewer
    return viewer


MaybeViewer = Annotated[Viewer | None, Depends(get_viewer)]


@contextmanager
def viewer_outside_routes(request: Request) -> Iterator[None]:
    """Resolve the viewer for a page no route rendered (the 404 of an unknown path), so its header
    is the signed-in one; the session (the app's dependency, overrides honoured) stays open for the
    header's unread count while the page renders."""
    if hasattr(request.state, "viewer") or SESSION_COOKIE not in request.cookies:
        yield
        return
    provider = request.app.dependency_overrides.get(get_session, get_session)
    sessions = provider()
    try:
        get_viewer(request, next(sessions))
        yield
    finally:
        next(sessions, None)  # ends the read-only session the way a request's ends


def require_viewer(viewer: MaybeViewer) -> Viewer:
    """The viewer, or 401 (pages redirect to the login form)."""
    if viewer is None:
        raise NotAuthenticated("请先登录")
    return viewer


SignedIn = Annotated[Viewer, Depends(require_viewer)]


def current_user(viewer: MaybeViewer) -> User | None:
    """The signed-in user, if any."""
    return viewer.user if viewer else None


def require_user(viewer: SignedIn) -> User:
    """The signed-in user, or 401."""
    return viewer.user


def require_operator(user: Annotated[User, Depends(require_user)]) -> User:
    """The signed-in operator, or 403."""
    if user.role != Role.operator:
        raise NotPermitted("仅平台运营可以执行此操作")
    return user


OptionalUser = Annotated[User | None, Depends(current_user)]
CurrentUser = Annotated[User, Depends(require_user)]
OperatorUser = Annotated[User, Depends(require_operator)]


async def check_csrf(request: Request, viewer: MaybeViewer) -> None:
    """Refuse a signed-in form post whose CSRF token does not match the session's."""
    if viewer is None:
        return
    form = await request.form()
    if form.get("csrf_token") != viewer.csrf_token:
        raise NotPermitted("页面已过期或请求来源不明，请刷新页面后重试")


CsrfChecked = Depends(check_csrf)
