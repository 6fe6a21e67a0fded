"""JSON API of pairings: express interest, list mine, read one with its timeline."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import Session

from backend.accounts.deps import CurrentUser
from backend.accounts.models import User
from backend.deps import SessionDep
from backend.pairings import interest, visibility
from backend.pairings import service as pairings
from backend.pairings.models import Pairing
from backend.vocab import PairingStatus, Proposer

router = APIRouter(prefix="/pairings", tags=["pairings"])


class InterestIn(BaseModel):
    need_id: int
    result_id: int
    message: str = Field(default="", max_length=interest.MAX_MESSAGE)


class PairingOut(BaseModel):
    id: int
    need_id: int
    result_id: int
    status: PairingStatus
    status_label: str
    score: float
    explanation: dict[str, Any]
    proposed_by: Proposer
    version: int
    created_at: datetime
    updated_at: datetime


class EventOut(BaseModel):
    actor_id: int | None
    from_status: PairingStatus | None
    to_status: PairingStatus
    note: str
    created_at: datetime


class PairingDetail(PairingOut):
    events: list[EventOut]


def _out(session: Session, pairing: Pairing, user: User) -> dict[str, Any]:
    data = pairing.model_dump(warnings=False)
    data["status_label"] = PairingStatus(pairing.status).label
    data["explanation"] = visibility.visible_explanation(session=session, pairing=pairing, user=user)
    return data


@router.post("/interest")
def express_interest(body: InterestIn, session: SessionDep, user: CurrentUser) -> PairingOut:
    """Say the caller's side is interested: a new 意向, or confirming the other side's (→ 待审核)."""
    pairing = interest.express(
        session=session, need_id=body.need_id, result_id=body.result_id, user=user, message=body.message
    )
    return PairingOut.model_validate(_out(session, pairing, user))


@router.get("")
def my_pairings(session: SessionDep, user: CurrentUser) -> list[PairingOut]:
    """Pairings of the caller's organisation (every pairing for an operator), newest first."""
    rows = pairings.for_user(session=session, user=user)
    return [PairingOut.model_validate(_out(session, p, user)) for p in rows]


@router.get("/{pairing_id}")
def get_pairing(pairing_id: int, session: SessionDep, user: CurrentUser) -> PairingDetail:
    """One pairing with its timeline; 404 unless the caller is a party or an operator."""
    pairing = pairings.get_visible(session=session, pairing_id=pairing_id, user=user)
    events = [
        EventOut.model_validate(e.model_dump(warnings=False))
        for e in pairings.events(session=session, pairing=pairing)
    ]
    return PairingDetail.model_validate(_out(session, pairing, user) | {"events": events})
