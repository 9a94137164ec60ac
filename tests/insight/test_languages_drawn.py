"""The chart and the summary in every language: their words are the language's, every glyph
is drawn (Cyrillic included), and the chart's description still fits a photo caption."""

from __future__ import annotations

import warnings
from dataclasses import replace
from datetime import timedelta

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from telegram.constants import MessageLimit

from bot.i18n import languages
from bot.insight.doctor_summary import EnrolmentFacts, render_summary_pdf, summary_text
from bot.insight.history import PainHistory
from bot.insight.pain_chart import (
    HEIGHT_PX,
    WIDTH_PX,
    describe_pain_history,
    draw_pain_chart,
    render_pain_chart,
)
from tests.support.episode import ONSET

Stored = tuple[PainHistory, EnrolmentFacts]


def _words_drawn(history: PainHistory) -> set[str]:
    figure = Figure(figsize=(WIDTH_PX / 150, HEIGHT_PX / 150), dpi=150)
    FigureCanvasAgg(figure)
    draw_pain_chart(figure, history)
    figure.canvas.draw()
    return {text.get_text() for text in figure.findobj(Text) if text.get_text()}


def _drawn_without_missing_glyphs(draw: object) -> None:
    """Matplotlib warns for each character its fonts lack (drawn as an empty box)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r".*[Gg]lyph.*missing")
        assert callable(draw)
        draw()


@pytest.mark.parametrize("language", languages())
def test_the_chart_speaks_the_persons_language(stored: Stored, language: str) -> None:
    history = replace(stored[0], language=language)
    words = history.texts
    drawn = _words_drawn(history)
    assert words.CHART_TITLE in drawn
    assert words.CHART_X_LABEL in drawn
    assert words.CHART_Y_LABEL in drawn
    _drawn_without_missing_glyphs(lambda: render_pain_chart(history))


@pytest.mark.parametrize("language", languages())
def test_the_summary_speaks_the_persons_language(stored: Stored, language: str) -> None:
    history = replace(stored[0], language=language)
    words = history.texts
    text = summary_text(history, stored[1])
    assert text.startswith(words.SUMMARY_TITLE)
    assert words.SUMMARY_START_HEADING in text
    assert words.DISCLAIMER in text
    _drawn_without_missing_glyphs(lambda: render_summary_pdf(history, stored[1]))


def test_a_missing_glyph_is_caught() -> None:
    """The check above can fail: a script the bundled fonts lack (Chinese) is reported."""
    figure = Figure()
    FigureCanvasAgg(figure)
    figure.text(0.5, 0.5, "背痛")
    with pytest.raises(UserWarning, match="missing"):
        _drawn_without_missing_glyphs(figure.canvas.draw)


@pytest.mark.parametrize("language", languages())
def test_a_long_story_fits_a_photo_caption_in_every_language(stored: Stored, language: str) -> None:
    history = stored[0]
    swings = tuple(
        replace(history.points[0], at=ONSET + timedelta(days=day, hours=1), day=day, pain=pain)
        for day, pain in zip(range(3, 80), [3, 6] * 40, strict=False)
    )
    marks = tuple(replace(history.escalations[0], at=point.at) for point in swings)
    busy = replace(
        history,
        points=swings,
        escalations=marks,
        now=ONSET + timedelta(days=80),
        language=language,
    )
    words = describe_pain_history(busy)
    assert len(words) <= MessageLimit.CAPTION_LENGTH
