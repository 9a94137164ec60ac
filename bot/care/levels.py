"""Escalation levels, from the "Levels of escalation" table of CARE-RULES.md.

An ``IntEnum`` so that levels compare by urgency: ``max()`` of several findings is the one the
person must act on first, and "the level rises" is a plain ``>``.
"""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """How urgently a finding must reach the person (and, for EMERGENCY, the admins)."""

    INFO = 0
    """Reassurance and self-care advice for the current phase, with every check-in reply."""
    SOON = 1
    """See a doctor or physiotherapist in the next few days; once per rule per episode."""
    URGENT = 2
    """Contact a doctor today; sent at once, whatever the hour."""
    EMERGENCY = 3
    """Call the emergency number now; sent at once and repeated each time it is reported."""
