"""organisation name key: names normalised and unique in the database (issue 13)

Revision ID: 3c1d7e2a9b41
Revises: 82b110ef1425
Create Date: 2026-11-23 09:00:00
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "3c1d7e2a9b41"
down_revision: str | None = "82b110ef1425"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# backend.validation.normalise_name as of this revision (a migration must not change with the code).
_DROP = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u061c\u180e\u202a-\u202e\u2066-\u2069]")


def _normalise(value: str) -> str:
    return " ".join(_DROP.sub("", unicodedata.normalize("NFKC", value)).split())


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "name_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False, server_default=""
            )
        )
    conn = op.get_bind()
    org = sa.table(
        "organisation",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
    )
    taken: set[str] = set()
    for org_id, name in conn.execute(sa.select(org.c.id, org.c.name).order_by(org.c.id)).all():
        clean = _normalise(name)
        key = clean.casefold()
        if (
            key in taken
        ):  # an earlier duplicate keeps the name; this one stays apart, for an operator to merge
            key = f"{key}#{org_id}"[:100]
        taken.add(key)
        conn.execute(sa.update(org).where(org.c.id == org_id).values(name=clean, name_key=key))
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.alter_column("name_key", server_default=None)
        batch_op.create_index(batch_op.f("ix_organisation_name_key"), ["name_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_name_key"))
        batch_op.drop_column("name_key")
