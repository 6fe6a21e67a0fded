"""The FastAPI application: routers, static files and error handling."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.accounts import api as accounts_api
from backend.accounts import pages as accounts_pages
from backend.dashboard import api as dashboard_api
from backend.dashboard import pages as dashboard_pages
from backend.errors import DomainError, InvalidInput, NotAuthenticated
from backend.home import pages as home_pages
from backend.matching import api as matching_api
from backend.matching.lifecycle import start_matching
from backend.needs import api as needs_api
from backend.needs import pages as needs_pages
from backend.notifications import api as notifications_api
from backend.notifications import pages as notifications_pages
from backend.ops import pairing_api as ops_pairing_api
from backend.ops import pairing_pages as ops_pairing_pages
from backend.ops import review_api, review_pages
from backend.pairings import api as pairings_api
from backend.pairings import pages as pairings_pages
from backend.results import api as results_api
from backend.results import pages as results_pages
from backend.security import install as install_security
from backend.security.api_guard import ApiCsrfToken
from backend.security.body_limit import BodyTooLarge
from backend.templating import STATIC_DIR, MessagePage, render
from backend.transfer import api as transfer_api
from backend.transfer import pages as transfer_pages
from backend.transfer.worker import mark_interrupted_jobs
from backend.validation import field_errors
from backend.workspace import pages as workspace_pages

log = logging.getLogger("kematch")

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
    if isinstance(exc, BodyTooLarge):
        message = str(exc.detail)
    return _error_response(request, exc.status_code, message)


async def _database_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OperationalError)
    text = str(exc.orig).lower()
    if any(marker in text for marker in _DB_BUSY):
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc.orig)
        return _error_response(request, 503, "系统繁忙，请稍后重试")
    if any(marker in text for marker in _DB_FULL):
        log.error("database out of space on %s %s: %s", request.method, request.url.path, exc.orig)
        return _error_response(request, 503, "存储空间不足，本次内容未能保存，请稍后重试或联系平台运营")
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error_response(request, 500, "系统遇到意外错误，已记录。请稍后重试。")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    mark_interrupted_jobs()  # before the sync, which indexes what they stored
    start_matching()
    yield


def create_app() -> FastAPI:
    """Build the application."""
    app = FastAPI(title="科创撮合 KeMatch", version="0.1.0", lifespan=_lifespan, dependencies=[ApiCsrfToken])
    install_security(app)  # security headers, body-size limit, the API's CSRF rule
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
    for module in (dashboard_api, notifications_api):  # operators' dashboard; the bell's notifications
        app.include_router(module.router, prefix="/api")
    for module in (dashboard_pages, notifications_pages):
        app.include_router(module.router)
    for module in (accounts_api, needs_api, results_api, matching_api, transfer_api):
        app.include_router(module.router, prefix="/api")
    app.include_router(ops_pairing_api.router, prefix="/api")
    app.include_router(ops_pairing_pages.router)
    app.include_router(pairings_api.router, prefix="/api")  # interest, my pairings
    for module in (pairings_pages, workspace_pages):  # pairing pages, /workspace
        app.include_router(module.router)
    app.include_router(review_api.router, prefix="/api")
    app.include_router(review_pages.router)
    for module in (home_pages, accounts_pages, needs_pages, results_pages, transfer_pages):
        app.include_router(module.router)

    @app.get("/healthz", tags=["system"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app()
