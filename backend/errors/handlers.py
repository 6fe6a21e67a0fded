"""How errors reach people: a page in Chinese for the site, `{"error", "detail"}` for /api."""

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.errors import DomainError, InvalidInput, NotAuthenticated
from backend.errors.messages import field_errors
from backend.errors.unique import is_unique_violation
from backend.templating import MessagePage, render

log = logging.getLogger("kematch")

PageViewer = Callable[[Request], AbstractContextManager[None]]

_ERROR_TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "页面不存在",
    405: "不支持的请求方式",
    409: "操作冲突",
    413: "内容过大",
    422: "输入有误",
    429: "操作过于频繁",
    500: "服务器出错了",
    503: "系统繁忙",
}
# Driver messages of a database that is busy (another writer holds the lock past the busy
# timeout) or out of space: the transaction was rolled back, so the user may simply retry.
_DB_BUSY = ("database is locked", "database table is locked", "lock timeout", "could not obtain lock")
_DB_FULL = ("database or disk is full", "no space left on device", "disk full")
# The database cannot be reached (down, restarting, network): the request did nothing; retry later.
_DB_DOWN = (
    "connection refused",
    "could not connect",
    "connection failed",
    "connection timeout",
    "timeout expired",
    "server closed the connection",
    "terminating connection",
    "the database system is",  # … starting up / shutting down / in recovery mode
    "unable to open database file",
)
DB_DOWN_MESSAGE = "数据库暂时无法连接，请稍后重试"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _error_response(request: Request, status: int, message: str, detail: object = None) -> Response:
    title = _ERROR_TITLES.get(status, "出错了")
    if _is_api(request):
        return JSONResponse({"error": message or title, "detail": detail}, status_code=status)
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return render(request, template, MessagePage(title=title, message=message), status_code=status)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, NotAuthenticated) and not _is_api(request):
        target = quote(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)
    return _error_response(request, exc.status_code, exc.message, exc.detail)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    return _error_response(request, 422, InvalidInput.title, errors)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = {404: "您访问的页面不存在或已被移除。", 405: "不支持这种请求方式。"}.get(exc.status_code, "")
    if exc.status_code == 413:  # the body-size limit says what the limit is
        message = str(exc.detail)
    if _is_api(request) or exc.status_code not in (404, 405):
        return _error_response(request, exc.status_code, message)
    # No route ran, so nobody looked at the session cookie: look now, or a signed-in visitor
    # who mistypes an address sees the anonymous header (登录 / 免费注册) as if logged out.
    hook: PageViewer | None = getattr(request.app.state, "page_viewer", None)
    try:
        with hook(request) if hook else nullcontext():
            return _error_response(request, exc.status_code, message)
    except SQLAlchemyError:
        log.warning(
            "viewer of a %s page not resolved on %s", exc.status_code, request.url.path, exc_info=True
        )
        request.state.viewer = None
        return _error_response(request, exc.status_code, message)


async def _database_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OperationalError)
    text = str(exc.orig).lower()
    if any(marker in text for marker in _DB_BUSY):
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc.orig)
        return _error_response(request, 503, "系统繁忙，请稍后重试")
    if exc.connection_invalidated or any(marker in text for marker in _DB_DOWN):
        log.error("database unreachable on %s %s: %s", request.method, request.url.path, exc.orig)
        return _error_response(request, 503, DB_DOWN_MESSAGE)
    if any(marker in text for marker in _DB_FULL):
        log.error("database out of space on %s %s: %s", request.method, request.url.path, exc.orig)
        return _error_response(request, 503, "存储空间不足，本次内容未能保存，请稍后重试或联系平台运营")
    return await _unexpected(request, exc)


async def _pool_exhausted(request: Request, exc: Exception) -> Response:
    # Every connection of this worker's pool stayed busy for the pool timeout: answer, don't queue.
    log.error("no database connection free on %s %s: %s", request.method, request.url.path, exc)
    return _error_response(request, 503, "系统繁忙，请稍后重试")


async def _out_of_range(request: Request, exc: Exception) -> Response:
    # A number the database cannot hold (SQLite: OverflowError; PostgreSQL: DataError) came from
    # the request: ids in the path are refused earlier (security.id_bounds), so it is a body or
    # query value: the request is wrong, not the server. So is a NUL character, which SQLite
    # stores and PostgreSQL refuses (forms refuse control characters before; this is the net).
    reason = str(exc.orig).lower() if isinstance(exc, DataError) else "out of range"
    if "nul (0x00)" in reason:
        log.info("NUL character refused on %s %s", request.method, request.url.path)
        return _error_response(
            request, 422, "不能包含控制字符", [{"field": "", "message": "不能包含控制字符"}]
        )
    if "out of range" not in reason:
        return await _unexpected(request, exc)
    log.info("number out of range on %s %s: %s", request.method, request.url.path, exc)
    return _error_response(request, 422, "数值超出允许范围", [{"field": "", "message": "数值超出允许范围"}])


async def _integrity_error(request: Request, exc: Exception) -> Response:
    # A unique key a concurrent request took first (the service's look-up saw nothing): the same
    # answer as a sequential duplicate, 409, never a 500. Other integrity errors are bugs.
    assert isinstance(exc, IntegrityError)
    if not is_unique_violation(exc):
        return await _unexpected(request, exc)
    log.info("duplicate refused by the database on %s %s: %s", request.method, request.url.path, exc.orig)
    return _error_response(request, 409, "该记录已存在（可能刚由他人提交），请刷新后查看")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error_response(request, 500, "系统遇到意外错误，已记录。请稍后重试。")


def install_error_handlers(app: FastAPI, *, page_viewer: PageViewer | None = None) -> None:
    """Route every error, expected or not, to the responses above: nobody sees a stack trace.

    `page_viewer(request)` resolves the signed-in viewer for a 404 / 405 page no route rendered.
    """
    app.state.page_viewer = page_viewer
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(PoolTimeout, _pool_exhausted)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(Exception, _unexpected)  # last resort, for errors of the middlewares


class UnexpectedErrorMiddleware:
    """Renders an exception no handler took as the 500 page / JSON, *inside* the other middlewares.

    Starlette runs the `Exception` handler in its outermost ServerErrorMiddleware, outside every
    middleware the app adds, so those 500s went out without the security headers. This one sits
    just inside the headers middleware (see `backend.security.install`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started:  # too late for an error page: let the server close the connection
                raise
            response = await _unexpected(Request(scope, receive), exc)
            await response(scope, receive, send)
