"""conversations.turn is the question number

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.alter_column("turn", new_column_name="question_number")


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.alter_column("question_number", new_column_name="turn")
