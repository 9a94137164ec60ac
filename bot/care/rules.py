"""The complete rule table of CARE-RULES.md, in one place a clinician can read back.

Each row carries the rule's id, its trigger in plain words, its level and its source. The
levels here are the single source of truth: red-flag triage and the trend rules look their
level up in this table, so signing off this table signs off the behaviour.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from itertools import zip_longest

from bot.care.levels import Level
from bot.care.safety_net import SAFETY_NET_RULES, SafetyNetRule

_CKS = "NICE CKS red flags"
_CES_CARD = "cauda equina card (Greenhalgh, Mercer, Finucane)"
_NHS = "NHS Back pain"
_SEED = "seed article"
_CHOU = "Chou et al. 2011"
_FRENCH = "French et al., Cochrane CD004750"
_DAHM = "Dahm et al., Cochrane CD007612"
_OSTELO = "Ostelo et al. 2008 (2 points or 30 %)"
_NATURAL_COURSE = "Pengel et al. 2003; Menezes Costa et al. 2012"


@dataclass(frozen=True)
class Rule:
    """One row of the care rules: what fires, how urgent it is, and who says so."""

    id: str
    trigger: str
    level: Level
    source: str


RULES: tuple[Rule, ...] = (
    # Red flags: asked at enrolment and behind every check-in's "anything new?".
    Rule(
        "RF-CES-BLADDER",
        "New trouble starting or controlling your pee, leaking, or not knowing if your"
        " bladder is full",
        Level.EMERGENCY,
        f"{_CKS}; {_CES_CARD}; {_NHS}; {_SEED}",
    ),
    Rule(
        "RF-CES-BOWEL",
        "Leaking from or losing control of your bowels",
        Level.EMERGENCY,
        f"{_CKS}; {_CES_CARD}; {_NHS}; {_SEED}",
    ),
    Rule(
        "RF-CES-SADDLE",
        "Numbness or pins and needles between your inner thighs, around your genitals, back"
        " passage or buttocks (altered feeling when wiping)",
        Level.EMERGENCY,
        f"{_CKS}; {_CES_CARD}; {_NHS}; {_SEED}",
    ),
    Rule(
        "RF-CES-SEXUAL",
        "New loss of feeling in your genitals, or a new change in erection or ejaculation",
        Level.EMERGENCY,
        f"{_CKS}; {_CES_CARD}; {_NHS}",
    ),
    Rule(
        "RF-LEGS-BOTH",
        "Pain, tingling, numbness or weakness in both legs",
        Level.EMERGENCY,
        f"{_CKS}; {_CES_CARD}; {_NHS}",
    ),
    Rule(
        "RF-LEG-WEAKNESS",
        "Severe or worsening weakness in a leg, or new trouble walking",
        Level.EMERGENCY,
        f"{_CKS}; {_NHS}; {_SEED}",
    ),
    Rule(
        "RF-TRAUMA",
        "The pain started after a serious accident or fall",
        Level.EMERGENCY,
        f"{_CKS}; {_NHS}; {_CHOU}; {_SEED}",
    ),
    Rule("RF-CHEST", "Chest pain", Level.EMERGENCY, _NHS),
    Rule(
        "RF-FEVER",
        "A high temperature, or feeling very unwell",
        Level.URGENT,
        f"{_CKS}; {_NHS}; {_SEED}",
    ),
    Rule("RF-CANCER", "You have had cancer", Level.URGENT, f"{_CKS}; {_CHOU}"),
    Rule("RF-WEIGHT", "Losing weight without trying", Level.URGENT, f"{_CKS}; {_NHS}; {_SEED}"),
    Rule(
        "RF-NIGHT",
        "Pain that is worse at night or does not ease at all with rest",
        Level.URGENT,
        f"{_CKS}; {_NHS}",
    ),
    Rule(
        "RF-IMMUNE",
        "A weakened immune system, long-term steroid tablets, or injecting drugs",
        Level.URGENT,
        f"{_CKS}; {_CHOU}",
    ),
    Rule("RF-OSTEO", "Osteoporosis (fragile bones)", Level.URGENT, f"{_CKS}; {_CHOU}"),
    Rule(
        "RF-AGE-50",
        "Aged 50 or over, with a first episode of back pain",
        Level.SOON,
        f"{_CKS}; {_CHOU}",
    ),
    # Recovery phases (protocol seed): advice, never an escalation.
    Rule(
        "PH-ICE",
        "0 to 48 h after onset (protocol seed): ice 15-20 minutes, wrapped; stay gently active",
        Level.INFO,
        f"{_SEED}; NICE NG59; {_DAHM}",
    ),
    Rule(
        "PH-SWITCH",
        "Onset + 48 h, moved to 08:00 if in quiet hours (22:00-08:00 local): switch ice to heat",
        Level.INFO,
        f"{_SEED}; {_FRENCH}",
    ),
    Rule(
        "PH-HEAT",
        "After 48 h (from day 0 under heat-first), until the pain has clearly improved: heat,"
        " daily walking, posture",
        Level.INFO,
        f"{_SEED}; {_FRENCH}; Qaseem et al., ACP 2017",
    ),
    Rule(
        "PH-STRENGTHEN",
        "After 48 h, pain down by 50 % or more from baseline, or 3 or below: gentle core and"
        " glute strengthening",
        Level.INFO,
        f"{_SEED}; NICE NG59",
    ),
    Rule(
        "PH-PREVENT",
        "After recovery: weekly prevention tips for four weeks, then the follow-up ends",
        Level.INFO,
        f"{_SEED}; NICE NG59",
    ),
    # Pain trend (0-10 rating at every check-in; baseline = the score at enrolment).
    Rule(
        "TR-WORSE",
        "Pain at least 2 points above baseline on two check-ins in a row",
        Level.SOON,
        f"{_SEED}; {_OSTELO}",
    ),
    Rule("TR-SEVERE", "Pain 8 or more on three check-ins in a row", Level.SOON, _SEED),
    Rule(
        "TR-NO-IMPROVE-14",
        "Day 14 after onset: less than 2 points and less than 30 % better than baseline",
        Level.SOON,
        f"{_OSTELO}; {_NATURAL_COURSE}",
    ),
    Rule("TR-NO-IMPROVE-28", "Day 28: pain 4 or more", Level.SOON, _NATURAL_COURSE),
    Rule(
        "TR-PERSIST-42",
        "Day 42 (six weeks): any pain above 1",
        Level.SOON,
        f"{_SEED}; NICE NG59",
    ),
    Rule(
        "TR-CHRONIC-84",
        "Day 84: still in follow-up; the acute follow-up ends",
        Level.SOON,
        f"NICE NG59; {_NATURAL_COURSE}",
    ),
    Rule(
        "TR-RECOVERED",
        "Pain 0 or 1 on three check-ins in a row: recovery message, then PH-PREVENT",
        Level.INFO,
        "Kamper et al. 2010",
    ),
    Rule(
        "TR-RECURRENT",
        "A new episode within 12 months of an earlier one: physiotherapy assessment",
        Level.SOON,
        _SEED,
    ),
)

_BY_ID: dict[str, Rule] = {entry.id: entry for entry in RULES}


def rule(rule_id: str) -> Rule:
    """The row of ``rule_id``; ``KeyError`` for an id the table does not have."""
    return _BY_ID[rule_id]


_COLUMNS: tuple[tuple[str, int], ...] = (
    ("id", 16),
    ("level", 9),
    ("trigger", 38),
    ("source", 30),
)
_GAP = "  "
_SPACE = " "
_KEEP_TOGETHER = "\N{NO-BREAK SPACE}"


_SAFETY_NET_COLUMNS: tuple[tuple[str, int], ...] = (
    ("id", 12),
    ("when", 24),
    ("what the bot does", 38),
    ("source", 19),
)


def format_rule_table(rules: tuple[Rule, ...] = RULES) -> str:
    """The rule table as fixed-width text, for a clinician's sign-off (``python -m bot rules``).

    Long triggers and sources wrap inside their column so the table stays readable in a
    terminal or an e-mail without a wide screen.
    """
    rows = [(entry.id, entry.level.name, entry.trigger, entry.source) for entry in rules]
    return _fixed_width(_COLUMNS, rows)


def format_safety_net_table(rules: tuple[SafetyNetRule, ...] = SAFETY_NET_RULES) -> str:
    """The safety-netting rules (what follows an escalation), in the same fixed-width form."""
    rows = [(entry.id, entry.when, entry.does, entry.source) for entry in rules]
    return _fixed_width(_SAFETY_NET_COLUMNS, rows)


def _fixed_width(
    columns: tuple[tuple[str, int], ...], rows: list[tuple[str, str, str, str]]
) -> str:
    header = _GAP.join(name.ljust(width) for name, width in columns).rstrip()
    rule_line = _GAP.join("-" * width for _, width in columns)
    lines = [header, rule_line]
    for cells in rows:
        wrapped = [
            [part.replace(_KEEP_TOGETHER, _SPACE) for part in textwrap.wrap(_glue(text), width)]
            for text, (_, width) in zip(cells, columns, strict=True)
        ]
        for parts in zip_longest(*wrapped, fillvalue=""):
            lines.append(
                _GAP.join(
                    part.ljust(width) for part, (_, width) in zip(parts, columns, strict=True)
                ).rstrip()
            )
    return "\n".join(lines) + "\n"


def _glue(text: str) -> str:
    """Keep "30 %" on one line: a lone "%" at the start of a wrapped line reads as an error."""
    return text.replace(_SPACE + "%", _KEEP_TOGETHER + "%")
