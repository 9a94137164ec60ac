"""indexes for the operators' stats and export

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 23:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_check_ins_sent_at_answered_at", ["sent_at", "answered_at"], unique=False
        )
        batch_op.create_index(
            "ix_check_ins_day_status_pain", ["day", "status", "pain"], unique=False
        )

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_check_in_id", ["check_in_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_check_in_id")

    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_check_ins_day_status_pain")
        batch_op.drop_index("ix_check_ins_sent_at_answered_at")
