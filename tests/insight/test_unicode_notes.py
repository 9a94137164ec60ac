"""Notes in other scripts, cleaned at the edge, are kept as typed in the summary and drawn in
its PDF, every glyph found; the chart beside them draws too."""

from __future__ import annotations

import dataclasses
import warnings

import pytest

from bot.conversation.parsing import clean_text
from bot.insight.doctor_summary import EnrolmentFacts, render_summary_pdf, summary_text
from bot.insight.history import PainHistory
from bot.insight.pain_chart import render_pain_chart
from tests.support.pictures import png_size

NOTES = (
    "Rücken schlimmer nach Treppe, ça va mieux",
    "Больно наклоняться",
    "Πονάει λιγότερο σήμερα",
    "הכאב ירד קצת",
    "e\u0301\u0301 zalgo\u0336 text",
    "tab\there\x1b[2J and \u202eoverride",
)
"""Scripts the charts' font (DejaVu Sans) draws; CJK and emoji need fonts of their own (the
languages issue), and would be drawn as boxes today."""


@pytest.mark.each_database
@pytest.mark.parametrize("typed", NOTES)
async def test_a_note_in_any_script_is_summarised_drawn_and_charted(
    stored: tuple[PainHistory, EnrolmentFacts], typed: str
) -> None:
    pain_history, facts = stored
    note = clean_text(typed)
    last = dataclasses.replace(pain_history.points[-1], note=note)
    with_note = dataclasses.replace(pain_history, points=(*pain_history.points[:-1], last))
    assert " ".join(note.split()) in summary_text(with_note, facts)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from the font would be a box
        pdf = render_summary_pdf(with_note, facts)
        assert pdf.startswith(b"%PDF-")
        assert png_size(render_pain_chart(with_note)) is not None
