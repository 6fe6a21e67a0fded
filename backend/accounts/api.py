"""JSON API of accounts: sign-up, log-in, log-out, the current user, password change."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from backend.accounts import login_limit, service
from backend.accounts.deps import OperatorUser, SignedIn
from backend.accounts.login_limit import client_address
from backend.accounts.models import UserPublic
from backend.accounts.schemas import Login, PasswordChange, SignUp
from backend.accounts.session_cookie import SESSION_COOKIE, clear_session_cookie, set_session_cookie
from backend.config import get_settings
from backend.deps import SessionDep
from backend.errors import NotAuthenticated

router = APIRouter(prefix="/auth", tags=["accounts"])


@router.post("/signup", status_code=201)
def signup(data: SignUp, session: SessionDep, request: Request, response: Response) -> UserPublic:
    """Register an enterprise or researcher account and sign in."""
    user = service.create_user(session=session, data=data)
    token, _ = service.start_session(session=session, user=user, hours=get_settings().session_hours)
    set_session_cookie(response, token, request)
    return UserPublic.model_validate(user)


@router.post("/users", status_code=201)
def create_user(data: SignUp, session: SessionDep, operator: OperatorUser) -> UserPublic:
    """An operator creates an account of any role (operators included)."""
    return UserPublic.model_validate(service.create_user(session=session, data=data, created_by=operator))


@router.post("/login", response_model=UserPublic, responses={401: {"description": "邮箱或密码不正确"}})
def login(
    data: Login, session: SessionDep, request: Request, response: Response
) -> UserPublic | JSONResponse:
    """Check credentials (throttled per account and address) and start a session (cookie)."""
    try:
        user = login_limit.authenticate(
            session=session, email=data.email, password=data.password, address=client_address(request)
        )
    except NotAuthenticated as exc:
        # Answered, not raised: the failure was counted in this request's transaction, which a
        # raised error would roll back; committed, every worker sees the count.
        return JSONResponse({"error": exc.message, "detail": exc.detail}, status_code=401)
    token, _ = service.start_session(session=session, user=user, hours=get_settings().session_hours)
    set_session_cookie(response, token, request)
    return UserPublic.model_validate(user)


@router.post("/logout", status_code=204)
def logout(request: Request, session: SessionDep) -> Response:
    """End the current session."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(session=session, token=token)
    response = Response(status_code=204)
    clear_session_cookie(response)
    return response


@router.get("/me")
def me(viewer: SignedIn) -> UserPublic:
    """The signed-in user."""
    return UserPublic.model_validate(viewer.user)


@router.post("/password", status_code=204)
def change_password(data: PasswordChange, session: SessionDep, viewer: SignedIn) -> Response:
    """Change the password; other sessions of the user are revoked."""
    service.change_password(session=session, user=viewer.user, data=data, keep_session_id=viewer.login.id)
    return Response(status_code=204)
