"""HTML pages of technical needs: the list and the detail page (the post / edit form and the
owner's actions are `form_pages`')."""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backend.accounts.deps import MaybeViewer
from backend.deps import SessionDep
from backend.documents.section import AttachmentSection
from backend.documents.section import for_page as attachment_section
from backend.matching import cards as match_pages
from backend.matching.quality import PostingQuality, for_writer
from backend.pairings import state as pair_states
from backend.postings import needs as service
from backend.postings.kinds import NEED
from backend.postings.list_query import (
    PER_PAGE,
    ListPage,
    count_scope,
    list_orders,
    parse_list_query,
)
from backend.postings.need_model import NeedPublic
from backend.postings.rules import can_edit
from backend.postings.search import list_postings
from backend.templating import render
from backend.vocab import Role

router = APIRouter(include_in_schema=False)

ORDERS = [("newest", "最新发布"), ("deadline", "有效期最近"), ("updated", "最近更新")]


@dataclass
class NeedDetailPage:
    """Context of a need's detail page."""

    title: str
    need: NeedPublic
    can_edit: bool
    insider: bool
    matches: list[Any] | None = None  # filled by the matching section (needs/_matches.html)
    quality: PostingQuality | None = None  # duplicate warning, 续期 (home/_quality.html)
    attachments: AttachmentSection | None = None  # documents/_attachments.html


@router.get("/needs", response_class=HTMLResponse)
def list_needs(request: Request, session: SessionDep, viewer: MaybeViewer) -> HTMLResponse:
    user = viewer.user if viewer else None
    orders = list_orders(request.query_params, ORDERS)
    query = parse_list_query(request.query_params, orders=[o for o, _ in orders], user=user)
    rows, total = list_postings(
        session=session,
        kind=NEED,
        user=user,
        filters=query.filters,
        order=query.order,
        offset=(query.page - 1) * PER_PAGE,
        limit=PER_PAGE,
    )
    is_owner = user is not None and user.role in (Role.enterprise, Role.operator)
    page = ListPage(
        title="我的需求" if query.mine else "技术需求",
        path="/needs",
        query=query,
        items=[service.public_view(session=session, need=n, user=user) for n in rows],
        total=total,
        orders=orders,
        mine_label="我的需求",
        can_mine=user is not None and user.role == Role.enterprise,
        show_status=query.mine or (user is not None and user.role == Role.operator),
        post_url="/needs/new" if is_owner else None,
        scope=count_scope(user, mine=query.mine),
    )
    return render(request, "needs/list.html", page)


@router.get("/needs/{need_id:int}", response_class=HTMLResponse)
def need_detail(request: Request, need_id: int, session: SessionDep, viewer: MaybeViewer) -> HTMLResponse:
    user = viewer.user if viewer else None
    need = service.get_visible(session=session, need_id=need_id, user=user)
    page = NeedDetailPage(
        title=need.title,
        need=service.public_view(session=session, need=need, user=user),
        can_edit=user is not None and can_edit(item=need, user=user),
        insider=service.is_insider(session=session, need=need, user=user),
    )
    page.quality = for_writer(session=session, posting=need, viewer=user)
    page.attachments = attachment_section(session=session, posting=need, user=user)
    page.matches = match_pages.need_matches(session=session, need=need, user=user, can_edit=page.can_edit)
    pair_states.attach_to_need_cards(session=session, need=need, cards=page.matches, user=user)
    return render(request, "needs/detail.html", page)
