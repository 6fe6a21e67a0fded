"""HTML pages of pairings: expressing interest from a match card, the pairing page, party actions."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from backend.accounts.deps import CsrfChecked, SignedIn
from backend.accounts.models import User
from backend.deps import SessionDep
from backend.errors import Conflict, InvalidInput, NotPermitted
from backend.forms import PostedForm
from backend.matching.snapshot import live_score
from backend.pairings import interest, thread, visibility
from backend.pairings import service as pairings
from backend.pairings.announce import announce_party_step
from backend.pairings.models import Pairing
from backend.pairings.state import PairState, asker_side, pair_box_id
from backend.pairings.thread import MessageView
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.display import posting_title
from backend.postings.need_model import Need, NeedPublic
from backend.postings.result_model import Result, ResultPublic
from backend.templating import redirect, render
from backend.vocab import PairingStatus, Role

router = APIRouter(include_in_schema=False)

S = PairingStatus
PROGRESS = (S.suggested, S.interested, S.pending_review, S.approved, S.negotiating, S.signed)
WITHDRAWABLE = frozenset({S.interested, S.pending_review, S.approved, S.negotiating})
SIDE_LABELS = {"need": "需求方", "result": "成果方"}


@dataclass
class Step:
    label: str
    state: str  # done | current | todo


@dataclass
class EventView:
    actor: str
    at: datetime
    from_label: str | None
    to_label: str
    note: str


@dataclass
class PairingPage:
    """Context of a pairing's page."""

    title: str
    pairing: Pairing
    need: NeedPublic | None  # None: a 保密 need this viewer may not read yet
    need_label: str  # the need as this viewer may name it (一项保密需求 while it is hidden)
    result: ResultPublic
    need_row: Need
    result_row: Result
    snapshot: dict[str, Any]
    steps: list[Step]
    events: list[EventView]
    disclosed: bool
    my_side: str | None
    pair: PairState | None = None
    live_score: float | None = None  # the pair's score now; differs from the snapshot after an edit
    can_withdraw: bool = False
    can_negotiate: bool = False
    side_labels: dict[str, str] = field(default_factory=lambda: SIDE_LABELS)
    thread: list[MessageView] = field(default_factory=list)  # 在线洽谈
    can_write: bool = False
    thread_note: str = ""  # why the viewer may not write yet
    draft: str = ""  # a message sent back with an error, kept
    thread_error: str = ""


def _url(pairing_id: int | None) -> str:
    return f"/pairings/{pairing_id}"


def _safe_back(value: Any, fallback: str) -> str:
    back = str(value or "")
    return back if back.startswith("/") and not back.startswith("//") and "\\" not in back else fallback


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise InvalidInput("请求参数有误") from None


@router.post("/pairings/interest", dependencies=[CsrfChecked])
def express_interest(session: SessionDep, viewer: SignedIn, form: PostedForm) -> RedirectResponse:
    need_id, result_id = _int(form.get("need_id")), _int(form.get("result_id"))
    back = _safe_back(form.get("back"), "/workspace")
    try:
        pairing = interest.express(
            session=session,
            need_id=need_id,
            result_id=result_id,
            user=viewer.user,
            message=str(form.get("message", "")),
        )
    except (Conflict, InvalidInput) as exc:  # at the page's top: the box may be gone by now
        return redirect(back, exc.message, "error")
    if pairing.status == S.pending_review:
        return redirect(_url(pairing.id), "已确认对接意向，等待平台审核；批准后双方可查看联系方式")
    # Back to the box that was used (it now says 意向已发送), with the confirmation shown in it.
    box = pair_box_id(need_id, result_id)
    return redirect(back, "已表达对接意向，对方和平台运营会收到通知", target=box)


def _steps(session: Session, pairing: Pairing) -> list[Step]:
    reached = {S(e.to_status) for e in pairings.events(session=session, pairing=pairing)}
    reached.add(S(pairing.status))
    last = max((PROGRESS.index(s) for s in reached if s in PROGRESS), default=0)
    current = S(pairing.status)
    return [
        Step(s.label, "current" if s == current else "done" if i <= last else "todo")
        for i, s in enumerate(PROGRESS)
    ]


def _events(session: Session, pairing: Pairing, viewer: User, disclosed: bool) -> list[EventView]:
    mine = pairings.side_of(session=session, pairing=pairing, user=viewer)
    out: list[EventView] = []
    for e in pairings.events(session=session, pairing=pairing):
        actor = session.get(User, e.actor_id) if e.actor_id else None
        if actor is None:
            who = "匹配引擎"
        elif actor.role == Role.operator:
            who = f"{actor.name}（平台运营）"
        else:
            side = pairings.side_of(session=session, pairing=pairing, user=actor) or ""
            label = SIDE_LABELS.get(side, "")
            # The other side's people stay anonymous until the platform approves the pairing.
            named = disclosed or side == mine or viewer.role == Role.operator
            who = f"{actor.name}（{label}）" if named else label
        old = S(e.from_status).label if e.from_status else None
        out.append(EventView(who, e.created_at, old, S(e.to_status).label, e.note))
    return out


def pairing_page(session: Session, pairing: Pairing, user: User) -> PairingPage:
    """Everything the pairing page shows to `user` (who may see the pairing)."""
    need_row, result_row = session.get(Need, pairing.need_id), session.get(Result, pairing.result_id)
    assert need_row is not None and result_row is not None
    status = S(pairing.status)
    disclosed = status in pairings.DISCLOSED
    hidden = visibility.need_hidden(session=session, pairing=pairing, user=user)
    mine = pairings.side_of(session=session, pairing=pairing, user=user)
    page = PairingPage(
        title=f"对接详情：{posting_title(session=session, posting=need_row, viewer=user)} × {result_row.title}",
        pairing=pairing,
        need=None if hidden else needs.public_view(session=session, need=need_row, user=user),
        need_label=posting_title(session=session, posting=need_row, viewer=user),
        result=results.public_view(session=session, result=result_row, user=user),
        need_row=need_row,
        result_row=result_row,
        snapshot=visibility.visible_explanation(session=session, pairing=pairing, user=user),
        steps=_steps(session, pairing),
        events=_events(session, pairing, user, disclosed),
        disclosed=disclosed,
        my_side=mine,
        live_score=None if hidden else live_score(need=need_row, result=result_row),
        thread=thread.messages(session=session, pairing=pairing, viewer=user),
        can_write=thread.can_write(session=session, pairing=pairing, user=user),
        thread_note=thread.why_not(session=session, pairing=pairing, user=user),
    )
    if mine is not None:
        page.can_withdraw = status in WITHDRAWABLE
        page.can_negotiate = status == S.approved
        if status in (S.suggested, S.interested):
            action: Any = "express" if status == S.suggested else None
            if status == S.interested and asker_side(session=session, pairing=pairing) != mine:
                action = "confirm"
            page.pair = PairState(pairing.need_id, pairing.result_id, pairing.id, status, action)
    return page


@router.get("/pairings", include_in_schema=False)
def my_pairings(viewer: SignedIn) -> RedirectResponse:
    return redirect("/ops/pairings" if viewer.user.role == Role.operator else "/workspace#pairings")


@router.get("/pairings/{pairing_id:int}", response_class=HTMLResponse)
def pairing_detail(request: Request, pairing_id: int, session: SessionDep, viewer: SignedIn) -> HTMLResponse:
    pairing = pairings.get_visible(session=session, pairing_id=pairing_id, user=viewer.user)
    page = pairing_page(session, pairing, viewer.user)
    thread.mark_read(session=session, pairing=pairing, user=viewer.user)  # the thread is on the page
    return render(request, "pairings/detail.html", page)


def _party_step(
    session: Session, pairing_id: int, user: User, to: S, note: str, version: Any
) -> RedirectResponse:
    pairing = pairings.get_visible(session=session, pairing_id=pairing_id, user=user)
    mine = pairings.side_of(session=session, pairing=pairing, user=user)
    if mine is None:
        raise NotPermitted("只有对接双方可以执行此操作")
    try:
        expected = int(version) if version not in (None, "") else None
        pairings.transition(
            session=session, pairing=pairing, user=user, to=to, note=note, expected_version=expected
        )
    except ValueError:
        return redirect(_url(pairing_id), "请求参数有误", "error")
    except (Conflict, InvalidInput) as exc:
        return redirect(_url(pairing_id), exc.message, "error")
    announce_party_step(session=session, pairing=pairing, to=to, side=mine, note=note)
    done = "已撤回对接" if to == S.closed else "已标记为洽谈中"
    return redirect(_url(pairing_id), done)


@router.post("/pairings/{pairing_id:int}/withdraw", dependencies=[CsrfChecked])
def withdraw(pairing_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm) -> RedirectResponse:
    note = str(form.get("note", "")).strip()[:500]
    return _party_step(session, pairing_id, viewer.user, S.closed, note, form.get("version"))


@router.post("/pairings/{pairing_id:int}/negotiate", dependencies=[CsrfChecked])
def negotiate(pairing_id: int, session: SessionDep, viewer: SignedIn, form: PostedForm) -> RedirectResponse:
    note = str(form.get("note", "")).strip()[:500]
    return _party_step(session, pairing_id, viewer.user, S.negotiating, note, form.get("version"))
