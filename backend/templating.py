"""Jinja2 set-up: one environment, labels from the vocabularies, flash messages."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import pass_context

from backend import vocab
from backend.config import get_settings
from backend.highlight import highlight
from backend.snippet import excerpt
from backend.timefmt import iso_time, show_date, show_time
from backend.vocab import modes_label
from embeddings.strength import SCALE_NOTE, display_score, strength_band

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "frontend" / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "frontend" / "static"
FLASH_COOKIE = "kematch_flash"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
env = templates.env
env.globals.update(
    TechField=vocab.TechField,
    TransferMode=vocab.TransferMode,
    Confidentiality=vocab.Confidentiality,
    ResultForm=vocab.ResultForm,
    IpStatus=vocab.IpStatus,
    PostingStatus=vocab.PostingStatus,
    PairingStatus=vocab.PairingStatus,
    Role=vocab.Role,
    OrgKind=vocab.OrgKind,
    TRL_LABELS=vocab.TRL_LABELS,
    REGIONS=vocab.REGIONS,
    REVIEW_POSTINGS=get_settings().review_postings,
    REGION_CHOICES=[(r, r) for r in vocab.REGIONS],
)


def _label(value: Any, enum_name: str) -> str:
    enum = getattr(vocab, enum_name)
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value)


def _money(low: float | None, high: float | None = None, negotiable: bool = False) -> str:
    def fmt(x: float) -> str:
        return f"{x:g}"

    if negotiable and low is None and high is None:
        return "面议"
    if low is not None and high is not None and low != high:
        return f"{fmt(low)}–{fmt(high)} 万元"
    value = high if high is not None else low
    return f"{fmt(value)} 万元" if value is not None else "面议"


@pass_context
def _url_for(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    """A route's path on this site, never an absolute URL: Starlette's `url_for` builds one from the
    request's Host header, so a forged Host ended up in every page's stylesheet and script links."""
    request: Request = context["request"]
    return str(request.scope.get("root_path", "")) + str(request.app.url_path_for(name, **path_params))


env.globals["url_for"] = _url_for  # replaces the default Jinja2Templates installed
env.filters.update(label=_label, modes=modes_label, money=_money)
env.filters["highlight"] = highlight  # matched terms in <mark>, XSS-safe
env.filters["excerpt"] = excerpt  # a card's excerpt around the search words, highlighted
# A match score is shown as one whole number with its strength band's label, on every page.
env.filters.update(score=display_score, strength=strength_band)
env.globals["SCALE_NOTE"] = SCALE_NOTE
# Every time a page shows is Beijing time (stored times are UTC): `{{ x|when }}`, never strftime.
env.filters.update(when=show_time, when_date=show_date, when_iso=iso_time)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key, salt="flash")


class Flash(NamedTuple):
    """A one-time message; `target` names the element it is about (also shown there, see _pair_box)."""

    kind: str
    message: str
    target: str = ""


def flash(
    response: RedirectResponse, message: str, kind: str = "success", target: str = ""
) -> RedirectResponse:
    """Attach a one-time message shown on the next page."""
    value = _serializer().dumps([kind, message, target])
    response.set_cookie(FLASH_COOKIE, value, httponly=True, samesite="lax", max_age=60)
    return response


def _take_flash(request: Request) -> Flash | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        kind, message, *rest = _serializer().loads(raw)
    except (BadSignature, ValueError, TypeError):
        return None
    return Flash(str(kind), str(message), str(rest[0]) if rest else "")


def redirect(
    url: str, message: str | None = None, kind: str = "success", *, target: str = ""
) -> RedirectResponse:
    """A 303 redirect, optionally carrying a flash message; with `target`, to that element (`#target`)."""
    response = RedirectResponse(url + (f"#{target}" if target else ""), status_code=303)
    return flash(response, message, kind, target) if message else response


def render(request: Request, template: str, page: Any = None, *, status_code: int = 200) -> HTMLResponse:
    """Render a page template with its typed context `page` and the viewer."""
    viewer = getattr(request.state, "viewer", None)
    message = _take_flash(request)
    response = templates.TemplateResponse(
        request,
        template,
        {"page": page, "viewer": viewer, "user": viewer.user if viewer else None, "flash": message},
        status_code=status_code,
    )
    if message:
        response.delete_cookie(FLASH_COOKIE)
    return response


@dataclass(frozen=True)
class MessagePage:
    """Context of a page that only shows a title and a message."""

    title: str
    message: str
