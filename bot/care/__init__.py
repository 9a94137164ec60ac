"""The pure care rules of BackCheck: every clinical decision, no I/O, no clock.

Functions take facts (onset time, answers, history, ``now``, the person's IANA zone) and
return decisions (levels, rule ids, phases, due times). Every rule of CARE-RULES.md has its id
in the module that implements it; :data:`RULES` is the whole table, printable with
:func:`format_rule_table` for a clinician's sign-off.
"""

from bot.care.cadence import (
    DEFAULT_CHECKIN_TIME,
    EARLIEST_CHECKIN,
    FOLLOW_UP_DAYS,
    LATEST_CHECKIN,
    MISSED_BEFORE_PAUSE,
    PREVENT_TIPS_WEEKS,
    REMINDER_DELAY,
    Slot,
    episode_day,
    is_checkin_day,
    next_checkin,
    prevention_tip_times,
    reminder_at,
    should_pause,
    valid_checkin_time,
)
from bot.care.decisions import Escalation
from bot.care.escalation import (
    AgeBand,
    age_escalation,
    can_enrol,
    due_escalations,
    red_flag_escalations,
)
from bot.care.levels import Level
from bot.care.pain import PAIN_MAX, PAIN_MIN, check_pain
from bot.care.phases import (
    ICE_PERIOD,
    Phase,
    Protocol,
    needs_switch_message,
    phase_at,
    switch_at,
)
from bot.care.quiet import QUIET_END, QUIET_START, in_quiet_hours, out_of_quiet_hours
from bot.care.redflags import (
    CHECKIN_GROUPS,
    ENROLMENT_GROUPS,
    RED_FLAG_LEVEL,
    RedFlag,
    RedFlagGroup,
    triage,
)
from bot.care.rules import RULES, Rule, format_rule_table, rule
from bot.care.safety_net import (
    FOLLOW_UP_AFTER_EMERGENCY,
    FOLLOWED_UP_LEVELS,
    SAFETY_NET_RULES,
    SafetyNetRule,
    follow_up_at,
)
from bot.care.severity import EXPECTED_RECOVERY, Activity, Outlook, Severity, outlook, severity
from bot.care.trend import (
    MEANINGFUL_FRACTION,
    MEANINGFUL_POINTS,
    PainChange,
    chronic_end_due,
    is_recovered,
    milestones_evaluated,
    pain_change,
    recurrent_escalation,
    trend_escalations,
)

__all__ = [
    "CHECKIN_GROUPS",
    "DEFAULT_CHECKIN_TIME",
    "EARLIEST_CHECKIN",
    "ENROLMENT_GROUPS",
    "EXPECTED_RECOVERY",
    "FOLLOWED_UP_LEVELS",
    "FOLLOW_UP_AFTER_EMERGENCY",
    "FOLLOW_UP_DAYS",
    "ICE_PERIOD",
    "LATEST_CHECKIN",
    "MEANINGFUL_FRACTION",
    "MEANINGFUL_POINTS",
    "MISSED_BEFORE_PAUSE",
    "PAIN_MAX",
    "PAIN_MIN",
    "PREVENT_TIPS_WEEKS",
    "QUIET_END",
    "QUIET_START",
    "RED_FLAG_LEVEL",
    "REMINDER_DELAY",
    "RULES",
    "SAFETY_NET_RULES",
    "Activity",
    "AgeBand",
    "Escalation",
    "Level",
    "Outlook",
    "PainChange",
    "Phase",
    "Protocol",
    "RedFlag",
    "RedFlagGroup",
    "Rule",
    "SafetyNetRule",
    "Severity",
    "Slot",
    "age_escalation",
    "can_enrol",
    "check_pain",
    "chronic_end_due",
    "due_escalations",
    "episode_day",
    "follow_up_at",
    "format_rule_table",
    "in_quiet_hours",
    "is_checkin_day",
    "is_recovered",
    "milestones_evaluated",
    "needs_switch_message",
    "next_checkin",
    "out_of_quiet_hours",
    "outlook",
    "pain_change",
    "phase_at",
    "prevention_tip_times",
    "recurrent_escalation",
    "red_flag_escalations",
    "reminder_at",
    "rule",
    "severity",
    "should_pause",
    "switch_at",
    "trend_escalations",
    "triage",
    "valid_checkin_time",
]
