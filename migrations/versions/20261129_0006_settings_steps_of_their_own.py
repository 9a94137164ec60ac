"""the settings flow's time-zone and check-in-time steps have names of their own

Enrolment and /settings shared three steps (zone, zone_pick, checkin_time) and an answer,
"flow", said which of the two was running. Each flow now has its own steps, so a person who
was in the middle of /settings is moved to the settings flow's names; a person in the middle
of enrolment keeps theirs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 11:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENAMED = {
    "zone": "settings_zone",
    "zone_pick": "settings_zone_pick",
    "checkin_time": "settings_time",
}
"""The shared step's name -> the settings flow's own."""


def _flow_is(value: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"answers->>'flow' = '{value}'"
    return f"json_extract(answers, '$.flow') = '{value}'"


def _with_flow(value: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(CAST(answers AS JSONB) || jsonb_build_object('flow', '{value}') AS JSON)"
    return f"json_set(answers, '$.flow', '{value}')"


def upgrade() -> None:
    for shared, own in RENAMED.items():
        op.execute(
            f"UPDATE conversations SET step = '{own}' "
            f"WHERE step = '{shared}' AND {_flow_is('settings')}"
        )


def downgrade() -> None:
    shared_steps = ", ".join(f"'{shared}'" for shared in RENAMED)
    op.execute(
        f"UPDATE conversations SET answers = {_with_flow('enrol')} WHERE step IN ({shared_steps})"
    )
    for shared, own in RENAMED.items():
        op.execute(
            f"UPDATE conversations SET step = '{shared}', answers = {_with_flow('settings')} "
            f"WHERE step = '{own}'"
        )
