"""posting questions: 向平台提问 before any pairing (issue 15)

Revision ID: 2ad59ed46834
Revises: be9a145fb27c
Create Date: 2026-12-02 15:45:14.308887
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "2ad59ed46834"
down_revision: str | None = "be9a145fb27c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "posting_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("asked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["user.id"], name=op.f("fk_posting_question_answered_by_user")
        ),
        sa.ForeignKeyConstraint(["asker_id"], ["user.id"], name=op.f("fk_posting_question_asker_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_question")),
    )
    with op.batch_alter_table("posting_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posting_question_asker_id"), ["asker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_posting_question_posting_id"), ["posting_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("posting_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posting_question_posting_id"))
        batch_op.drop_index(batch_op.f("ix_posting_question_asker_id"))

    op.drop_table("posting_question")
