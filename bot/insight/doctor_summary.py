"""The one-page summary a person can show a doctor or physiotherapist (``/summary``).

The same content twice: as a chat message, and as a one-page A4 PDF with the pain chart.
Why a PDF and not a PNG: Telegram recompresses photos to JPEG and shrinks them, which blurs a
page of small text, while a document arrives byte for byte; a PDF prints on A4 at a clinic,
opens on any phone or computer, and its text can be searched and copied into the clinic's
notes. The chart inside is the person's own chart, the very PNG ``/history`` sends.

Everything the summary says comes from the person's answers and the escalations the rules
sent; it repeats, never interprets, and it ends with the catalogue's disclaimer that it is not
a diagnosis. Dates and times are in the person's own zone.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram.constants import MessageLimit

from bot import texts
from bot.care import FOLLOWED_UP_LEVELS
from bot.care.redflags import RedFlag
from bot.care.rules import rule
from bot.care.trend import pain_change
from bot.db.models import Episode
from bot.insight.drawing import render
from bot.insight.history import EscalationMark, PainHistory
from bot.insight.pain_chart import render_pain_chart
from bot.texts import Texts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

NOTES_SHOWN = 5
"""The most recent notes only: the summary is one page, and the chat keeps the rest."""
NOTE_CHARS = 200
LIST_SHOWN = 8
"""Red flags and escalations listed one by one; beyond this, "and N more"."""

A4_INCHES = (8.27, 11.69)
PAGE_DPI = 100
BODY_PT = 9.0
HEADING_PT = 10.5
LINE_STEP = 0.0158
"""One line of body text, as a fraction of the page's height (9 pt with 1.45 spacing)."""
WRAP_NARROW = 54
WRAP_WIDE = 100
"""Characters per line in the column beside the chart and in the full-width area below it."""


@dataclass(frozen=True)
class Section:
    """A heading and its lines; ``detail`` lines go in the chat text only (the chart shows them)."""

    heading: str
    lines: tuple[str, ...]
    detail: tuple[str, ...] = field(default=())


def summary_filename(history: PainHistory) -> str:
    """Dated in the person's own calendar, so copies kept over weeks sort and differ."""
    return texts.SUMMARY_FILENAME.format(date=history.local_date(history.now).isoformat())


@dataclass(frozen=True)
class EnrolmentFacts:
    """What enrolment recorded about how the strain started."""

    mechanism: str
    activity: str
    first_episode: bool
    red_flags: tuple[str, ...]

    @classmethod
    def of(cls, episode: Episode) -> EnrolmentFacts:
        return cls(
            mechanism=episode.mechanism,
            activity=episode.activity,
            first_episode=episode.first_episode,
            red_flags=tuple(episode.enrolment_red_flags),
        )


def summary_sections(
    history: PainHistory, facts: EnrolmentFacts, *, notes_shown: int = NOTES_SHOWN
) -> tuple[Section, ...]:
    """The summary's content, section by section, shared by the text and the PDF."""
    return (
        _start_section(history, facts),
        _pain_section(history),
        _walking_section(history),
        _flags_section(history, facts),
        _escalations_section(history),
        *_notes_section(history, notes_shown),
    )


def summary_text(history: PainHistory, facts: EnrolmentFacts) -> str:
    """The summary as one chat message, within Telegram's 4096 characters.

    Notes are the only free text, so they are what gives way when the message would be too
    long: fewer of them, then none.
    """
    for notes_shown in (NOTES_SHOWN, 2, 0):
        text = _text(history, summary_sections(history, facts, notes_shown=notes_shown))
        if len(text) <= MessageLimit.MAX_TEXT_LENGTH:
            return text
    # Never cut the disclaimer: shorten what comes before it.
    body = text.removesuffix(history.texts.DISCLAIMER).rstrip()
    room = MessageLimit.MAX_TEXT_LENGTH - len(history.texts.DISCLAIMER) - len("…\n\n")
    return f"{body[:room]}…\n\n{history.texts.DISCLAIMER}"


def _text(history: PainHistory, sections: Sequence[Section]) -> str:
    blocks = [f"{history.texts.SUMMARY_TITLE}\n{_made(history)}"]
    blocks.extend(
        "\n".join([section.heading, *section.lines, *section.detail]) for section in sections
    )
    blocks.append(history.texts.DISCLAIMER)
    return "\n\n".join(blocks)


def _made(history: PainHistory) -> str:
    return history.texts.SUMMARY_MADE.format(
        date=history.local_date(history.now).isoformat(), zone=history.zone
    )


def _start_section(history: PainHistory, facts: EnrolmentFacts) -> Section:
    return Section(
        history.texts.SUMMARY_START_HEADING,
        (
            history.texts.SUMMARY_ONSET.format(
                date=history.local_date(history.onset_at).isoformat(),
                enrolled=history.local_date(history.baseline_at).isoformat(),
            ),
            history.texts.SUMMARY_MECHANISM.format(
                mechanism=history.texts.MECHANISM_LABELS.get(facts.mechanism, facts.mechanism)
            ),
            history.texts.SUMMARY_ACTIVITY.format(
                activity=history.texts.ACTIVITY_LABELS.get(facts.activity, facts.activity)
            ),
            history.texts.SUMMARY_FIRST_EPISODE
            if facts.first_episode
            else history.texts.SUMMARY_NOT_FIRST_EPISODE,
            history.texts.SUMMARY_SEVERITY.format(
                severity=history.texts.SEVERITY_NAMES[history.severity],
                span=history.texts.RECOVERY_SPANS[history.severity],
            ),
        ),
    )


def _pain_section(history: PainHistory) -> Section:
    baseline = history.texts.SUMMARY_BASELINE.format(
        pain=history.baseline_pain, date=history.local_date(history.baseline_at).isoformat()
    )
    latest = history.latest
    if latest is None:
        return Section(
            history.texts.SUMMARY_PAIN_HEADING, (baseline, history.texts.SUMMARY_NO_CHECKINS)
        )
    change = pain_change(history.baseline_pain, latest.pain)
    points = abs(change.points)
    if change.points > 0:
        trend = history.texts.SUMMARY_BETTER.of(points).format(
            points=points, percent=round(change.percent)
        )
    elif change.points < 0:
        trend = history.texts.SUMMARY_WORSE.of(points).format(points=points)
    else:
        trend = history.texts.SUMMARY_SAME
    scores = ", ".join(
        history.texts.SUMMARY_SCORE.format(day=point.day, pain=point.pain)
        for point in history.points
    )
    return Section(
        history.texts.SUMMARY_PAIN_HEADING,
        (
            baseline,
            history.texts.SUMMARY_LATEST.format(
                pain=latest.pain, date=history.local_date(latest.at).isoformat(), day=latest.day
            ),
            trend,
            history.texts.SUMMARY_CHECKINS.format(count=len(history.points)),
        ),
        detail=(history.texts.SUMMARY_SCORES.format(scores=scores),),
    )


def walking_share(history: PainHistory) -> tuple[int, int]:
    """(check-ins where the person said they had walked, check-ins where they answered).

    A check-in counts as answered once the pain is given; the walk question after it can be
    left open, and counting those as "no" would tell a doctor of less walking than reported.
    """
    asked = [point.walked for point in history.points if point.walked is not None]
    return sum(1 for walked in asked if walked), len(asked)


def _walking_section(history: PainHistory) -> Section:
    walked, answered = walking_share(history)
    if not answered:
        return Section(history.texts.SUMMARY_WALKING_HEADING, (history.texts.SUMMARY_NO_CHECKINS,))
    percent = round(100 * walked / answered)
    return Section(
        history.texts.SUMMARY_WALKING_HEADING,
        (history.texts.SUMMARY_WALKING.format(walked=walked, answered=answered, percent=percent),),
    )


def _flag_label(words: Texts, rule_id: str) -> str:
    try:
        return words.RED_FLAG_LABELS[RedFlag(rule_id)]
    except ValueError:
        return rule_id


def _flags_section(history: PainHistory, facts: EnrolmentFacts) -> Section:
    """Every warning sign reported, from the answers and from the escalations they raised.

    A check-in answered again the same day keeps only its latest answers, while the escalation
    the first answer raised stays: the escalations make sure a sign reported once is listed.
    """
    enrolled = history.local_date(history.baseline_at).isoformat()
    listed = {(enrolled, flag) for flag in facts.red_flags}
    lines = [
        history.texts.SUMMARY_FLAG_ENROLMENT.format(
            date=enrolled, label=_flag_label(history.texts, flag), rule_id=flag
        )
        for flag in facts.red_flags
    ]
    for point in history.points:
        for flag in point.red_flags:
            date = history.local_date(point.at).isoformat()
            listed.add((date, flag))
            lines.append(
                history.texts.SUMMARY_FLAG_CHECKIN.format(
                    date=date, day=point.day, label=_flag_label(history.texts, flag), rule_id=flag
                )
            )
    flags = {flag.value for flag in RedFlag}
    for mark in history.escalations:
        date = history.local_date(mark.at).isoformat()
        if mark.rule_id in flags and (date, mark.rule_id) not in listed:
            listed.add((date, mark.rule_id))
            lines.append(
                history.texts.SUMMARY_FLAG_ESCALATED.format(
                    date=date, label=_flag_label(history.texts, mark.rule_id), rule_id=mark.rule_id
                )
            )
    shown = _capped(history.texts, lines) if lines else [history.texts.SUMMARY_NO_FLAGS]
    return Section(history.texts.SUMMARY_FLAGS_HEADING, (history.texts.SUMMARY_FLAGS_ASKED, *shown))


def escalation_reason(words: Texts, rule_id: str) -> str:
    """Why a rule asked the person to see someone: the red flag's label or the rule's reason."""
    if rule_id in words.SUMMARY_RULE_REASONS:
        return words.SUMMARY_RULE_REASONS[rule_id]
    try:
        return words.RED_FLAG_LABELS[RedFlag(rule_id)]
    except ValueError:
        return rule(rule_id).trigger


def _escalation_line(history: PainHistory, mark: EscalationMark) -> str:
    local = mark.at.astimezone(history.tz)
    line = history.texts.SUMMARY_ESCALATION.format(
        date=local.date().isoformat(),
        time=local.strftime("%H:%M"),
        advice=history.texts.LEVEL_ADVICE[mark.level.name],
        reason=escalation_reason(history.texts, mark.rule_id),
        rule_id=mark.rule_id,
    )
    if mark.level in FOLLOWED_UP_LEVELS:
        line = f"{line} {history.texts.SUMMARY_OUTCOMES[mark.outcome]}"
    return line


def _escalations_section(history: PainHistory) -> Section:
    lines = [_escalation_line(history, mark) for mark in history.escalations]
    shown = _capped(history.texts, lines) if lines else [history.texts.SUMMARY_NO_ESCALATIONS]
    return Section(history.texts.SUMMARY_ESCALATIONS_HEADING, tuple(shown))


def _notes_section(history: PainHistory, shown: int) -> tuple[Section, ...]:
    noted = [point for point in history.points if point.note]
    if not noted or shown <= 0:
        return ()
    lines = [
        history.texts.SUMMARY_NOTE.format(
            date=history.local_date(point.at).isoformat(),
            note=_shortened(point.note or ""),
        )
        for point in noted[-shown:]
    ]
    if len(noted) > shown:
        lines.append(history.texts.SUMMARY_MORE.format(count=len(noted) - shown))
    return (Section(history.texts.SUMMARY_NOTES_HEADING, tuple(lines)),)


def _shortened(note: str) -> str:
    """The note on one line, cut to :data:`NOTE_CHARS` with "…". At a space where one falls in
    the last half, otherwise mid-word: ``textwrap.shorten`` drops a word longer than the room
    whole, so a long web address or a row of digits left only "…" of what the person wrote."""
    flat = " ".join(note.split())
    if len(flat) <= NOTE_CHARS:
        return flat
    cut = flat[: NOTE_CHARS - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space >= NOTE_CHARS // 2 else cut).rstrip() + "…"


def _capped(words: Texts, lines: Sequence[str]) -> list[str]:
    if len(lines) <= LIST_SHOWN:
        return list(lines)
    return [*lines[:LIST_SHOWN], words.SUMMARY_MORE.format(count=len(lines) - LIST_SHOWN)]


# ---------------------------------------------------------------------------------------------
# The page


def render_summary_pdf(history: PainHistory, facts: EnrolmentFacts) -> bytes:
    """One A4 page: title, the pain chart with the start, pain and walking beside it, the
    warning signs, safety advice and notes below, and the disclaimer at the foot."""
    return render(
        A4_INCHES,
        PAGE_DPI,
        lambda page: draw_summary_page(page, history, facts),
        "pdf",
        metadata={
            "Title": history.texts.SUMMARY_TITLE,
            "Creator": "BackCheck",
            "CreationDate": None,
        },
    )


def draw_summary_page(page: Figure, history: PainHistory, facts: EnrolmentFacts) -> None:
    """Lay the summary out on an A4 ``page`` (any canvas: PDF to send, PNG to look at)."""
    from matplotlib.image import imread

    sections = summary_sections(history, facts)
    chart = imread(io.BytesIO(render_pain_chart(history)), format="png")
    _write(page, 0.06, 0.965, history.texts.SUMMARY_TITLE, size=16, weight="bold")
    _write(page, 0.06, 0.94, _made(history), size=BODY_PT, colour="#404040")
    picture = page.add_axes((0.04, 0.555, 0.46, 0.37))
    picture.imshow(chart, interpolation="none")  # embedded at full resolution
    picture.axis("off")
    beside, below = sections[:3], sections[3:]
    _column(page, history.texts, beside, x=0.53, top=0.915, floor=0.56, wrap=WRAP_NARROW)
    _column(page, history.texts, below, x=0.06, top=0.54, floor=0.11, wrap=WRAP_WIDE)
    for number, line in enumerate(textwrap.wrap(history.texts.DISCLAIMER, WRAP_WIDE - 8)):
        _write(page, 0.06, 0.08 - number * LINE_STEP, line, size=BODY_PT, weight="bold")


def _column(
    page: Figure,
    words: Texts,
    sections: Sequence[Section],
    *,
    x: float,
    top: float,
    floor: float,
    wrap: int,
) -> None:
    """Sections top to bottom; what does not fit above ``floor`` ends in a pointer to the chat."""
    y = top
    for section in sections:
        if y < floor + 3 * LINE_STEP:
            _write(page, x, y, words.SUMMARY_CUT, size=BODY_PT)
            return
        _write(page, x, y, section.heading, size=HEADING_PT, weight="bold")
        y -= LINE_STEP * 1.2
        for line in section.lines:
            parts = textwrap.wrap(line, wrap, subsequent_indent="  ", break_on_hyphens=False) or [
                ""
            ]
            for part in parts:
                if y < floor + LINE_STEP:
                    _write(page, x, y, words.SUMMARY_CUT, size=BODY_PT)
                    return
                _write(page, x, y, part, size=BODY_PT)
                y -= LINE_STEP
        y -= LINE_STEP * 0.6


def _write(
    page: Figure,
    x: float,
    y: float,
    words: str,
    *,
    size: float,
    weight: str = "normal",
    colour: str = "black",
) -> None:
    # parse_math=False: a note with two "$" must print as typed, not as mathtext.
    page.text(
        x, y, words, fontsize=size, fontweight=weight, color=colour, va="top", parse_math=False
    )
