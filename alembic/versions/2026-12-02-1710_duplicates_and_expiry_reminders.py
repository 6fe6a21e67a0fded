"""duplicate candidates of submitted postings, and expiry reminders sent (issue 16)

Revision ID: 3f1c9a7d2b64
Revises: 8f3efee5afc0
Create Date: 2026-12-02 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "3f1c9a7d2b64"
down_revision: str | None = "8f3efee5afc0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duplicate_candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("side", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_candidate")),
        sa.UniqueConstraint("side", "posting_id", "other_id", name=op.f("uq_duplicate_candidate_side")),
    )
    with op.batch_alter_table("duplicate_candidate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duplicate_candidate_posting_id"), ["posting_id"], unique=False)

    op.create_table(
        "expiry_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expiry_reminder")),
        sa.UniqueConstraint("need_id", "valid_until", name=op.f("uq_expiry_reminder_need_id")),
    )
    with op.batch_alter_table("expiry_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expiry_reminder_need_id"), ["need_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("expiry_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expiry_reminder_need_id"))
    op.drop_table("expiry_reminder")
    with op.batch_alter_table("duplicate_candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duplicate_candidate_posting_id"))
    op.drop_table("duplicate_candidate")
