"""an index of each person's due rows, so a turn's replan does not walk the whole queue

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_due_messages_person_pending",
        "due_messages",
        ["person_id", "status", "kind", "due_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_due_messages_person_pending", table_name="due_messages")
