"""pairing thread: messages and read marks (issue 15)

Revision ID: be9a145fb27c
Revises: 3f1c9a7d2b64
Create Date: 2026-12-02 15:15:12.350272
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "be9a145fb27c"
down_revision: str | None = "3f1c9a7d2b64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pairing_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], name=op.f("fk_pairing_message_author_id_user")),
        sa.ForeignKeyConstraint(
            ["pairing_id"], ["pairing.id"], name=op.f("fk_pairing_message_pairing_id_pairing")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_message")),
    )
    with op.batch_alter_table("pairing_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairing_message_pairing_id"), ["pairing_id"], unique=False)

    op.create_table(
        "pairing_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_message_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pairing_id"], ["pairing.id"], name=op.f("fk_pairing_read_pairing_id_pairing")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_pairing_read_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_read")),
        sa.UniqueConstraint("pairing_id", "user_id", name=op.f("uq_pairing_read_pairing_id")),
    )
    with op.batch_alter_table("pairing_read", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairing_read_pairing_id"), ["pairing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairing_read_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pairing_read", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairing_read_user_id"))
        batch_op.drop_index(batch_op.f("ix_pairing_read_pairing_id"))

    op.drop_table("pairing_read")
    with op.batch_alter_table("pairing_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairing_message_pairing_id"))

    op.drop_table("pairing_message")
