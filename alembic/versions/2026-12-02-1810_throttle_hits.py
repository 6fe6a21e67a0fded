"""throttle counts in the database (issue 14): every worker counts the same attempts

Revision ID: 3a8d6c2f1e07
Revises: 5c1f0e7a9d42
Create Date: 2026-12-02 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "3a8d6c2f1e07"
down_revision: str | None = "5c1f0e7a9d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "throttle_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("limiter", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle_hit")),
    )
    with op.batch_alter_table("throttle_hit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_throttle_hit_at"), ["at"], unique=False)
        batch_op.create_index("ix_throttle_hit_limiter_key_at", ["limiter", "key", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("throttle_hit", schema=None) as batch_op:
        batch_op.drop_index("ix_throttle_hit_limiter_key_at")
        batch_op.drop_index(batch_op.f("ix_throttle_hit_at"))
    op.drop_table("throttle_hit")
