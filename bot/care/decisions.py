"""What the care rules hand back when a rule fires.

CARE-RULES.md: "An escalation is stored with the rule id, the facts that triggered it and when
it was sent." The rules supply the first two; the caller, who owns the clock and the database,
adds when it was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.care.levels import Level


@dataclass(frozen=True)
class Escalation:
    """One rule that fired, at its level, with the facts a clinician would want to read back.

    ``facts`` holds JSON-serialisable values only (ints, floats, strings, booleans, lists), so it
    can be stored as a JSON column as is. It takes no part in hashing because a dict cannot be
    hashed; two escalations are still equal only if their facts are equal.
    """

    rule_id: str
    level: Level
    facts: Mapping[str, object] = field(default_factory=dict, hash=False)
