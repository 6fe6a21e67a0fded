"""The workspace's short match lists: top matches per posting and how many are new since the last visit."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from backend.accounts.models import User
from backend.engine import current as matching_engine
from backend.matching import service as matching
from backend.matching.documents import need_document, result_document
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus


@dataclass
class BriefMatch:
    """A match in a short list (the workspace): score, title, link, whether it is new."""

    score: float
    title: str
    url: str
    new: bool


@dataclass
class BriefMatches:
    top: list[BriefMatch] = field(default_factory=list)
    new_count: int = 0


def brief_matches(
    *, session: Session, item: Need | Result, user: User, since: datetime | None, k: int = 10, show: int = 3
) -> BriefMatches:
    """Top matches without explanations (cheap), and how many were published after `since`."""
    engine = matching_engine()
    out = BriefMatches()
    if engine is None or item.status != PostingStatus.published:
        return out
    if isinstance(item, Need):
        hits = engine.match_need(need=need_document(item), k=k * matching.OVERFETCH)
    else:
        hits = engine.match_result(result=result_document(item), k=k * matching.OVERFETCH)
    for hit in hits:
        other: Any = session.get(Result if isinstance(item, Need) else Need, hit.id)
        if other is None or not _visible(session, other, user):
            continue
        new = (
            since is not None
            and other.published_at is not None
            and _aware(other.published_at) > _aware(since)
        )
        out.new_count += int(new)
        if len(out.top) < show:
            url = f"/{'results' if isinstance(item, Need) else 'needs'}/{other.id}"
            out.top.append(BriefMatch(hit.score, other.title, url, new))
        k -= 1
        if k == 0:
            break
    return out


def _visible(session: Session, other: Need | Result, user: User) -> bool:
    if isinstance(other, Need):
        return needs.can_view(session=session, need=other, user=user)
    return results.can_view(session=session, result=other, user=user)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
