"""HTML pages of 收藏 and 对比: the bookmarks list, the bookmark button's posts, the compare page."""

from dataclasses import dataclass

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.accounts.deps import CsrfChecked, MaybeViewer, SignedIn
from backend.deps import SessionDep
from backend.follow import bookmarks, compare
from backend.follow.bookmarks import SavedPosting
from backend.forms import PostedForm
from backend.templating import redirect, render

router = APIRouter(include_in_schema=False)


def back_to(target: object, fallback: str) -> str:
    """Where a form came from, if it is a path on this site (never another site's address)."""
    path = str(target or "")
    if path.startswith("/") and not path.startswith(("//", "/\\")) and "\n" not in path:
        return path
    return fallback


def _posting_id(form: dict[str, object]) -> int:
    raw = str(form.get("posting_id") or "")
    return int(raw) if raw.isdigit() and len(raw) <= 18 else 0


@dataclass(frozen=True)
class BookmarksPage:
    """Context of 我的收藏."""

    title: str
    items: list[SavedPosting]
    hidden: int  # bookmarks of postings the user can no longer see (never named)


@router.get("/bookmarks", response_class=HTMLResponse)
def bookmarks_page(request: Request, session: SessionDep, viewer: SignedIn) -> HTMLResponse:
    """The user's bookmarks they may still open; results can be ticked for 对比."""
    items, hidden = bookmarks.saved(session=session, user=viewer.user)
    return render(
        request, "follow/bookmarks.html", BookmarksPage(title="我的收藏", items=items, hidden=hidden)
    )


@router.post("/bookmarks", dependencies=[CsrfChecked])
def add_bookmark(session: SessionDep, viewer: SignedIn, form: PostedForm) -> RedirectResponse:
    """收藏 from a detail page or card; back to where the button was."""
    side = str(form.get("side") or "")
    bookmarks.add(session=session, user=viewer.user, side=side, posting_id=_posting_id(form))
    return redirect(back_to(form.get("next"), "/bookmarks"), "已收藏，可在“我的收藏”中查看")


@router.post("/bookmarks/remove", dependencies=[CsrfChecked])
def remove_bookmark(session: SessionDep, viewer: SignedIn, form: PostedForm) -> RedirectResponse:
    """取消收藏."""
    side = str(form.get("side") or "")
    bookmarks.remove(session=session, user=viewer.user, side=side, posting_id=_posting_id(form))
    return redirect(back_to(form.get("next"), "/bookmarks"), "已取消收藏")


@router.post("/bookmarks/forget-hidden", dependencies=[CsrfChecked])
def forget_hidden(session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    """Drop the bookmarks of postings that were closed or are no longer visible."""
    gone = bookmarks.forget_hidden(session=session, user=viewer.user)
    return redirect("/bookmarks", f"已清理 {gone} 条失效收藏" if gone else None)


@dataclass(frozen=True)
class ComparePage:
    """Context of 成果对比."""

    title: str
    comparison: compare.Comparison
    ids: list[int]


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    session: SessionDep,
    viewer: MaybeViewer,
    ids: list[str] = Query(default=[]),
    need_id: int | None = Query(default=None, ge=1, le=2**63 - 1),
) -> HTMLResponse:
    """2–4 results side by side; an enterprise sees each one's score for a need of its own."""
    chosen = compare.parse_ids(ids)
    user = viewer.user if viewer else None
    comparison = compare.compare(session=session, user=user, ids=chosen, need_id=need_id)
    page = ComparePage(title="成果对比", comparison=comparison, ids=chosen)
    return render(request, "follow/compare.html", page)
