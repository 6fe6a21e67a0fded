"""Where a shown pair stands for a viewer who owns one side of it, and what they can do next."""

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.matching.cards import MatchList
from backend.pairings import service as pairings
from backend.pairings.models import Pairing, PairingEvent
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus, PostingStatus, Role


def pair_box_id(need_id: int, result_id: int) -> str:
    """The id of a pair's interest box on any page, where the answer to using it lands."""
    return f"pair-{need_id}-{result_id}"


@dataclass
class PairState:
    """Where a shown pair stands for a viewer who owns one side of it."""

    need_id: int
    result_id: int
    pairing_id: int | None = None
    status: PairingStatus | None = None
    action: Literal["express", "confirm"] | None = None

    @property
    def box_id(self) -> str:
        return pair_box_id(self.need_id, self.result_id)


def _own_side(need: Need, result: Result, user: User | None) -> str | None:
    if user is None:
        return None
    if user.role == Role.enterprise and need.organisation_id == user.organisation_id:
        return "need"
    if user.role == Role.researcher and result.organisation_id == user.organisation_id:
        return "result"
    return None


def asker_side(*, session: Session, pairing: Pairing) -> str | None:
    """The side whose interest opened the pairing's 意向 step, if any."""
    first = session.exec(
        select(PairingEvent)
        .where(PairingEvent.pairing_id == pairing.id, PairingEvent.to_status == PairingStatus.interested)
        .order_by(col(PairingEvent.id))
    ).first()
    asker = session.get(User, first.actor_id) if first and first.actor_id else None
    return pairings.side_of(session=session, pairing=pairing, user=asker) if asker else None


def pair_state(*, session: Session, need: Need, result: Result, user: User | None) -> PairState | None:
    """For a viewer owning one side: the pairing's status and what they can do next; else None."""
    mine = _own_side(need, result, user)
    if mine is None or need.status != PostingStatus.published or result.status != PostingStatus.published:
        return None
    assert need.id is not None and result.id is not None
    state = PairState(need_id=need.id, result_id=result.id)
    pairing = pairings.find(session=session, need_id=need.id, result_id=result.id)
    if pairing is None:
        state.action = "express"
        return state
    state.pairing_id, state.status = pairing.id, PairingStatus(pairing.status)
    if state.status == PairingStatus.suggested:
        state.action = "express"
    elif state.status == PairingStatus.interested and asker_side(session=session, pairing=pairing) != mine:
        state.action = "confirm"
    return state


def attach_to_need_cards(*, session: Session, need: Need, cards: MatchList | None, user: User | None) -> None:
    """Mark each live result card of a need's page with where the pair stands for `user`."""
    if not cards or cards.preview:
        return
    for card in cards:
        result = session.get(Result, card.id)
        card.pair = pair_state(session=session, need=need, result=result, user=user) if result else None


def attach_to_result_cards(
    *, session: Session, result: Result, cards: MatchList | None, user: User | None
) -> None:
    """Mark each live need card of a result's page with where the pair stands for `user`."""
    if not cards or cards.preview:
        return
    for card in cards:
        need = session.get(Need, card.id)
        card.pair = pair_state(session=session, need=need, result=result, user=user) if need else None
