"""HTML pages of research results: the list and the detail page (the post / edit form and the
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
from backend.postings import results as service
from backend.postings.kinds import RESULT
from backend.postings.list_query import (
    PER_PAGE,
    ListPage,
    count_scope,
    list_orders,
    parse_list_query,
)
from backend.postings.result_model import ResultPublic
from backend.postings.rules import can_edit
from backend.postings.search import list_postings
from backend.templating import render
from backend.vocab import Role

router = APIRouter(include_in_schema=False)

ORDERS = [("newest", "最新发布"), ("trl", "成熟度从高到低"), ("updated", "最近更新")]


@dataclass
class ResultDetailPage:
    """Context of a result's detail page."""

    title: str
    result: ResultPublic
    can_edit: bool
    insider: bool
    matches: list[Any] | None = None  # filled by the matching section (results/_matches.html)
    quality: PostingQuality | None = None  # duplicate warning, 续期 (home/_quality.html)
    attachments: AttachmentSection | None = None  # documents/_attachments.html


@router.get("/results", response_class=HTMLResponse)
def list_results(request: Request, session: SessionDep, viewer: MaybeViewer) -> HTMLResponse:
    user = viewer.user if viewer else None
    orders = list_orders(request.query_params, ORDERS)
    query = parse_list_query(request.query_params, orders=[o for o, _ in orders], user=user)
    rows, total = list_postings(
        session=session,
        kind=RESULT,
        user=user,
        filters=query.filters,
        order=query.order,
        offset=(query.page - 1) * PER_PAGE,
        limit=PER_PAGE,
    )
    is_owner = user is not None and user.role in (Role.researcher, Role.operator)
    page = ListPage(
        title="我的成果" if query.mine else "科技成果",
        path="/results",
        query=query,
        items=[service.public_view(session=session, result=r, user=user) for r in rows],
        total=total,
        orders=orders,
        mine_label="我的成果",
        can_mine=user is not None and user.role == Role.researcher,
        show_status=query.mine or (user is not None and user.role == Role.operator),
        post_url="/results/new" if is_owner else None,
        scope=count_scope(user, mine=query.mine),
    )
    return render(request, "results/list.html", page)


@router.get("/results/{result_id:int}", response_class=HTMLResponse)
def result_detail(request: Request, result_id: int, session: SessionDep, viewer: MaybeViewer) -> HTMLResponse:
    user = viewer.user if viewer else None
    result = service.get_visible(session=session, result_id=result_id, user=user)
    page = ResultDetailPage(
        title=result.title,
        result=service.public_view(session=session, result=result, user=user),
        can_edit=user is not None and can_edit(item=result, user=user),
        insider=service.is_insider(session=session, result=result, user=user),
    )
    page.quality = for_writer(session=session, posting=result, viewer=user)
    page.attachments = attachment_section(session=session, posting=result, user=user)
    page.matches = match_pages.result_matches(
        session=session, result=result, user=user, can_edit=page.can_edit
    )
    pair_states.attach_to_result_cards(session=session, result=result, cards=page.matches, user=user)
    return render(request, "results/detail.html", page)
