"""/workspace: an organisation's postings with their best matches, new-match badges and pairings."""

from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, col, select

from backend.accounts.deps import SignedIn
from backend.accounts.models import User
from backend.db import utcnow
from backend.deps import SessionDep
from backend.engine import current as matching_engine
from backend.follow import bookmarks, subscriptions
from backend.follow.bookmarks import SavedPosting
from backend.follow.subscriptions import SubscriptionView
from backend.pairings import service as pairings
from backend.pairings import thread, visibility
from backend.pairings.models import Pairing
from backend.pairings.state import PairState, asker_side
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.templating import redirect, render
from backend.vocab import PairingStatus, PostingStatus, Role
from backend.workspace.matches import BriefMatches, brief_matches

router = APIRouter(include_in_schema=False)
GROUP_ORDER = tuple(PairingStatus)


@dataclass
class PostingRow:
    id: int
    title: str
    url: str
    status: PostingStatus
    review_note: str
    matches: BriefMatches


@dataclass
class PairingRow:
    id: int
    need_title: str
    result_title: str
    status: PairingStatus
    score: float
    updated_at: datetime
    pair: PairState | None = None  # set when the other side asked and we can answer
    unread: int = 0  # 在线洽谈 messages by others not read yet


@dataclass
class FollowSummary:
    """The workspace's 收藏 and 订阅 (each removable there)."""

    bookmarks: list[SavedPosting]
    subscriptions: list[SubscriptionView]


@dataclass
class WorkspacePage:
    """Context of the workspace."""

    title: str
    noun: str  # 需求 | 成果
    counterpart: str  # 科技成果 | 技术需求
    post_url: str
    postings: list[PostingRow]
    incoming: list[PairingRow]
    groups: list[tuple[PairingStatus, list[PairingRow]]]
    first_visit: bool
    seen_at: datetime | None = None
    matching_on: bool = True
    new_total: int = field(default=0)
    follow: FollowSummary | None = None


def _postings(session: Session, user: User, since: datetime | None) -> list[PostingRow]:
    items: list[Need] | list[Result]
    if user.role == Role.enterprise:
        items = list(
            session.exec(
                select(Need)
                .where(Need.organisation_id == user.organisation_id)
                .order_by(col(Need.updated_at).desc(), col(Need.id).desc())
            )
        )
    else:
        items = list(
            session.exec(
                select(Result)
                .where(Result.organisation_id == user.organisation_id)
                .order_by(col(Result.updated_at).desc(), col(Result.id).desc())
            )
        )
    return [
        PostingRow(
            id=item.id or 0,
            title=item.title,
            url=f"/{'needs' if isinstance(item, Need) else 'results'}/{item.id}",
            status=PostingStatus(item.status),
            review_note=item.review_note,
            matches=brief_matches(session=session, item=item, user=user, since=since),
        )
        for item in items
    ]


def _pairing_row(session: Session, pairing: Pairing, user: User) -> PairingRow:
    need, result = session.get(Need, pairing.need_id), session.get(Result, pairing.result_id)
    hidden = visibility.need_hidden(session=session, pairing=pairing, user=user)
    return PairingRow(
        id=pairing.id or 0,
        need_title="保密需求" if hidden or need is None else need.title,
        result_title=result.title if result else "",
        status=PairingStatus(pairing.status),
        score=pairing.score,
        updated_at=pairing.updated_at,
    )


@router.get("/workspace", response_model=None)
def workspace(request: Request, session: SessionDep, viewer: SignedIn) -> HTMLResponse | RedirectResponse:
    user = viewer.user
    if user.role == Role.operator:
        return redirect("/ops/reviews")
    since = user.workspace_seen_at
    enterprise = user.role == Role.enterprise
    postings = _postings(session, user, since)
    rows = pairings.for_user(session=session, user=user)
    incoming: list[PairingRow] = []
    grouped: dict[PairingStatus, list[PairingRow]] = {}
    mine = "need" if enterprise else "result"
    unread = thread.unread_counts(
        session=session, user=user, pairing_ids=[p.id for p in rows if p.id is not None]
    )
    for p in rows:
        row = _pairing_row(session, p, user)
        row.unread = unread.get(row.id, 0)
        grouped.setdefault(row.status, []).append(row)
        if row.status == PairingStatus.interested and asker_side(session=session, pairing=p) != mine:
            row.pair = PairState(p.need_id, p.result_id, p.id, row.status, "confirm")
            incoming.append(row)
    page = WorkspacePage(
        title="我的工作台",
        noun="需求" if enterprise else "成果",
        counterpart="科技成果" if enterprise else "技术需求",
        post_url="/needs/new" if enterprise else "/results/new",
        postings=postings,
        incoming=incoming,
        groups=[(s, grouped[s]) for s in GROUP_ORDER if s in grouped],
        first_visit=since is None,
        seen_at=since,
        matching_on=matching_engine() is not None,
        new_total=sum(r.matches.new_count for r in postings),
        follow=FollowSummary(
            bookmarks=bookmarks.saved(session=session, user=user)[0],
            subscriptions=subscriptions.listed(session=session, user=user),
        ),
    )
    user.workspace_seen_at = utcnow()  # what is new is measured from this visit next time
    session.add(user)
    return render(request, "workspace/index.html", page)
