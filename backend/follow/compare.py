"""对比: two to four results side by side, with the score for one of the viewer's needs."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.errors import InvalidInput
from backend.follow.visible import visible_or_404
from backend.matching.snapshot import live_score
from backend.postings import results
from backend.postings.need_model import Need
from backend.postings.result_model import Result, ResultPublic
from backend.vocab import PostingStatus, Role

MIN_ITEMS, MAX_ITEMS = 2, 4


@dataclass(frozen=True)
class Column:
    """One compared result as the viewer may see it, and its score for the chosen need."""

    result: ResultPublic
    score: float | None


@dataclass(frozen=True)
class Comparison:
    """The compared results, and the enterprise's need they are scored for (if any)."""

    columns: list[Column]
    need: Need | None
    my_needs: list[Need]


def parse_ids(raw: list[str]) -> list[int]:
    """Result ids from `ids=1&ids=2` or `ids=1,2`, duplicates dropped, order kept; bad ones refused."""
    ids: list[int] = []
    for part in ",".join(raw).split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or len(part) > 18:
            raise InvalidInput("对比的成果编号有误", detail=[{"field": "ids", "message": "成果编号应为数字"}])
        if int(part) not in ids:
            ids.append(int(part))
    return ids


def _check_count(ids: list[int]) -> None:
    if not MIN_ITEMS <= len(ids) <= MAX_ITEMS:
        message = f"请选择 {MIN_ITEMS}–{MAX_ITEMS} 项成果进行对比（当前选择了 {len(ids)} 项）"
        raise InvalidInput(message, detail=[{"field": "ids", "message": message}])


def my_needs(*, session: Session, user: User | None) -> list[Need]:
    """An enterprise user's published needs, newest first (what the results can be scored for)."""
    if user is None or user.role != Role.enterprise:
        return []
    stmt = (
        select(Need)
        .where(Need.organisation_id == user.organisation_id, Need.status == PostingStatus.published)
        .order_by(col(Need.published_at).desc(), col(Need.id).desc())
    )
    return list(session.exec(stmt).all())


def compare(*, session: Session, user: User | None, ids: list[int], need_id: int | None = None) -> Comparison:
    """The results `ids` side by side (2–4, each visible to `user`), scored for one of the user's needs."""
    _check_count(ids)
    chosen: list[Result] = []
    for result_id in ids:
        result = visible_or_404(session=session, side="result", posting_id=result_id, user=user)
        assert isinstance(result, Result)
        chosen.append(result)
    needs = my_needs(session=session, user=user)
    need: Need | None = needs[0] if needs else None
    if need_id is not None:
        need = next((n for n in needs if n.id == need_id), None)
        if need is None:
            message = "请选择本单位已发布的需求来计算匹配度"
            raise InvalidInput(message, detail=[{"field": "need_id", "message": message}])
    columns = [
        Column(
            result=results.public_view(session=session, result=r, user=user),
            score=live_score(need=need, result=r) if need is not None else None,
        )
        for r in chosen
    ]
    return Comparison(columns=columns, need=need, my_needs=needs)
