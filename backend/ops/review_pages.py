"""HTML pages of the posting review desk: the queue and the operator's decisions."""

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.accounts.deps import CsrfChecked, OperatorUser
from backend.accounts.models import User
from backend.deps import SessionDep
from backend.errors import Conflict, InvalidInput
from backend.matching.duplicates import DuplicateLink
from backend.ops import duplicates, reviews
from backend.ops.duplicates import DuplicateAction
from backend.ops.reviews import Decision, DecisionRow, QueueRow, StaleReview
from backend.templating import redirect, render

router = APIRouter(include_in_schema=False)

QUEUE_URL = "/ops/reviews"
TABS = [("all", "全部")] + [(name, s.label) for name, s in reviews.SIDES.items()]
_DONE = {
    Decision.approve: "已通过审核并发布：“{title}”",
    Decision.send_back: "已退回修改：“{title}”，发布方会收到退回原因",
    Decision.take_down: "已下架：“{title}”，发布方会收到下架原因",
}
_DUPLICATE_DONE = {
    DuplicateAction.send_back: "已以重复退回：“{title}”，发布方会收到所重复的条目",
    DuplicateAction.merge: "已合并：“{title}”作为重复关闭，保留已有的一条",
}

Note = Annotated[str, Form()]  # length is the service's check, so it reads as a flash message
Next = Annotated[str, Form(alias="next")]
Version = Annotated[str, Form()]  # the version the operator read; checked by the service


@dataclass(frozen=True)
class ReviewQueuePage:
    """Context of the review queue."""

    title: str
    tab: str
    tabs: list[tuple[str, str]]
    rows: list[QueueRow]
    counts: dict[str, int]
    decisions: list[DecisionRow]
    notice: str | None = None  # why a decision was not taken (shown above the queue)
    duplicates: dict[tuple[str, int], list[DuplicateLink]] = field(default_factory=dict)

    @property
    def noun(self) -> str:
        """What the current tab lists: 需求, 成果, or both."""
        return "需求或成果" if self.tab == "all" else dict(self.tabs)[self.tab]

    @property
    def next_url(self) -> str:
        """Where a decision taken in the queue comes back to (the same tab)."""
        return QUEUE_URL if self.tab == "all" else f"{QUEUE_URL}?kind={self.tab}"


def _queue_page(
    request: Request, session: SessionDep, operator: User, tab: str, notice: str | None = None
) -> HTMLResponse:
    if tab not in dict(TABS):
        tab = "all"
    rows = reviews.queue(session=session, kind=None if tab == "all" else tab)
    page = ReviewQueuePage(
        title="发布审核",
        tab=tab,
        tabs=TABS,
        rows=rows,
        counts=reviews.counts(session=session),
        decisions=reviews.recent_decisions(session=session),
        notice=notice,
        duplicates=duplicates.for_queue(session=session, rows=rows, operator=operator),
    )
    return render(request, "ops/reviews.html", page, status_code=409 if notice else 200)


@router.get(QUEUE_URL, response_class=HTMLResponse)
def review_queue(request: Request, session: SessionDep, operator: OperatorUser) -> HTMLResponse:
    return _queue_page(request, session, operator, request.query_params.get("kind", "all"))


def _back(kind: str, item_id: int, next_url: str) -> str:
    # Only the queue itself is an accepted `next`: anything else could send the operator off-site.
    if next_url == QUEUE_URL or next_url.startswith(QUEUE_URL + "?"):
        return next_url
    return f"/{kind}s/{item_id}"


def _number(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _decide(
    request: Request,
    session: SessionDep,
    operator: OperatorUser,
    kind: str,
    item_id: int,
    decision: Decision,
    *,
    note: str = "",
    next_url: str = "",
    version: str = "",
) -> HTMLResponse | RedirectResponse:
    item = reviews.get_posting(session=session, kind=kind, item_id=item_id)
    back = _back(kind, item_id, next_url)
    try:
        reviews.decide(
            session=session,
            kind=kind,
            item_id=item_id,
            operator=operator,
            decision=decision,
            note=note,
            version=_number(version),
        )
    except StaleReview as exc:  # 409 with the queue as it is now: the latest text, nothing decided
        return _queue_page(request, session, operator, kind, exc.message)
    except (Conflict, InvalidInput) as exc:
        return redirect(back, exc.message, "error")
    return redirect(back, _DONE[decision].format(title=item.title))


@router.post("/ops/reviews/{kind}/{item_id:int}/approve", response_model=None, dependencies=[CsrfChecked])
def approve(
    request: Request,
    kind: str,
    item_id: int,
    session: SessionDep,
    operator: OperatorUser,
    next_url: Next = "",
    version: Version = "",
) -> HTMLResponse | RedirectResponse:
    return _decide(
        request, session, operator, kind, item_id, Decision.approve, next_url=next_url, version=version
    )


@router.post("/ops/reviews/{kind}/{item_id:int}/return", response_model=None, dependencies=[CsrfChecked])
def send_back(
    request: Request,
    kind: str,
    item_id: int,
    session: SessionDep,
    operator: OperatorUser,
    note: Note = "",
    next_url: Next = "",
    version: Version = "",
) -> HTMLResponse | RedirectResponse:
    return _decide(
        request,
        session,
        operator,
        kind,
        item_id,
        Decision.send_back,
        note=note,
        next_url=next_url,
        version=version,
    )


@router.post("/ops/reviews/{kind}/{item_id:int}/take-down", response_model=None, dependencies=[CsrfChecked])
def take_down(
    request: Request,
    kind: str,
    item_id: int,
    session: SessionDep,
    operator: OperatorUser,
    note: Note = "",
    next_url: Next = "",
) -> HTMLResponse | RedirectResponse:
    return _decide(
        request, session, operator, kind, item_id, Decision.take_down, note=note, next_url=next_url
    )


Other = Annotated[str, Form()]  # the existing posting's id, from the candidate's button


def _duplicate_decision(
    request: Request,
    session: SessionDep,
    operator: OperatorUser,
    kind: str,
    item_id: int,
    action: DuplicateAction,
    *,
    other: str,
    next_url: str,
    version: str,
) -> HTMLResponse | RedirectResponse:
    """Run one duplicate decision; a stale version shows the queue again, other refusals flash."""
    item = reviews.get_posting(session=session, kind=kind, item_id=item_id)
    back = _back(kind, item_id, next_url)
    try:
        duplicates.decide(
            session=session,
            kind=kind,
            item_id=item_id,
            other_id=_number(other) or 0,
            operator=operator,
            action=action,
            version=_number(version),
        )
    except StaleReview as exc:
        return _queue_page(request, session, operator, kind, exc.message)
    except (Conflict, InvalidInput) as exc:
        return redirect(back, exc.message, "error")
    return redirect(back, _DUPLICATE_DONE[action].format(title=item.title))


@router.post(
    "/ops/reviews/{kind}/{item_id:int}/return-duplicate", response_model=None, dependencies=[CsrfChecked]
)
def send_back_as_duplicate(
    request: Request,
    kind: str,
    item_id: int,
    session: SessionDep,
    operator: OperatorUser,
    other: Other = "",
    next_url: Next = "",
    version: Version = "",
) -> HTMLResponse | RedirectResponse:
    return _duplicate_decision(
        request,
        session,
        operator,
        kind,
        item_id,
        DuplicateAction.send_back,
        other=other,
        next_url=next_url,
        version=version,
    )


@router.post("/ops/reviews/{kind}/{item_id:int}/merge", response_model=None, dependencies=[CsrfChecked])
def merge(
    request: Request,
    kind: str,
    item_id: int,
    session: SessionDep,
    operator: OperatorUser,
    other: Other = "",
    next_url: Next = "",
    version: Version = "",
) -> HTMLResponse | RedirectResponse:
    return _duplicate_decision(
        request,
        session,
        operator,
        kind,
        item_id,
        DuplicateAction.merge,
        other=other,
        next_url=next_url,
        version=version,
    )
