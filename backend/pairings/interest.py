"""A party's interest in a need/result pair, as pages and the API record it, with its notifications.

`pairings.service.express_interest` owns the state machine; this adds what the web layer
needs around it: visibility checks, the score snapshot and who is told (what each viewer may
read of a pairing whose need is 保密 is `pairings.visibility`'s).
"""

from sqlmodel import Session, select

from backend.accounts.models import User
from backend.errors import InvalidInput, NotFound, NotPermitted
from backend.matching.snapshot import pair_snapshot
from backend.notifications.service import notify
from backend.pairings import service as pairings
from backend.pairings.models import Pairing
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.display import SECRET_NEED, posting_label, posting_title
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus, Role

MAX_MESSAGE = 500


def own_side(*, need: Need, result: Result, user: User) -> str | None:
    """'need' or 'result' when `user` may speak for that side of the pair."""
    if user.role == Role.enterprise and need.organisation_id == user.organisation_id:
        return "need"
    if user.role == Role.researcher and result.organisation_id == user.organisation_id:
        return "result"
    return None


def party_users(*, session: Session, need: Need, result: Result, side: str) -> list[User]:
    """The active users who speak for one side: the need's enterprise or the result's researchers."""
    org, role = (
        (need.organisation_id, Role.enterprise)
        if side == "need"
        else (result.organisation_id, Role.researcher)
    )
    stmt = select(User).where(User.organisation_id == org, User.role == role, User.is_active == True)  # noqa: E712
    return list(session.exec(stmt))


def operators(*, session: Session) -> list[User]:
    """Every active operator."""
    return list(session.exec(select(User).where(User.role == Role.operator, User.is_active == True)))  # noqa: E712


def express(*, session: Session, need_id: int, result_id: int, user: User, message: str) -> Pairing:
    """Record `user`'s interest (a new 意向, or confirming the other side's → 待审核) and notify."""
    need, result = session.get(Need, need_id), session.get(Result, result_id)
    if need is None or result is None:
        raise NotFound("需求或成果不存在")
    side = own_side(need=need, result=result, user=user)
    existing = pairings.find(session=session, need_id=need_id, result_id=result_id)
    visible = needs.can_view(session=session, need=need, user=user) and results.can_view(
        session=session, result=result, user=user
    )
    # A posting the user may not see answers exactly as a missing one (404, same message): a 403
    # here told an outsider that a hidden need exists.
    if not visible and (side is None or existing is None):
        raise NotFound("需求或成果不存在")
    if side is None:
        raise NotPermitted("只有需求方企业或成果方团队可以表达对接意向")
    message = message.strip()
    if len(message) > MAX_MESSAGE:
        raise InvalidInput(
            f"留言不能超过 {MAX_MESSAGE} 字",
            detail=[{"field": "message", "label": "留言", "message": f"不能超过 {MAX_MESSAGE} 字"}],
        )
    score, explanation = (
        (existing.score, existing.explanation)
        if existing
        else pair_snapshot(session=session, need=need, result=result)
    )
    pairing = pairings.express_interest(
        session=session,
        need=need,
        result=result,
        user=user,
        note=message,
        score=score,
        explanation=explanation,
    )
    _tell(session=session, pairing=pairing, need=need, result=result, side=side, message=message)
    return pairing


def _tell(*, session: Session, pairing: Pairing, need: Need, result: Result, side: str, message: str) -> None:
    """Tell the other side and the operators, each recipient reading the postings as they may see them."""
    other = "result" if side == "need" else "need"
    link = f"/pairings/{pairing.id}"
    body = f"留言：{message}" if message else ""
    confirmed = pairing.status != PairingStatus.interested
    for user in party_users(session=session, need=need, result=result, side=other):
        named_need = posting_label(session=session, posting=need, viewer=user)
        named_result = posting_label(session=session, posting=result, viewer=user)
        if confirmed:
            title = f"对方也有对接意向：{named_need if other == 'need' else named_result}，等待平台审核"
        elif side == "need":
            need_phrase = named_need if named_need == SECRET_NEED else f"需求{named_need}"
            title = f"{need_phrase}的企业对您的成果{named_result}表达了对接意向"
        else:
            title = f"成果{named_result}的团队对您的需求{named_need}表达了对接意向"
        kind = "interest_confirmed" if confirmed else "interest_received"
        notify(session=session, users=[user], kind=kind, title=title, body=body, link=link)
    for operator in operators(session=session):
        pair = (
            f"{posting_title(session=session, posting=need, viewer=operator)} × "
            f"{posting_title(session=session, posting=result, viewer=operator)}"
        )
        ops_title = f"对接待审核：{pair}" if confirmed else f"新的对接意向：{pair}"
        notify(session=session, users=[operator], kind="pairing_pending", title=ops_title, link=link)
