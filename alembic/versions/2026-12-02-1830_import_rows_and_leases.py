"""import jobs keep their rows and a lease in the database (issue 14): any worker carries on a job whose worker died

Revision ID: 9e41b7c3d5a8
Revises: 3a8d6c2f1e07
Create Date: 2026-12-02 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "9e41b7c3d5a8"
down_revision: str | None = "3a8d6c2f1e07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["import_job.id"], name=op.f("fk_import_row_job_id_import_job")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_row")),
        sa.UniqueConstraint("job_id", "position", name=op.f("uq_import_row_job_id")),
    )
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "heartbeat_at",
                sqlmodel.sql.sqltypes.UTCDateTime(),
                nullable=False,
                server_default=sa.func.now(),
            )
        )
    # The defaults were for the rows already there (jobs ended long ago); the app sets both.
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.alter_column("lease", server_default=None)
        batch_op.alter_column("heartbeat_at", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("lease")
    op.drop_table("import_row")
