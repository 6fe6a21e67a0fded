"""The daily digest: one email per user with the postings their subscriptions announced.

Run once a day (see README, "订阅提醒的每日摘要"): `python -m backend.follow.digest`. Every hit not
yet emailed goes into its user's digest, so a missed day is caught up by the next run; a posting
the user can no longer open by then (closed, or made 保密) is left out and never named.
"""

import sys
from datetime import datetime
from itertools import groupby

from sqlmodel import Session, col, select

from backend import outgoing_mail
from backend.accounts.models import User
from backend.config import get_settings
from backend.db import get_engine, utcnow
from backend.follow.models import SubscriptionHit
from backend.follow.visible import posting_if_visible
from backend.postings.display import posting_label
from backend.postings.kinds import KINDS
from embeddings.strength import display_score, strength_band


def _line(session: Session, user: User, hit: SubscriptionHit) -> str | None:
    posting = posting_if_visible(session=session, side=hit.side, posting_id=hit.posting_id, user=user)
    if posting is None:
        return None
    kind = KINDS[hit.side]
    named = posting_label(session=session, posting=posting, viewer=user)
    score = (
        ""
        if hit.score is None
        else f"（匹配度 {display_score(hit.score)} 分，{strength_band(hit.score).label}）"
    )
    return f"· 新{kind.label}{named}{score}\n  {get_settings().site_url}{kind.path}/{hit.posting_id}"


def send_digests(*, session: Session, now: datetime | None = None) -> int:
    """Queue one digest email per user with unsent hits (sent when `session` commits); returns how many."""
    now = now or utcnow()
    hits = session.exec(
        select(SubscriptionHit)
        .where(col(SubscriptionHit.emailed_at).is_(None))
        .order_by(col(SubscriptionHit.user_id), col(SubscriptionHit.id))
    ).all()
    sent = 0
    for user_id, group in groupby(hits, key=lambda h: h.user_id):
        user = session.get(User, user_id)
        lines: list[str] = []
        seen: set[tuple[str, int]] = set()
        for hit in group:
            hit.emailed_at = now
            session.add(hit)
            key = (hit.side, hit.posting_id)
            line = (
                _line(session, user, hit) if user is not None and user.is_active and key not in seen else None
            )
            seen.add(key)
            if line is not None:
                lines.append(line)
        if user is not None and lines:
            body = "\n".join(
                [f"{user.name}，您好：", f"您订阅的内容有 {len(lines)} 项新发布：", "", *lines, "", _FOOTER]
            )
            outgoing_mail.queue(session, to=user.email, subject=f"订阅提醒：{len(lines)} 项新发布", body=body)
            sent += 1
    session.flush()
    return sent


_FOOTER = "在“我的工作台 → 我的订阅”中可以修改或取消订阅。"


def main() -> int:
    """Send today's digests (for cron); prints how many emails went out."""
    with Session(get_engine(), expire_on_commit=False) as session:
        sent = send_digests(session=session)
        session.commit()
    print(f"订阅摘要：已发送 {sent} 封邮件")
    return 0


if __name__ == "__main__":
    sys.exit(main())
