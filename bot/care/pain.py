"""The 0-10 numeric pain rating scale asked at enrolment (the baseline) and every check-in."""

from __future__ import annotations

PAIN_MIN = 0
"""No pain."""
PAIN_MAX = 10
"""The worst pain imaginable."""


def check_pain(score: int) -> int:
    """``score`` itself if it is on the scale; ``ValueError`` otherwise.

    An off-scale score would silently skew every threshold of the trend rules, so it is refused
    where it enters rather than clamped.
    """
    if isinstance(score, bool) or not PAIN_MIN <= score <= PAIN_MAX:
        raise ValueError(f"pain must be an integer from {PAIN_MIN} to {PAIN_MAX}, got {score!r}")
    return score
