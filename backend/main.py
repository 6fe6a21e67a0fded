"""The FastAPI application: routers, static files and error handling."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from backend.accounts import api as accounts_api
from backend.accounts import legal_pages, recovery_api, recovery_pages
from backend.accounts import pages as accounts_pages
from backend.accounts.deps import viewer_outside_routes
from backend.challenges import manage_pages as challenge_manage_pages
from backend.challenges import ops_pages as challenge_ops_pages
from backend.challenges import pages as challenge_pages
from backend.dashboard import api as dashboard_api
from backend.dashboard import pages as dashboard_pages
from backend.documents import api as documents_api
from backend.documents import cleanup as attachment_cleanup
from backend.documents import pages as documents_pages
from backend.errors.handlers import install_error_handlers
from backend.follow import alerts as follow_alerts
from backend.follow import api as follow_api
from backend.follow import pages as follow_pages
from backend.follow import subscription_pages
from backend.follow.header import bookmark_context
from backend.home import pages as home_pages
from backend.matching import api as matching_api
from backend.matching import assistant_api, duplicates_api
from backend.matching import duplicates as duplicate_check
from backend.matching.lifecycle import start_matching
from backend.needs import api as needs_api
from backend.needs import form_pages as need_form_pages
from backend.needs import pages as needs_pages
from backend.needs import renewal as need_renewal
from backend.notifications import api as notifications_api
from backend.notifications import pages as notifications_pages
from backend.notifications.header import unread_context
from backend.ops import pairing_api as ops_pairing_api
from backend.ops import pairing_pages as ops_pairing_pages
from backend.ops import review_api, review_pages, stale_pages
from backend.pairings import api as pairings_api
from backend.pairings import pages as pairings_pages
from backend.pairings import thread_pages
from backend.questions import pages as questions_pages
from backend.results import api as results_api
from backend.results import form_pages as result_form_pages
from backend.results import pages as results_pages
from backend.security import install as install_security
from backend.security.api_guard import ApiCsrfToken
from backend.templating import STATIC_DIR, templates
from backend.transfer import api as transfer_api
from backend.transfer import pages as transfer_pages
from backend.transfer.watchdog import watch_import_jobs
from backend.workspace import pages as workspace_pages

ICON_CACHE = {"Cache-Control": "public, max-age=86400"}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    watch_import_jobs()  # import jobs whose worker died are carried on (now, and every 15 s)
    start_matching()
    yield


def create_app() -> FastAPI:
    """Build the application."""
    app = FastAPI(title="科创撮合 KeMatch", version="0.1.0", lifespan=_lifespan, dependencies=[ApiCsrfToken])
    install_security(app)  # security headers, body-size limit, the API's CSRF rule
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    install_error_handlers(app, page_viewer=viewer_outside_routes)  # a 404 keeps the signed-in header
    if unread_context not in templates.context_processors:
        templates.context_processors.append(unread_context)  # the bell's count in every header
    if bookmark_context not in templates.context_processors:
        templates.context_processors.append(bookmark_context)  # 收藏 buttons: saved or not
    follow_alerts.install()  # subscriptions hear of every committed publication
    duplicate_check.install()  # each submitted posting is checked for near-duplicates
    attachment_cleanup.install()  # a deleted posting takes its attachments with it
    app.include_router(documents_api.router, prefix="/api")  # 附件 / 需求说明书
    app.include_router(documents_pages.router)
    app.include_router(follow_api.router, prefix="/api")  # 收藏, 订阅, 对比
    for module in (follow_pages, subscription_pages):
        app.include_router(module.router)
    for module in (dashboard_api, notifications_api):  # operators' dashboard; the bell's notifications
        app.include_router(module.router, prefix="/api")
    for module in (dashboard_pages, notifications_pages):
        app.include_router(module.router)
    for module in (accounts_api, recovery_api, needs_api, results_api, transfer_api):
        app.include_router(module.router, prefix="/api")
    for module in (matching_api, assistant_api):  # matches and search; the writing assistant
        app.include_router(module.router, prefix="/api")
    app.include_router(ops_pairing_api.router, prefix="/api")
    app.include_router(ops_pairing_pages.router)
    app.include_router(pairings_api.router, prefix="/api")  # interest, my pairings
    app.include_router(thread_pages.api, prefix="/api")  # 在线洽谈
    app.include_router(thread_pages.router)
    app.include_router(questions_pages.api, prefix="/api")  # 向平台提问
    app.include_router(questions_pages.router)
    for module in (pairings_pages, workspace_pages):  # pairing pages, /workspace
        app.include_router(module.router)
    app.include_router(review_api.router, prefix="/api")
    app.include_router(review_pages.router)
    app.include_router(stale_pages.router)  # 沉寂信息
    app.include_router(duplicates_api.router, prefix="/api")  # 可能重复
    app.include_router(need_renewal.api_router, prefix="/api")  # 续期
    app.include_router(need_renewal.router)
    for module in (home_pages, accounts_pages, needs_pages, results_pages, transfer_pages):
        app.include_router(module.router)
    for module in (need_form_pages, result_form_pages):  # post / edit forms, 发布 / 关闭 / 删除
        app.include_router(module.router)
    for module in (challenge_manage_pages, challenge_pages, challenge_ops_pages):  # 揭榜挂帅, 未满足需求
        app.include_router(module.router)
    for module in (recovery_pages, legal_pages):  # reset / verification links, 用户协议 and 隐私政策
        app.include_router(module.router)

    @app.get("/healthz", tags=["system"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """The icon browsers and crawlers ask for at the root (pages link favicon.svg)."""
        return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon", headers=ICON_CACHE)

    return app


app = create_app()
