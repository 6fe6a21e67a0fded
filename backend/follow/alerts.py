"""Subscription alerts: each newly published posting is checked against the subscriptions of its side.

Publishing marks the posting changed (`postings.changes`); the follower registered here notes,
inside the committing transaction, which marked postings are published, and right after the
commit (once the index holds them) scores them for every subscription and notifies in-app at
once. The email comes later, in the day's digest (`follow.digest`). A subscriber is told only of
postings they may open (a 保密 need is never announced to an outsider), never of their own
organisation's, and of each posting once per subscription.
"""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.follow.models import Subscription, SubscriptionHit
from backend.follow.subscriptions import CHOSEN_BANDS, describe, own_posting, scored
from backend.follow.visible import posting_if_visible
from backend.matching.snapshot import live_score
from backend.notifications.service import notify
from backend.postings.changes import ChangeListener, Mark, add_change_follower
from backend.postings.display import posting_label
from backend.postings.kinds import KINDS, NEED, RESULT, Posting
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.postings.search import engine_scores
from backend.vocab import PostingStatus
from embeddings.strength import display_score, strength_band


@dataclass(frozen=True)
class Published:
    """Postings a committed transaction left published, and where to write their alerts."""

    bind: Any  # the committed session's engine (or, in tests, its connection)
    postings: list[Mark]


def _posting(session: Session, side: str, posting_id: int) -> Posting | None:
    return session.get(Need, posting_id) if side == "need" else session.get(Result, posting_id)


def prepare(session: Session, marks: list[Mark]) -> list[Published]:
    """Inside the committing transaction: the marked postings that are published (if anyone listens)."""
    sides = sorted({side for side, _ in marks})
    if session.exec(select(Subscription.id).where(col(Subscription.side).in_(sides))).first() is None:
        return []
    found: list[Mark] = []
    for side, posting_id in marks:
        posting = _posting(session, side, posting_id)
        if posting is not None and posting.status == PostingStatus.published:
            found.append((side, posting_id))
    return [Published(bind=session.get_bind(), postings=found)] if found else []


def apply(batches: list[Published]) -> None:
    """After the commit: alert the subscribers of each published posting, in a transaction of its own."""
    for batch in batches:
        with Session(bind=batch.bind, join_transaction_mode="create_savepoint", expire_on_commit=False) as db:
            for side, posting_id in batch.postings:
                fire(session=db, side=side, posting_id=posting_id)
            db.commit()


def install() -> None:
    """Follow every committed publication (idempotent)."""
    add_change_follower(_FOLLOWER)


_FOLLOWER = ChangeListener(prepare=prepare, apply=apply)


def fire(*, session: Session, side: str, posting_id: int) -> list[SubscriptionHit]:
    """Record and notify the subscriptions a published posting matches (each one once)."""
    posting = _posting(session, side, posting_id)
    if posting is None or posting.status != PostingStatus.published or posting.published_at is None:
        return []
    already = select(SubscriptionHit.subscription_id).where(SubscriptionHit.posting_id == posting_id)
    subs = session.exec(
        select(Subscription)
        .where(
            Subscription.side == side,
            col(Subscription.created_at) <= posting.published_at,  # new to it, not an old listing
            col(Subscription.id).not_in(already),
        )
        .order_by(col(Subscription.id))
    ).all()
    hits: list[SubscriptionHit] = []
    told: set[int] = set()
    text_scores: dict[str, dict[int, float] | None] = {}
    for sub in subs:
        user = session.get(User, sub.user_id)
        if user is None or not _may_hear(session, user, posting, sub):
            continue
        matched, score = _matches(session, sub, posting, text_scores)
        if not matched:
            continue
        hit = SubscriptionHit(
            subscription_id=sub.id or 0, user_id=user.id or 0, side=side, posting_id=posting_id, score=score
        )
        session.add(hit)
        hits.append(hit)
        if user.id not in told:  # one notification per person and posting, however many subscriptions
            told.add(user.id or 0)
            _notify(session, user, sub, posting, score)
    session.flush()
    return hits


def _may_hear(session: Session, user: User, posting: Posting, sub: Subscription) -> bool:
    if not user.is_active or posting.organisation_id == user.organisation_id:
        return False
    if sub.field and str(posting.field) != sub.field:
        return False
    if sub.region and posting.region != sub.region:
        return False
    side = "need" if isinstance(posting, Need) else "result"
    return posting_if_visible(session=session, side=side, posting_id=posting.id or 0, user=user) is not None


def _matches(
    session: Session, sub: Subscription, posting: Posting, text_scores: dict[str, dict[int, float] | None]
) -> tuple[bool, float | None]:
    """Whether `posting` reaches the subscription's strength, and its score (None: filters only)."""
    if not scored(sub):
        return True, None
    score: float | None = None
    if sub.own_id is not None:
        own = own_posting(session=session, side=sub.own_side, item_id=sub.own_id)
        if isinstance(own, Need) and isinstance(posting, Result):
            score = live_score(need=own, result=posting)
        elif isinstance(own, Result) and isinstance(posting, Need):
            score = live_score(need=posting, result=own)
    else:
        # The score the search page shows for this text (one engine search per text and posting).
        if sub.query not in text_scores:
            by_side = (
                engine_scores(text=sub.query, kind=NEED)
                if sub.side == "need"
                else engine_scores(text=sub.query, kind=RESULT)
            )
            text_scores[sub.query] = by_side
        found = text_scores[sub.query]
        score = found.get(posting.id or 0) if found is not None else None
    if score is None:
        return False, None
    return score >= CHOSEN_BANDS[sub.min_band].min_score, score


def _notify(session: Session, user: User, sub: Subscription, posting: Posting, score: float | None) -> None:
    kind = KINDS[sub.side]
    named = posting_label(session=session, posting=posting, viewer=user)
    strength = "" if score is None else f"匹配度 {display_score(score)} 分（{strength_band(score).label}）。"
    notify(
        session=session,
        users=[user],
        kind="subscription",
        title=f"订阅提醒：新{kind.label}{named}",
        body=f"{strength}订阅：{describe(session=session, sub=sub)}",
        link=f"{kind.path}/{posting.id}",
        email=False,  # the day's digest emails it
    )
