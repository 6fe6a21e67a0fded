"""A posting of either kind named by its side ("need" | "result"), for the features that attach
to both kinds (attachments, questions) and read the side from a URL or a form."""

from sqlmodel import Session

from backend.accounts.models import User
from backend.errors import NotFound
from backend.postings import needs, results
from backend.postings.kinds import Posting


def get_visible(*, session: Session, side: str, posting_id: int, user: User | None) -> Posting:
    """The posting if `user` may open it; NotFound otherwise, for a hidden one as for a missing one."""
    if side == "need":
        return needs.get_visible(session=session, need_id=posting_id, user=user)
    if side == "result":
        return results.get_visible(session=session, result_id=posting_id, user=user)
    raise NotFound("页面不存在")
