"""The doctor summary: the person's own facts, in their dates, as text and a one-page PDF."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from telegram.constants import MessageLimit

from bot.care.levels import Level
from bot.care.redflags import RedFlag
from bot.insight.doctor_summary import (
    EnrolmentFacts,
    render_summary_pdf,
    summary_filename,
    summary_text,
    walking_share,
)
from bot.insight.history import EscalationMark, PainHistory, PainPoint
from bot.texts import ENGLISH
from tests.support.episode import ONSET

A4_POINTS = (595.44, 841.68)


@pytest.fixture
def summary_words(stored: tuple[PainHistory, EnrolmentFacts]) -> str:
    """The text alone: drawing the PDF for every wording test would only slow them down."""
    return summary_text(*stored)


def _lines(words: str) -> list[str]:
    return words.splitlines()


def test_the_summary_says_how_and_when_it_started(summary_words: str) -> None:
    lines = _lines(summary_words)
    assert "Started: 2026-03-02. Signed up to BackCheck: 2026-03-02." in lines
    assert "How it happened: Lifting or bending." in lines
    assert "Usual daily activities possible at the start: Only some." in lines
    assert (
        "BackCheck's group at sign-up, from pain and daily activities (not a clinical grade): "
        "moderate, usual recovery 3-6 weeks."
    ) in lines


def test_the_summary_gives_baseline_latest_pain_and_the_trend(summary_words: str) -> None:
    lines = _lines(summary_words)
    assert "At the start: 6 (2026-03-02)." in lines
    assert "Latest: 1 (2026-03-13, day 11)." in lines
    assert "Change: 5 points lower than at the start (83 % better)." in lines
    assert "Check-ins answered: 10." in lines
    assert (
        "Scores by day: day 1: 6, day 2: 6, day 3: 5, day 5: 5, day 6: 4, day 7: 3, day 8: 3,"
        " day 9: 2, day 10: 2, day 11: 1." in lines
    )


def test_red_flags_are_listed_with_their_local_dates(summary_words: str) -> None:
    lines = _lines(summary_words)
    assert "2026-03-02, at sign-up: Worse at night or at rest (RF-NIGHT)." in lines
    # Reported at 21:30 on 5 March in New York: 6 March in UTC, 5 March to the person.
    assert "2026-03-05, check-in day 3: Fever or very unwell (RF-FEVER)." in lines
    assert "RF-CHEST" not in summary_words  # another person's


def test_escalations_are_listed_with_local_date_time_rule_and_reason(
    summary_words: str,
) -> None:
    heading = _lines(summary_words).index(ENGLISH.SUMMARY_ESCALATIONS_HEADING)
    assert _lines(summary_words)[heading + 1 : heading + 4] == [
        "2026-03-02 10:10: told to see a doctor that day. Reason: Worse at night or at rest"
        " (RF-NIGHT). Asked later, they said they had been seen.",
        "2026-03-02 10:20: told to see a doctor or physiotherapist within days. Reason: Aged 50"
        " or over, with a first episode of back pain (RF-AGE-50).",
        "2026-03-05 21:30: told to see a doctor that day. Reason: Fever or very unwell (RF-FEVER)."
        " Asked later whether they got help: no answer.",
    ]


def test_walking_adherence_counts_only_check_ins_where_the_person_walked(
    summary_words: str,
) -> None:
    # Seven yes, two no, one check-in where the question was left unanswered.
    assert (
        "Walked since the previous check-in: yes at 7 of the 9 check-ins where this was "
        "answered (78 %)."
    ) in _lines(summary_words)


def test_notes_are_repeated_with_their_dates(summary_words: str) -> None:
    lines = _lines(summary_words)
    assert "2026-03-03: Stiff getting out of bed" in lines
    assert "2026-03-09: Back at my desk, taking breaks" in lines


def test_the_summary_ends_with_the_disclaimer_that_it_is_not_a_diagnosis(
    summary_words: str,
) -> None:
    assert summary_words.endswith(ENGLISH.DISCLAIMER)
    assert "not a diagnosis" in ENGLISH.DISCLAIMER
    assert summary_words.count("diagnos") == 1  # only where it says it is not one


def test_the_document_is_a_one_page_a4_pdf_named_by_the_local_date(
    stored: tuple[PainHistory, EnrolmentFacts],
) -> None:
    document = render_summary_pdf(*stored)
    assert document.startswith(b"%PDF-")
    assert document.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", document)) == 1
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", document)
    assert [(float(w), float(h)) for w, h in boxes] == [pytest.approx(A4_POINTS)]
    assert summary_filename(stored[0]) == "backcheck-summary-2026-03-13.pdf"


def test_walking_share_ignores_unanswered_walk_questions(
    stored: tuple[PainHistory, EnrolmentFacts],
) -> None:
    history, _ = stored
    assert walking_share(history) == (7, 9)
    assert walking_share(replace(history, points=())) == (0, 0)


def test_a_long_follow_up_still_fits_one_message_and_one_page(
    stored: tuple[PainHistory, EnrolmentFacts],
) -> None:
    history, facts = stored
    many = tuple(
        PainPoint(
            at=ONSET + timedelta(days=day, hours=1),
            day=day,
            pain=day % 11,
            walked=day % 2 == 0,
            red_flags=("RF-FEVER", "RF-NIGHT"),
            note="A long note with $\\frac{a}{b}$ in it. " * 20,
        )
        for day in range(1, 80)
    )
    marks = tuple(EscalationMark(point.at, Level.URGENT, "RF-FEVER") for point in many)
    long = replace(history, points=many, escalations=marks, now=ONSET + timedelta(days=81))

    text = summary_text(long, facts)
    assert len(text) <= MessageLimit.MAX_TEXT_LENGTH
    assert text.endswith(ENGLISH.DISCLAIMER)
    assert ENGLISH.SUMMARY_MORE.format(count=79 - 8) in text  # escalations beyond the first 8
    document = render_summary_pdf(long, facts)
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", document)) == 1


def test_a_summary_before_any_check_in(stored: tuple[PainHistory, EnrolmentFacts]) -> None:
    history, facts = stored
    empty = replace(history, points=(), escalations=(), now=ONSET + timedelta(hours=1))
    text = summary_text(empty, replace(facts, red_flags=()))
    assert text.count(ENGLISH.SUMMARY_NO_CHECKINS) == 2  # pain and walking
    assert ENGLISH.SUMMARY_NO_FLAGS in text.splitlines()
    assert ENGLISH.SUMMARY_NO_ESCALATIONS in text.splitlines()
    assert render_summary_pdf(empty, facts).startswith(b"%PDF-")


def test_a_note_is_printed_as_typed_even_with_dollar_signs(
    stored: tuple[PainHistory, EnrolmentFacts],
) -> None:
    history, facts = stored
    note = "Paid $5 for a \\gel pack and $6 for tablets"  # mathtext would reject "\gel"
    noted = replace(history, points=(replace(history.points[0], note=note),))
    assert f"2026-03-03: {note}" in summary_text(noted, facts).splitlines()
    assert render_summary_pdf(noted, facts).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("note", "shown"),
    [
        ("ice " * 60, "2026-03-03: " + ("ice " * 49).strip() + "…"),
        ("https://example.org/" + "x" * 300, "2026-03-03: https://example.org/" + "x" * 179 + "…"),
        ("0" * 205, "2026-03-03: " + "0" * 199 + "…"),
    ],
    ids=["words", "a-long-address", "one-long-word"],
)
def test_a_long_note_is_cut_to_one_line_and_never_to_nothing(
    stored: tuple[PainHistory, EnrolmentFacts], note: str, shown: str
) -> None:
    history, facts = stored
    noted = replace(history, points=(replace(history.points[0], note=note),))
    assert shown in summary_text(noted, facts).splitlines()


def test_a_warning_sign_only_its_escalation_remembers_is_still_listed(
    stored: tuple[PainHistory, EnrolmentFacts],
) -> None:
    """A check-in answered again the same day keeps its latest answers only; the emergency the
    first answer raised must still show among the warning signs reported."""
    history, facts = stored
    raised = EscalationMark(
        at=ONSET + timedelta(days=4, hours=2), level=Level.EMERGENCY, rule_id="RF-CES-BLADDER"
    )
    words = summary_text(replace(history, escalations=(*history.escalations, raised)), facts)
    label = ENGLISH.RED_FLAG_LABELS[RedFlag.CES_BLADDER]
    date = history.local_date(raised.at).isoformat()
    assert (
        f"{date}, at a check-in answered again later that day: {label} (RF-CES-BLADDER)."
    ) in _lines(words)
