"""在线洽谈: the thread of an approved pairing, where both parties and the operators write.

Once the platform approves a pairing (contacts are disclosed then), the two sides and the
operators write to each other in the pairing's thread. Every message is kept with the pairing
(and in the audit trail); the others are told in-app and by email, each naming the pairing as they
may read it; unread counts follow a read mark per user and pairing. Before approval, and after
the pairing is rejected or closed, the parties may not write; operators may (e.g. to explain a
decision). Signed pairings stay open for follow-up.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from backend.accounts.models import User
from backend.audit.service import record
from backend.errors import InvalidInput, NotPermitted
from backend.notifications.service import notify
from backend.pairings import service as pairings
from backend.pairings.announce import concerned_users, pair_label
from backend.pairings.models import Pairing, PairingMessage, PairingRead
from backend.validation import clean_text
from backend.vocab import PairingStatus, Role

MAX_CHARS = 2000
SIDE_NAMES = {"need": "需求方", "result": "成果方"}
# The parties write from approval on; a rejected or closed pairing's thread is read-only to them.
PARTIES_WRITE = pairings.DISCLOSED


@dataclass(frozen=True)
class MessageView:
    """A message as the thread shows it."""

    id: int
    author: str  # name and side (需求方 / 成果方 / 平台运营)
    mine: bool
    body: str
    at: datetime


def can_write(*, session: Session, pairing: Pairing, user: User) -> bool:
    """Operators always; the parties once the pairing is approved (and not rejected or closed)."""
    if user.role == Role.operator:
        return True
    side = pairings.side_of(session=session, pairing=pairing, user=user)
    return side is not None and PairingStatus(pairing.status) in PARTIES_WRITE


def why_not(*, session: Session, pairing: Pairing, user: User) -> str:
    """Why `user` may not write yet (shown instead of the form)."""
    status = PairingStatus(pairing.status)
    if status in (PairingStatus.rejected, PairingStatus.closed):
        return f"对接{status.label}，洽谈记录只读。"
    return "平台批准对接后，双方即可在此在线洽谈；批准前如有疑问，请联系平台运营。"


def _author(session: Session, pairing: Pairing, author: User | None) -> str:
    if author is None:
        return "（已注销用户）"
    if author.role == Role.operator:
        return f"{author.name}（平台运营）"
    side = pairings.side_of(session=session, pairing=pairing, user=author)
    return f"{author.name}（{SIDE_NAMES.get(side or '', '')}）"


def messages(*, session: Session, pairing: Pairing, viewer: User) -> list[MessageView]:
    """The whole thread, oldest first."""
    stmt = (
        select(PairingMessage).where(PairingMessage.pairing_id == pairing.id).order_by(col(PairingMessage.id))
    )
    out: list[MessageView] = []
    for m in session.exec(stmt):
        assert m.id is not None
        author = session.get(User, m.author_id)
        out.append(
            MessageView(
                m.id, _author(session, pairing, author), m.author_id == viewer.id, m.body, m.created_at
            )
        )
    return out


def _participants(session: Session, pairing: Pairing) -> list[User]:
    """Both sides' people, the operators who acted on the pairing and those who wrote in it."""
    users = concerned_users(session=session, pairing=pairing, to=PairingStatus.approved)
    ids = {e.actor_id for e in pairings.events(session=session, pairing=pairing) if e.actor_id}
    ids |= set(session.exec(select(PairingMessage.author_id).where(PairingMessage.pairing_id == pairing.id)))
    for user_id in sorted(ids):
        user = session.get(User, user_id)
        if user is not None and user.role == Role.operator:
            users.append(user)
    return users


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, detail=[{"field": "body", "label": "消息", "message": message}])


def post(*, session: Session, pairing: Pairing, user: User, body: str) -> PairingMessage:
    """Add `user`'s message; the others hear of it, each in the words they may read."""
    if not can_write(session=session, pairing=pairing, user=user):
        raise NotPermitted(why_not(session=session, pairing=pairing, user=user))
    try:
        text = clean_text(body or "")
    except ValueError as exc:
        raise _bad(f"消息{exc}") from None
    if not text:
        raise _bad("请输入消息内容")
    if len(text) > MAX_CHARS:
        raise _bad(f"消息不超过 {MAX_CHARS} 字（现在 {len(text)} 字）")
    assert pairing.id is not None
    message = PairingMessage(pairing_id=pairing.id, author_id=user.id or 0, body=text)
    session.add(message)
    session.flush()
    record(
        session=session, actor=user, action="message", entity="pairing", entity_id=pairing.id, summary=text
    )
    mark_read(session=session, pairing=pairing, user=user)
    who = _author(session, pairing, user)
    for other in _participants(session, pairing):
        if other.id == user.id:
            continue
        named = pair_label(session=session, pairing=pairing, viewer=other)
        notify(
            session=session,
            users=[other],
            kind="pairing_message",
            title=f"对接洽谈有新消息：{named}",
            body=f"{who}：{text[:200]}",
            link=f"/pairings/{pairing.id}#thread",
        )
    return message


def _last_id(session: Session, pairing_id: int) -> int:
    stmt = select(func.max(PairingMessage.id)).where(PairingMessage.pairing_id == pairing_id)
    return int(session.exec(stmt).one() or 0)


def mark_read(*, session: Session, pairing: Pairing, user: User) -> None:
    """`user` has now seen every message of the thread."""
    if pairing.id is None or user.id is None:
        return
    mark = session.exec(
        select(PairingRead).where(PairingRead.pairing_id == pairing.id, PairingRead.user_id == user.id)
    ).first()
    last = _last_id(session, pairing.id)
    if mark is None:
        session.add(PairingRead(pairing_id=pairing.id, user_id=user.id, last_message_id=last))
    elif mark.last_message_id < last:
        mark.last_message_id = last
        session.add(mark)
    session.flush()


def unread_counts(*, session: Session, user: User, pairing_ids: list[int]) -> dict[int, int]:
    """Messages by others that `user` has not seen yet, per pairing (pairings with none left out)."""
    if not pairing_ids or user.id is None:
        return {}
    seen = dict(
        session.exec(
            select(PairingRead.pairing_id, PairingRead.last_message_id).where(
                PairingRead.user_id == user.id, col(PairingRead.pairing_id).in_(pairing_ids)
            )
        ).all()
    )
    rows = session.exec(
        select(PairingMessage.pairing_id, PairingMessage.id).where(
            col(PairingMessage.pairing_id).in_(pairing_ids), PairingMessage.author_id != user.id
        )
    ).all()
    counts: dict[int, int] = {}
    for pairing_id, message_id in rows:
        if message_id is not None and message_id > seen.get(pairing_id, 0):
            counts[pairing_id] = counts.get(pairing_id, 0) + 1
    return counts
