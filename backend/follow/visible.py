"""Which posting a follow-up points at, and whether its user may still see it."""

from sqlmodel import Session

from backend.accounts.models import User
from backend.errors import InvalidInput, NotFound
from backend.postings import needs, results
from backend.postings.kinds import KINDS, Posting
from backend.postings.need_model import Need
from backend.postings.result_model import Result


def check_side(side: str) -> str:
    """`side` if it names a kind of posting (need | result), else InvalidInput."""
    if side not in KINDS:
        raise InvalidInput("请选择需求或成果", detail=[{"field": "side", "message": "请选择需求或成果"}])
    return side


def posting_if_visible(*, session: Session, side: str, posting_id: int, user: User | None) -> Posting | None:
    """The posting if `user` may open it now (published and not 保密 to them, or theirs), else None."""
    if side == "need":
        need = session.get(Need, posting_id)
        return need if need is not None and needs.can_view(session=session, need=need, user=user) else None
    if side == "result":
        result = session.get(Result, posting_id)
        if result is not None and results.can_view(session=session, result=result, user=user):
            return result
    return None


def visible_or_404(*, session: Session, side: str, posting_id: int, user: User | None) -> Posting:
    """The posting if `user` may see it; NotFound otherwise (a hidden one looks like a missing one)."""
    posting = posting_if_visible(session=session, side=check_side(side), posting_id=posting_id, user=user)
    if posting is None:
        raise NotFound(f"{KINDS[side].label}不存在或已下架，无法收藏或对比")
    return posting
