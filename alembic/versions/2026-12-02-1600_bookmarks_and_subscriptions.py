"""bookmarks and subscriptions: 收藏, 订阅 and the hits each subscription announced (issue 15)

Revision ID: da9c13c89466
Revises: 5b7e0c2d4f61
Create Date: 2026-12-02 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "da9c13c89466"
down_revision: str | None = "5b7e0c2d4f61"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bookmark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("side", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_bookmark_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookmark")),
        sa.UniqueConstraint("user_id", "side", "posting_id", name=op.f("uq_bookmark_user_id")),
    )
    with op.batch_alter_table("bookmark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookmark_user_id"), ["user_id"], unique=False)

    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("side", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("own_side", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("own_id", sa.Integer(), nullable=True),
        sa.Column("min_band", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_subscription_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscription_side"), ["side"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscription_user_id"), ["user_id"], unique=False)

    op.create_table(
        "subscription_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("side", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("emailed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_subscription_hit_subscription_id_subscription"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_subscription_hit_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_hit")),
        sa.UniqueConstraint(
            "subscription_id", "posting_id", name=op.f("uq_subscription_hit_subscription_id")
        ),
    )
    with op.batch_alter_table("subscription_hit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscription_hit_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_subscription_hit_subscription_id"), ["subscription_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_subscription_hit_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subscription_hit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_hit_user_id"))
        batch_op.drop_index(batch_op.f("ix_subscription_hit_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_subscription_hit_created_at"))

    op.drop_table("subscription_hit")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_user_id"))
        batch_op.drop_index(batch_op.f("ix_subscription_side"))

    op.drop_table("subscription")
    with op.batch_alter_table("bookmark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookmark_user_id"))

    op.drop_table("bookmark")
