"""用户协议 and 隐私政策: what people accept at sign-up (version in accounts.terms)."""

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backend.accounts.deps import MaybeViewer
from backend.accounts.terms import TERMS_EFFECTIVE, TERMS_VERSION
from backend.config import get_settings
from backend.templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class LegalPage:
    title: str
    version: str = TERMS_VERSION
    effective: str = TERMS_EFFECTIVE
    session_hours: int = 12


@router.get("/terms", response_class=HTMLResponse)
def terms(request: Request, viewer: MaybeViewer) -> HTMLResponse:
    page = LegalPage(title="用户协议", session_hours=get_settings().session_hours)
    return render(request, "accounts/terms.html", page)


@router.get("/privacy", response_class=HTMLResponse)
def privacy(request: Request, viewer: MaybeViewer) -> HTMLResponse:
    page = LegalPage(title="隐私政策", session_hours=get_settings().session_hours)
    return render(request, "accounts/privacy.html", page)
