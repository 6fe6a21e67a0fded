"""Expiry of needs (有效期): the owner's reminder 7 days before, and renewal in one click.

An expired need leaves lists and matches (`needs.visible_clause`, `needs.can_view`); its own
organisation still sees it, with a 续期 button. Renewing changes no content, so a published need
goes live again at once, without another review. Results carry no 有效期.

The reminders are sent by a daily run (README, "需求到期提醒"): `python -m backend.postings.expiry`.
Each need is reminded once per expiry date, however often the run repeats; a renewed need is
reminded again before its new date.
"""

import sys
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.audit.service import record
from backend.db import get_engine, utcnow
from backend.errors import Conflict, InvalidInput, NotPermitted
from backend.notifications.service import notify
from backend.postings.changes import mark_changed
from backend.postings.need_model import Need
from backend.postings.quality_models import ExpiryReminder
from backend.vocab import PostingStatus, Role

REMIND_DAYS = 7  # the owner is told this many days before the 有效期 ends
RENEW_WINDOW = 30  # a need may be renewed from this many days before it ends (or once it has)
RENEW_CHOICES = (90, 180)


class RenewRequest(BaseModel):
    """How long to extend (days); empty: as long as the need was first posted for (90 or 180)."""

    days: int | None = None


@dataclass(frozen=True)
class RenewalOffer:
    """What the owner's 续期 button offers."""

    need_id: int
    valid_until: date
    days_left: int  # 0 or less: expired
    choices: tuple[int, ...]
    default: int

    @property
    def expired(self) -> bool:
        return self.days_left <= 0


def today() -> date:
    """The day the expiry rule counts in (`rules.expired`)."""
    return utcnow().date()


def due_for_reminder(*, session: Session, on: date | None = None) -> list[Need]:
    """Published needs ending within REMIND_DAYS whose owner was not yet told of that date."""
    day = on or today()
    told = select(ExpiryReminder.id).where(
        ExpiryReminder.need_id == Need.id, ExpiryReminder.valid_until == Need.valid_until
    )
    stmt = (
        select(Need)
        .where(
            Need.status == PostingStatus.published,
            col(Need.valid_until) > day,
            col(Need.valid_until) <= day + timedelta(days=REMIND_DAYS),
            ~told.exists(),
        )
        .order_by(col(Need.valid_until), col(Need.id))
    )
    return list(session.exec(stmt))


def remind_expiring(*, session: Session, on: date | None = None) -> int:
    """Tell each owner whose need ends within a week (once per need and date); how many were told."""
    day = on or today()
    sent = 0
    for need in due_for_reminder(session=session, on=day):
        assert need.id is not None
        owner = session.get(User, need.owner_id)
        left = (need.valid_until - day).days
        if owner is not None:
            notify(
                session=session,
                users=[owner],
                kind="posting_expiring",
                title=f"您的需求“{need.title}”将于 {need.valid_until} 到期（还有 {left} 天）",
                body="到期后需求不再展示，也不再参与匹配；如仍需对接，请在需求页一键续期。",
                link=f"/needs/{need.id}",
            )
            sent += 1
        session.add(ExpiryReminder(need_id=need.id, valid_until=need.valid_until))
    session.flush()
    return sent


def first_period(need: Need) -> int:
    """The renewal period closest to how long the need was first posted for."""
    days = (need.valid_until - need.created_at.date()).days
    return min(RENEW_CHOICES, key=lambda choice: (abs(choice - days), choice))


def _may_renew(need: Need, user: User) -> bool:
    return user.role == Role.enterprise and need.organisation_id == user.organisation_id


def offer(*, need: Need, user: User | None) -> RenewalOffer | None:
    """The 续期 button for the owner of a published need near or past its end; otherwise None."""
    if user is None or need.id is None or not _may_renew(need, user):
        return None
    left = (need.valid_until - today()).days
    if need.status != PostingStatus.published or left > RENEW_WINDOW:
        return None
    return RenewalOffer(need.id, need.valid_until, left, RENEW_CHOICES, first_period(need))


def renew(*, session: Session, need: Need, user: User, days: int | None = None) -> Need:
    """Extend a published need's 有效期 (owner only); it stays published, no new review."""
    if not _may_renew(need, user):
        raise NotPermitted("仅发布该需求的企业可以续期")
    if need.status != PostingStatus.published:
        raise Conflict(f"仅发布中的需求可以续期（当前：{PostingStatus(need.status).label}）")
    left = (need.valid_until - today()).days
    if left > RENEW_WINDOW:
        raise Conflict(f"有效期还有 {left} 天，到期前 {RENEW_WINDOW} 天内可以续期")
    period = days or first_period(need)
    if period not in RENEW_CHOICES:
        message = "续期天数须为 " + " 或 ".join(str(c) for c in RENEW_CHOICES) + " 天"
        raise InvalidInput(message, detail=[{"field": "days", "label": "续期", "message": message}])
    assert need.id is not None
    need.valid_until = max(need.valid_until, today()) + timedelta(days=period)
    need.updated_at = utcnow()
    session.add(need)
    session.flush()
    summary = f"有效期延至 {need.valid_until}（续期 {period} 天）"
    record(session=session, actor=user, action="renew", entity="need", entity_id=need.id, summary=summary)
    mark_changed(session=session, side="need", item_id=need.id)
    return need


def main() -> int:
    """Send today's expiry reminders (for cron); prints how many owners were told."""
    with Session(get_engine(), expire_on_commit=False) as session:
        sent = remind_expiring(session=session)
        session.commit()
    print(f"需求到期提醒：已提醒 {sent} 条")
    return 0


if __name__ == "__main__":
    sys.exit(main())
