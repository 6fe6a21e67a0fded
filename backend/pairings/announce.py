"""Who hears about a pairing's change of status, and what they are told."""

from sqlmodel import Session

from backend.accounts.models import User
from backend.notifications.service import notify
from backend.pairings import interest
from backend.pairings import service as pairings
from backend.pairings.models import Pairing
from backend.postings.display import posting_label
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus as S
from backend.vocab import Proposer


def _side_users(session: Session, pairing: Pairing, side: str) -> list[User]:
    """The posting's owner and whoever of that side acted on this pairing."""
    posting: Need | Result | None = (
        session.get(Need, pairing.need_id) if side == "need" else session.get(Result, pairing.result_id)
    )
    users: list[User] = []
    owner = session.get(User, posting.owner_id) if posting else None
    if owner is not None:
        users.append(owner)
    for event in pairings.events(session=session, pairing=pairing):
        actor = session.get(User, event.actor_id) if event.actor_id else None
        if actor is not None and pairings.side_of(session=session, pairing=pairing, user=actor) == side:
            users.append(actor)
    return users


def _asking_sides(session: Session, pairing: Pairing) -> set[str]:
    """The sides that asked for this pairing: proposed it, or said they were interested."""
    sides = {"need"} if pairing.proposed_by == Proposer.enterprise else set()
    if pairing.proposed_by == Proposer.researcher:
        sides.add("result")
    for event in pairings.events(session=session, pairing=pairing):
        if event.to_status in (S.interested, S.pending_review) and event.actor_id:
            actor = session.get(User, event.actor_id)
            side = pairings.side_of(session=session, pairing=pairing, user=actor) if actor else None
            if side:
                sides.add(side)
    return sides


def concerned_users(*, session: Session, pairing: Pairing, to: S) -> list[User]:
    """Who hears about a move to `to`: the asking side(s) for a rejection, both sides otherwise."""
    sides = _asking_sides(session, pairing) if to == S.rejected else {"need", "result"}
    return [u for side in ("need", "result") if side in sides for u in _side_users(session, pairing, side)]


_NOTICES: dict[S, str] = {
    S.suggested: "平台为您推荐了一项对接：{pair}",
    S.approved: "对接已获平台批准，双方联系方式已公开：{pair}",
    S.rejected: "对接申请未获批准：{pair}",
    S.negotiating: "对接已进入洽谈：{pair}",
    S.signed: "对接已签约：{pair}",
    S.closed: "对接已关闭：{pair}",
}


def pair_label(*, session: Session, pairing: Pairing, viewer: User | None) -> str:
    """“需求” × “成果” as `viewer` may read it (a hidden 保密 need is 一项保密需求)."""
    need = session.get(Need, pairing.need_id)
    result = session.get(Result, pairing.result_id)
    named_need = posting_label(session=session, posting=need, viewer=viewer) if need else "（已删除）"
    named_result = posting_label(session=session, posting=result, viewer=viewer) if result else "（已删除）"
    return f"{named_need} × {named_result}"


def announce(session: Session, pairing: Pairing, to: S, actor: User, note: str) -> None:
    """Notify everyone concerned (but the actor) that `pairing` moved to `to`, each in their own words.

    Called after the transition: who may read a 保密 need's title is decided by the new status
    (the result's side after an approval, not after a rejection).
    """
    body = f"处理意见：{note}" if note.strip() else ""
    if to == S.signed and pairing.contract_amount is not None:
        body = f"合同金额 {pairing.contract_amount:g} 万元，签约日期 {pairing.signed_on}。{body}"
    users = {u.id: u for u in concerned_users(session=session, pairing=pairing, to=to) if u.id != actor.id}
    for user in users.values():  # per recipient: each reads the postings as they may see them
        notify(
            session=session,
            users=[user],
            kind=f"pairing_{to.value}",
            title=_NOTICES[to].format(pair=pair_label(session=session, pairing=pairing, viewer=user)),
            body=body,
            link=f"/pairings/{pairing.id}",
        )


def announce_party_step(*, session: Session, pairing: Pairing, to: S, side: str, note: str) -> None:
    """Tell the other side's people that one party withdrew or moved the pairing to 洽谈中."""
    need = session.get(Need, pairing.need_id)
    result = session.get(Result, pairing.result_id)
    assert need is not None and result is not None
    other = interest.party_users(
        session=session, need=need, result=result, side="result" if side == "need" else "need"
    )
    body = f"原因：{note}" if note else ""
    for user in other:
        pair = pair_label(session=session, pairing=pairing, viewer=user)
        notify(
            session=session,
            users=[user],
            kind="pairing_updated",
            title=f"对接状态更新为“{to.label}”：{pair}",
            body=body,
            link=f"/pairings/{pairing.id}",
        )
