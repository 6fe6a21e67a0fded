"""JSON API of the operators' pairing desk: queue, decisions, batches and proposals."""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from backend.accounts.deps import OperatorUser
from backend.deps import SessionDep
from backend.engine import current as matching_engine
from backend.ops import pairing_queue as desk
from backend.ops import suggestions as suggest
from backend.pairings.models import Pairing
from backend.vocab import Confidentiality, PairingStatus, Proposer, TechField

router = APIRouter(prefix="/ops/pairings", tags=["ops"])


class PairingOut(BaseModel):
    id: int
    need_id: int
    result_id: int
    score: float
    explanation: dict[str, Any]
    proposed_by: Proposer
    status: PairingStatus
    status_label: str
    version: int
    contract_amount: float | None
    signed_on: date | None
    updated_at: datetime

    @classmethod
    def of(cls, pairing: Pairing) -> "PairingOut":
        data = pairing.model_dump(warnings=False)  # statuses come back from the DB as plain strings
        return cls(**data, status_label=PairingStatus(pairing.status).label)


class QueueItemOut(BaseModel):
    pairing: PairingOut
    need_title: str
    need_confidentiality: Confidentiality
    need_organisation: str
    result_title: str
    result_organisation: str
    proposer: str
    waiting: str
    reasons_for: list[str]
    reasons_against: list[str]
    shared_terms: list[str]
    actions: list[PairingStatus]


class Decision(BaseModel):
    to: PairingStatus
    version: int
    note: str = Field(default="", max_length=1000)
    contract_amount: float | None = None
    signed_on: date | None = None


class Batch(BaseModel):
    ids: list[int] = Field(min_length=1, max_length=200)
    to: PairingStatus
    note: str = Field(default="", max_length=1000)
    versions: dict[int, int] | None = None  # id -> the version the caller saw


class BatchOut(BaseModel):
    done: list[int]
    skipped: list[dict[str, Any]]
    message: str


class Proposal(BaseModel):
    need_id: int
    result_id: int


@router.get("")
def list_queue(
    session: SessionDep,
    operator: OperatorUser,
    status: PairingStatus | None = None,
    field: TechField | None = None,
    limit: Annotated[int, Query(ge=1, le=desk.QUEUE_LIMIT)] = 100,
) -> list[QueueItemOut]:
    """Pairings waiting for an operator, most urgent first."""
    items = desk.queue(session=session, filters=desk.QueueFilters(status=status, field=field), limit=limit)
    return [
        QueueItemOut(
            pairing=PairingOut.of(i.pairing),
            need_title=i.need.title,
            need_confidentiality=i.need.confidentiality,
            need_organisation=i.need_org,
            result_title=i.result.title,
            result_organisation=i.result_org,
            proposer=i.proposer,
            waiting=i.waiting,
            reasons_for=i.reasons_for,
            reasons_against=i.reasons_against,
            shared_terms=i.shared_terms,
            actions=i.actions,
        )
        for i in items
    ]


@router.post("", status_code=201)
def propose(data: Proposal, session: SessionDep, operator: OperatorUser) -> PairingOut:
    """Pair a need with a result (status 推荐); 409 when the pair exists already."""
    pairing = suggest.propose(
        session=session,
        need_id=data.need_id,
        result_id=data.result_id,
        operator=operator,
        engine=matching_engine(),
    )
    return PairingOut.of(pairing)


@router.post("/batch")
def batch(data: Batch, session: SessionDep, operator: OperatorUser) -> BatchOut:
    """Approve or reject several pairings; each is decided on its own."""
    outcome = desk.decide_batch(
        session=session, ids=data.ids, operator=operator, to=data.to, note=data.note, versions=data.versions
    )
    return BatchOut(
        done=outcome.done,
        skipped=[{"id": i, "reason": reason} for i, reason in outcome.skipped],
        message=outcome.message(),
    )


@router.post("/{pairing_id}/decision")
def decide(pairing_id: int, data: Decision, session: SessionDep, operator: OperatorUser) -> PairingOut:
    """One decision on the version the caller saw; 409 when someone else decided first."""
    pairing = desk.decide(
        session=session,
        pairing_id=pairing_id,
        operator=operator,
        to=data.to,
        note=data.note,
        version=data.version,
        contract_amount=data.contract_amount,
        signed_on=data.signed_on,
    )
    return PairingOut.of(pairing)
