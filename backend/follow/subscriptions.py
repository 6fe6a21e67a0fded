"""订阅: what a user asks to hear about, checked whole before anything is stored."""

from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlmodel import Session, col, delete, func, select

from backend.accounts.models import User
from backend.errors import Conflict, InvalidInput, NotFound
from backend.follow.models import Subscription, SubscriptionHit
from backend.postings.kinds import KINDS, Posting
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.validation import clean_text
from backend.vocab import REGIONS, PostingStatus, Role, TechField
from embeddings.strength import BANDS, Band

MAX_PER_USER = 20
MAX_QUERY = 100
# The strengths a subscription may ask for (不相关 is no match at all).
CHOSEN_BANDS: dict[str, Band] = {b.key: b for b in BANDS if b.key != "none"}
NOTHING_CHOSEN = "请至少选择技术领域、地区或填写关键词之一，或选择本单位的一项需求 / 成果"


class SubscriptionIn(BaseModel):
    """A subscription as typed: filters of new postings, or one of the user's own postings."""

    side: str | None = None  # need | result; default: the other side of the user's role
    field: str | None = None
    region: str | None = None
    query: str = Field(default="", max_length=500)
    own_side: str | None = None
    own_id: int | None = Field(default=None, ge=0, le=2**63 - 1)
    min_band: str = "good"


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription as its owner sees it listed."""

    id: int
    side: str
    description: str
    band_label: str
    hits: int


def _problem(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, detail=[{"field": field, "message": message}])


def default_side(user: User) -> str:
    """Enterprises hear of results, researchers of needs (operators: results)."""
    return "need" if user.role == Role.researcher else "result"


def own_posting(*, session: Session, side: str | None, item_id: int | None) -> Posting | None:
    """The posting a subscription is about (None if the side is unknown or it was deleted)."""
    if item_id is None:
        return None
    if side == "need":
        return session.get(Need, item_id)
    return session.get(Result, item_id) if side == "result" else None


def _own_posting(session: Session, user: User, side: str | None, item_id: int | None) -> Posting:
    item = own_posting(session=session, side=side, item_id=item_id)
    if item is None or item.organisation_id != user.organisation_id or item.status != PostingStatus.published:
        raise _problem("own", "只能订阅本单位已发布的需求或成果的新匹配")
    return item


def _clean(data: SubscriptionIn) -> tuple[str | None, str | None, str]:
    field = (data.field or "").strip() or None
    region = (data.region or "").strip() or None
    try:
        query = str(clean_text(data.query or ""))
    except ValueError as exc:
        raise _problem("query", f"关键词{exc}") from exc
    if field is not None and field not in TechField.__members__:
        raise _problem("field", "请从列表中选择技术领域")
    if region is not None and region not in REGIONS:
        raise _problem("region", "请选择省级行政区，如“湖北省”")
    if len(query) > MAX_QUERY:
        raise _problem("query", f"关键词不超过 {MAX_QUERY} 个字")
    return field, region, query


def create(*, session: Session, user: User, data: SubscriptionIn) -> Subscription:
    """Store a subscription after checking it whole; nothing is stored when any part is wrong."""
    field, region, query = _clean(data)
    if data.min_band not in CHOSEN_BANDS:
        raise _problem("min_band", "请选择匹配强度：强匹配、较好或弱相关")
    own: Posting | None = None
    if data.own_side or data.own_id is not None:
        own = _own_posting(session, user, data.own_side, data.own_id)
        if query:
            raise _problem("query", "按本单位的需求 / 成果订阅时按其内容匹配，无需再填关键词")
        side = "result" if isinstance(own, Need) else "need"
    else:
        if not (field or region or query):
            raise _problem("", NOTHING_CHOSEN)
        side = data.side or default_side(user)
        if side not in KINDS:
            raise _problem("side", "请选择订阅新需求还是新成果")
    count = session.exec(select(func.count()).where(Subscription.user_id == user.id)).one()
    if count >= MAX_PER_USER:
        raise Conflict(f"每个账号最多 {MAX_PER_USER} 个订阅，请先删除不再需要的订阅")
    sub = Subscription(
        user_id=user.id or 0,
        side=side,
        field=field,
        region=region,
        query=query,
        own_side="need" if isinstance(own, Need) else "result" if own is not None else None,
        own_id=own.id if own is not None else None,
        min_band=data.min_band,
    )
    if _same_exists(session, sub):
        raise Conflict("已有相同的订阅")
    session.add(sub)
    session.flush()
    return sub


def _same_exists(session: Session, sub: Subscription) -> bool:
    stmt = select(Subscription.id).where(
        Subscription.user_id == sub.user_id,
        Subscription.side == sub.side,
        col(Subscription.field).is_(None) if sub.field is None else Subscription.field == sub.field,
        col(Subscription.region).is_(None) if sub.region is None else Subscription.region == sub.region,
        Subscription.query == sub.query,
        col(Subscription.own_id).is_(None) if sub.own_id is None else Subscription.own_id == sub.own_id,
        Subscription.min_band == sub.min_band,
    )
    return session.exec(stmt).first() is not None


def remove(*, session: Session, user: User, subscription_id: int) -> None:
    """Delete one of the user's subscriptions with its hits; another user's looks missing."""
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.user_id != user.id:
        raise NotFound("订阅不存在")
    session.exec(delete(SubscriptionHit).where(col(SubscriptionHit.subscription_id) == sub.id))
    session.delete(sub)
    session.flush()


def scored(sub: Subscription) -> bool:
    """Whether the subscription ranks new postings (a text or own posting), not only filters them."""
    return bool(sub.query) or sub.own_id is not None


def describe(*, session: Session, sub: Subscription) -> str:
    """The subscription in words: 新成果 · 领域：新材料 · 地区：湖北省 · 关键词“…”."""
    noun = f"新{KINDS[sub.side].label}"
    if sub.own_id is not None:
        own = own_posting(session=session, side=sub.own_side, item_id=sub.own_id)
        what = f"本单位{KINDS[sub.own_side or 'need'].label}“{own.title}”" if own else "已删除的本单位发布"
        parts = [f"与{what}匹配的{noun}"]
    else:
        parts = [noun]
    if sub.field:
        parts.append(f"领域：{TechField(sub.field).label}")
    if sub.region:
        parts.append(f"地区：{sub.region}")
    if sub.query:
        parts.append(f"关键词“{sub.query}”")
    return " · ".join(parts)


def band_label(sub: Subscription) -> str:
    """The strength asked for, in words (a filter-only subscription announces every new posting)."""
    return f"{CHOSEN_BANDS[sub.min_band].label}及以上" if scored(sub) else "全部新发布"


def listed(*, session: Session, user: User) -> list[SubscriptionView]:
    """The user's subscriptions, newest first, each with how many postings it has announced."""
    subs = session.exec(
        select(Subscription).where(Subscription.user_id == user.id).order_by(col(Subscription.id).desc())
    ).all()
    counts = dict(
        session.exec(
            select(SubscriptionHit.subscription_id, func.count())
            .where(SubscriptionHit.user_id == user.id)
            .group_by(col(SubscriptionHit.subscription_id))
        ).all()
    )
    return [
        SubscriptionView(
            id=s.id or 0,
            side=s.side,
            description=describe(session=session, sub=s),
            band_label=band_label(s),
            hits=int(counts.get(s.id or 0, 0)),
        )
        for s in subs
    ]
