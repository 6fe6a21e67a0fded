"""Who is a party to a posting: the other side of a pairing that has been approved.

A pairing joins two postings, so the pairings package sits above this one and is not imported
here: the few columns that decide disclosure are named as a plain table reference instead
(`tests/backend/postings/test_disclosure.py` checks them against the pairing model).
"""

from typing import Any

from sqlalchemy import Integer, String, column, exists, table
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus

pairing_table = table(
    "pairing",
    column("id", Integer),
    column("need_id", Integer),
    column("result_id", Integer),
    column("status", String),
)
# The statuses in which both sides see each other's identity and contacts.
DISCLOSED = (PairingStatus.approved, PairingStatus.negotiating, PairingStatus.signed)


def _disclosed() -> Any:
    return pairing_table.c.status.in_([s.value for s in DISCLOSED])


def is_party_to_need(*, session: Session, need: Need, user: User) -> bool:
    """Whether `user`'s organisation holds a result in an approved pairing with this need."""
    stmt = (
        select(pairing_table.c.id)
        .join(Result, col(Result.id) == pairing_table.c.result_id)
        .where(
            pairing_table.c.need_id == need.id,
            _disclosed(),
            col(Result.organisation_id) == user.organisation_id,
        )
    )
    return session.exec(stmt).first() is not None


def is_party_to_result(*, session: Session, result: Result, user: User) -> bool:
    """Whether `user`'s organisation holds a need in an approved pairing with this result."""
    stmt = (
        select(pairing_table.c.id)
        .join(Need, col(Need.id) == pairing_table.c.need_id)
        .where(
            pairing_table.c.result_id == result.id,
            _disclosed(),
            col(Need.organisation_id) == user.organisation_id,
        )
    )
    return session.exec(stmt).first() is not None


def party_need_clause(user: User) -> Any:
    """SQL condition on Need: `user`'s organisation is the other party of an approved pairing."""
    return exists().where(
        pairing_table.c.need_id == col(Need.id),
        _disclosed(),
        pairing_table.c.result_id == col(Result.id),
        col(Result.organisation_id) == user.organisation_id,
    )
