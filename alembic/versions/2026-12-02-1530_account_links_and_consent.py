"""account links and consent: password-reset / email-verification links, verified email, accepted terms (issue 15)

Accounts that exist before this revision count as verified (they could already submit postings,
and demo or imported data must keep working); new ones verify through the emailed link.

Revision ID: 5b7e0c2d4f61
Revises: 11937d30b9c9
Create Date: 2026-12-02 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "5b7e0c2d4f61"
down_revision: str | None = "11937d30b9c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_account_token_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_token")),
    )
    with op.batch_alter_table("account_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_token_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_account_token_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("terms_version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(sa.Column("terms_accepted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    user = sa.table("user", sa.column("created_at", sa.DateTime), sa.column("email_verified_at", sa.DateTime))
    op.get_bind().execute(sa.update(user).values(email_verified_at=user.c.created_at))


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("terms_accepted_at")
        batch_op.drop_column("terms_version")
        batch_op.drop_column("email_verified_at")
    with op.batch_alter_table("account_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_account_token_token_hash"))
    op.drop_table("account_token")
