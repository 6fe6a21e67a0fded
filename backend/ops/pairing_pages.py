"""Operators' pairing pages: the review queue with engine suggestions, and every decision form.

Each decision form posts the `version` it was rendered with; whoever decides second is sent
back with "该对接已被他人处理…" instead of overwriting the first decision.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from backend.accounts.deps import CsrfChecked, OperatorUser
from backend.deps import SessionDep
from backend.engine import current as matching_engine
from backend.errors import Conflict, InvalidInput, NotFound
from backend.ops import pairing_queue as desk
from backend.ops import suggestions as suggest
from backend.ops.pairing_queue import QueueFilters, QueueItem
from backend.ops.suggestions import NeedSuggestions
from backend.templating import env, redirect, render
from backend.vocab import PairingStatus, TechField

router = APIRouter(include_in_schema=False)

QUEUE_URL = "/ops/pairings"
# URL words of the decision forms, and the status each one asks for.
ACTIONS: dict[str, PairingStatus] = {
    "approve": PairingStatus.approved,
    "reject": PairingStatus.rejected,
    "negotiate": PairingStatus.negotiating,
    "sign": PairingStatus.signed,
    "close": PairingStatus.closed,
}
SLUGS = {to: slug for slug, to in ACTIONS.items()}
E = TypeVar("E", PairingStatus, TechField)


def ops_pairing_actions(status: str) -> list[tuple[str, PairingStatus]]:
    """(url word, target status) of every decision an operator may take on a pairing in `status`."""
    return [(SLUGS[to], to) for to in desk.operator_actions(status) if to in SLUGS]


# The partial ops/_pairing_actions.html is also included by the parties' pairing page.
env.globals["ops_pairing_actions"] = ops_pairing_actions


@dataclass
class PairingQueuePage:
    """Context of /ops/pairings."""

    title: str
    items: list[QueueItem]
    filters: QueueFilters
    next_url: str
    engine_on: bool
    suggestions: list[NeedSuggestions] = field(default_factory=list)
    threshold: float = suggest.SUGGESTION_THRESHOLD
    status_choices: list[tuple[str, str]] = field(
        default_factory=lambda: [(s.value, s.label) for s in desk.FILTERABLE]
    )
    field_choices: list[tuple[str, str]] = field(default_factory=TechField.choices)


def _safe_next(url: str | None) -> str:
    """Only a path on this site (no scheme, no //host) is followed after a decision."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return QUEUE_URL


def _enum(kind: type[E], raw: str | None) -> E | None:
    try:
        return kind(raw) if raw else None
    except ValueError:
        return None


@router.get("/ops/pairings", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    operator: OperatorUser,
    status: str | None = None,
    field: str | None = None,
) -> HTMLResponse:
    # A plain `def`: the suggestions run the matching engine, which is CPU-bound.
    filters = QueueFilters(status=_enum(PairingStatus, status), field=_enum(TechField, field))
    engine = matching_engine()
    page = PairingQueuePage(
        title="对接审核",
        items=desk.queue(session=session, filters=filters),
        filters=filters,
        next_url=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        engine_on=engine is not None,
        suggestions=suggest.suggestions(session=session, engine=engine) if engine is not None else [],
    )
    return render(request, "ops/pairings.html", page)


def _amount(raw: str) -> float | None:
    text = raw.strip().replace(",", "").replace("，", "").removesuffix("万元").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput("合同金额请填写数字（万元）") from None


def _date(raw: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("签约日期格式不正确，请按 年-月-日 填写") from None


@router.post("/ops/pairings/batch", dependencies=[CsrfChecked])
def batch_decision(
    session: SessionDep,
    operator: OperatorUser,
    to: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    ids: Annotated[list[str], Form()] = [],  # noqa: B006  ("id:version" of each ticked row)
    next: Annotated[str, Form()] = QUEUE_URL,
) -> RedirectResponse:
    back = _safe_next(next)
    target = _enum(PairingStatus, to)
    if not ids:
        return redirect(back, "请先勾选要处理的对接", "error")
    if target not in desk.BATCH_TARGETS or target is None:
        return redirect(back, "请选择批量操作：批准或拒绝", "error")
    versions: dict[int, int] = {}
    for raw in ids:
        pid, _, ver = raw.partition(":")
        if pid.isdigit():
            versions[int(pid)] = int(ver) if ver.isdigit() else -1
    try:
        outcome = desk.decide_batch(
            session=session, ids=list(versions), operator=operator, to=target, note=note, versions=versions
        )
    except InvalidInput as exc:
        return redirect(back, f"批量{target.label.removeprefix('已')}未执行：{exc.message}", "error")
    return redirect(back, outcome.message(), "success" if outcome.done else "error")


@router.post("/ops/pairings/propose", dependencies=[CsrfChecked])
def propose_pairing(
    session: SessionDep,
    operator: OperatorUser,
    need_id: Annotated[int, Form()],
    result_id: Annotated[int, Form()],
    next: Annotated[str, Form()] = QUEUE_URL,
) -> RedirectResponse:
    back = _safe_next(next)
    try:
        pairing = suggest.propose(
            session=session, need_id=need_id, result_id=result_id, operator=operator, engine=matching_engine()
        )
    except (Conflict, NotFound) as exc:
        return redirect(back, exc.message, "error")
    return redirect(back, f"已向双方推荐对接 #{pairing.id}，等待双方表达意向")


@router.post("/ops/pairings/{pairing_id:int}/{action}", dependencies=[CsrfChecked])
def decision(
    pairing_id: int,
    action: str,
    session: SessionDep,
    operator: OperatorUser,
    version: Annotated[int | None, Form()] = None,
    note: Annotated[str, Form(max_length=1000)] = "",
    contract_amount: Annotated[str, Form(max_length=30)] = "",
    signed_on: Annotated[str, Form(max_length=30)] = "",
    next: Annotated[str, Form()] = QUEUE_URL,
) -> RedirectResponse:
    to = ACTIONS.get(action)
    if to is None:
        raise NotFound("不支持的操作")
    back = _safe_next(next)
    if version is None:
        return redirect(back, "页面缺少版本信息，请刷新后再试", "error")
    try:
        pairing = desk.decide(
            session=session,
            pairing_id=pairing_id,
            operator=operator,
            to=to,
            note=note,
            version=version,
            contract_amount=_amount(contract_amount) if to == PairingStatus.signed else None,
            signed_on=_date(signed_on) if to == PairingStatus.signed else None,
        )
    except (Conflict, InvalidInput) as exc:
        return redirect(back, f"对接 #{pairing_id}：{exc.message}", "error")
    return redirect(back, f"对接 #{pairing.id} 已变更为“{to.label}”，已通知相关各方")
