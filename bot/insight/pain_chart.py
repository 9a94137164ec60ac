"""The person's pain chart (``/history`` as a picture) and the same facts in words.

A square PNG of :data:`WIDTH_PX` x :data:`HEIGHT_PX` pixels: Telegram shows photos about 320-400
px wide in the chat, so every font is large enough to survive shrinking to a third. The colours
are the Okabe-Ito palette of :mod:`bot.insight.drawing` and no fact is told by colour alone:
phases are named in their band, escalation levels have their own marker shapes, the baseline
is dotted and the recovery band hatched. matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.care.levels import Level
from bot.care.phases import Phase
from bot.care.severity import Outlook, outlook
from bot.care.trend import pain_change
from bot.insight.drawing import (
    BLACK,
    BLUE,
    GREEN,
    ORANGE,
    PURPLE,
    SKY_BLUE,
    VERMILLION,
    render,
)
from bot.insight.history import (
    PainHistory,
    PhaseSpan,
    phase_spans,
    recovery_band,
)
from bot.texts import Texts

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_PX = 1080
HEIGHT_PX = 1080
DPI = 150
MIN_SPAN_DAYS = 14
"""The x axis always shows at least two weeks, so early charts are not stretched thin."""
PAIN_TOP = 10
X_PAD = 0.3
"""Room either side so a mark at onset or today is not cut by the axis."""
MARK_ROW = 11.0
"""Height of the lowest row of escalation marks: above the 0-10 scale, so no score hides one."""
MARK_STEP = 0.75
"""Each level present has its own row, so an URGENT mark never hides a SOON one sent with it."""
MARK_ROWS = 3
"""SOON, URGENT, EMERGENCY: INFO is never stored as an escalation (the conversation keeps only
the levels above it), so three rows are all a chart can need."""
Y_BOTTOM = -0.4
Y_TOP = MARK_ROW + (MARK_ROWS - 1) * MARK_STEP + 0.6

GREY = "#595959"
BAND_FILL = "none"
"""The band is hatched only, so the phase behind it still shows."""
BAND_HATCH = "#7F7F7F"

PHASE_COLOURS = {
    Phase.ICE: SKY_BLUE,
    Phase.HEAT: ORANGE,
    Phase.STRENGTHEN: GREEN,
    Phase.PREVENT: PURPLE,
}
LEVEL_MARKERS = {
    Level.EMERGENCY: ("^", VERMILLION),
    Level.URGENT: ("D", ORANGE),
    Level.SOON: ("s", BLUE),
    Level.INFO: ("o", GREY),
}

PLOT_LEFT = 0.12
PLOT_WIDTH = 0.84
PLOT_TOP = 0.77
PLOT_BOTTOM = 0.24
"""Where the plot ends above a two-row legend, in fractions of the picture."""
LEGEND_COLUMNS = 2
LEGEND_ROW = 0.042

TITLE_PT = 22
SUBTITLE_PT = 17
LABEL_PT = 16
TICK_PT = 15
LEGEND_PT = 14
PHASE_PT = 15

DESCRIBED_ITEMS = 4


@dataclass(frozen=True)
class PlotSeries:
    """The pain line exactly as handed to matplotlib: elapsed days since onset, and scores."""

    x: tuple[float, ...]
    y: tuple[int, ...]


def plot_series(history: PainHistory) -> PlotSeries:
    """One point per answered check-in, at the moment the score was given."""
    return PlotSeries(
        x=tuple(history.days_since_onset(point.at) for point in history.points),
        y=tuple(point.pain for point in history.points),
    )


def mark_series(history: PainHistory) -> dict[Level, tuple[float, ...]]:
    """Where each escalation is marked, by level, least urgent first (so drawn underneath).

    A red flag tapped during enrolment can predate the onset by a minute (the onset question
    comes after the red flags): it is marked at day 0.
    """
    return {
        level: tuple(
            max(0.0, history.days_since_onset(mark.at))
            for mark in history.escalations
            if mark.level is level
        )
        for level in sorted({mark.level for mark in history.escalations})
    }


def x_limit(history: PainHistory) -> float:
    """The right end of the x axis: today (or the last point), and never under two weeks."""
    series = plot_series(history)
    return max(MIN_SPAN_DAYS, history.days_since_onset(history.followed_until), *series.x)


def render_pain_chart(history: PainHistory) -> bytes:
    """The chart as PNG bytes, exactly :data:`WIDTH_PX` x :data:`HEIGHT_PX` pixels."""
    return render(
        (WIDTH_PX / DPI, HEIGHT_PX / DPI), DPI, lambda figure: draw_pain_chart(figure, history)
    )


def draw_pain_chart(figure: Figure, history: PainHistory) -> None:
    """Draw the chart on ``figure``: title, phase band, pain line, marks and legend."""
    series = plot_series(history)
    right = x_limit(history)
    latest = history.latest
    figure.text(
        0.5,
        0.962,
        history.texts.CHART_TITLE,
        ha="center",
        va="center",
        fontsize=TITLE_PT,
        fontweight="bold",
    )
    subtitle = (
        history.texts.CHART_SUBTITLE.format(baseline=history.baseline_pain, latest=latest.pain)
        if latest is not None
        else history.texts.CHART_SUBTITLE_EMPTY.format(baseline=history.baseline_pain)
    )
    figure.text(0.5, 0.915, subtitle, ha="center", va="center", fontsize=SUBTITLE_PT)
    expected = history.texts.CHART_EXPECTED.format(
        severity=history.texts.SEVERITY_NAMES[history.severity],
        span=history.texts.RECOVERY_SPANS[history.severity],
    )
    figure.text(0.5, 0.875, expected, ha="center", va="center", fontsize=LEGEND_PT, color=GREY)

    ribbon = figure.add_axes((PLOT_LEFT, 0.785, PLOT_WIDTH, 0.05))
    axes = figure.add_axes(
        (PLOT_LEFT, PLOT_BOTTOM, PLOT_WIDTH, PLOT_TOP - PLOT_BOTTOM), sharex=ribbon
    )
    spans = phase_spans(history)
    unlabelled = _draw_phases(history.texts, ribbon, axes, spans, right, figure.get_figwidth())

    handles: list[Any] = []
    handles.extend(_draw_band(axes, history, right))
    handles.append(
        axes.axhline(
            history.baseline_pain,
            color=GREY,
            linestyle=(0, (2, 2)),
            linewidth=2.5,
            label=history.texts.CHART_BASELINE,
        )
    )
    (line,) = axes.plot(
        series.x,
        series.y,
        color=BLACK,
        linewidth=3.5,
        marker="o",
        markersize=11,
        markerfacecolor=BLACK,
        markeredgecolor="white",
        markeredgewidth=1.5,
        label=history.texts.CHART_PAIN,
        zorder=5,
    )
    handles.insert(0, line)
    handles.extend(_draw_escalations(axes, history))
    handles.extend(_phase_handles(history.texts, unlabelled))

    # The legend grows a row for every two entries; the plot gives up the height it needs.
    rows = math.ceil(len(handles) / LEGEND_COLUMNS)
    bottom = max(PLOT_BOTTOM, PLOT_BOTTOM + (rows - 2) * LEGEND_ROW)
    axes.set_position((PLOT_LEFT, bottom, PLOT_WIDTH, PLOT_TOP - bottom))
    axes.set_xlim(-X_PAD, right + X_PAD)
    axes.set_ylim(Y_BOTTOM, Y_TOP)
    axes.set_yticks(range(0, PAIN_TOP + 1, 2))
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=TICK_PT, length=6, width=1.5)
    axes.set_xlabel(history.texts.CHART_X_LABEL, fontsize=LABEL_PT, labelpad=8)
    axes.set_ylabel(history.texts.CHART_Y_LABEL, fontsize=LABEL_PT, labelpad=8)
    axes.grid(axis="y", color="#D9D9D9", linewidth=1)
    axes.set_axisbelow(True)
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    figure.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.005),
        ncol=LEGEND_COLUMNS,
        fontsize=LEGEND_PT,
        frameon=False,
        handlelength=2.2,
        columnspacing=1.5,
    )


def _draw_phases(
    words: Texts,
    ribbon: Axes,
    axes: Axes,
    spans: Sequence[PhaseSpan],
    right: float,
    width_inches: float,
) -> list[Phase]:
    """Phases as a named colour band above the plot and a pale wash behind it.

    Returns the phases too narrow to name in the band: the legend names those instead.
    """
    ribbon.set_ylim(0, 1)
    ribbon.axis("off")
    width_points = ribbon.get_position().width * width_inches * 72
    unlabelled: list[Phase] = []
    for span in spans:
        end = min(span.end, right)
        if end <= span.start:
            continue
        colour = PHASE_COLOURS[span.phase]
        ribbon.axvspan(span.start, end, color=colour, linewidth=0)
        axes.axvspan(span.start, end, color=colour, alpha=0.16, linewidth=0)
        label = words.CHART_PHASES[span.phase]
        room = (end - span.start) / (right + 2 * X_PAD) * width_points
        if room >= 0.62 * PHASE_PT * len(label) + 6:
            ribbon.text(
                (span.start + end) / 2,
                0.5,
                label,
                ha="center",
                va="center",
                fontsize=PHASE_PT,
                fontweight="bold",
                color=BLACK,
            )
        elif span.phase not in unlabelled:
            unlabelled.append(span.phase)
    return unlabelled


def _phase_handles(words: Texts, phases: Sequence[Phase]) -> list[Any]:
    from matplotlib.patches import Patch

    return [Patch(color=PHASE_COLOURS[phase], label=words.CHART_PHASES[phase]) for phase in phases]


def _draw_band(axes: Axes, history: PainHistory, right: float) -> list[Any]:
    """The expected recovery window for the severity, hatched, where it falls on the chart.

    The header states the window in words, so a window that starts after the chart's right
    end is simply not drawn: stretching the axis to a severe strain's months would squash the
    person's own points.
    """
    from matplotlib.patches import Patch

    earliest, latest = recovery_band(history.severity)
    if earliest >= right:
        return []
    axes.axvspan(
        earliest,
        min(latest, right),
        facecolor=BAND_FILL,
        edgecolor=BAND_HATCH,
        hatch="/",
        linewidth=0,
        zorder=1,
    )
    return [
        Patch(
            facecolor=BAND_FILL,
            edgecolor=BAND_HATCH,
            hatch="//",
            linewidth=1,
            label=history.texts.CHART_BAND,
        )
    ]


def _draw_escalations(axes: Axes, history: PainHistory) -> list[Any]:
    """One mark per safety message, above the scale, the most urgent drawn last (on top)."""
    handles: list[Any] = []
    for row, (level, xs) in enumerate(mark_series(history).items()):
        height = MARK_ROW + row * MARK_STEP
        marker, colour = LEVEL_MARKERS[level]
        for x in xs:
            axes.axvline(
                x,
                ymax=(height - Y_BOTTOM) / (Y_TOP - Y_BOTTOM),
                color=colour,
                linestyle=":",
                linewidth=1.5,
                zorder=2,
            )
        handles.append(
            axes.scatter(
                xs,
                [height] * len(xs),
                marker=marker,
                s=220,
                color=colour,
                edgecolors=BLACK,
                linewidths=1.2,
                zorder=6,
                label=history.texts.CHART_LEVELS[level.name],
                clip_on=False,
            )
        )
    handles.reverse()
    return handles


def describe_pain_history(history: PainHistory) -> str:
    """The chart's facts in plain words, for screen readers and as the photo's caption.

    Telegram photos have no alternative text; the caption is what a screen reader reads, so
    this stays within Telegram's caption limit (``MessageLimit.CAPTION_LENGTH``): long lists
    of escalations or phase changes give their first few and a count.
    """
    latest = history.latest
    day_of = history.local_date
    span = history.texts.RECOVERY_SPANS[history.severity]
    if latest is None:
        latest_line = history.texts.CHART_DESCRIPTION_NO_CHECKINS
        trend = outlook_line = ""
    else:
        latest_line = history.texts.CHART_DESCRIPTION_LATEST.format(
            pain=latest.pain, date=day_of(latest.at).isoformat(), day=latest.day
        )
        trend = history.texts.trend_text(pain_change(history.baseline_pain, latest.pain))
        outlook_line = history.texts.outlook_text(_outlook(history, latest.day), history.severity)
    if history.escalations:
        items = _listed(
            history.texts,
            [
                history.texts.CHART_DESCRIPTION_ESCALATION.format(
                    advice=history.texts.LEVEL_ADVICE[mark.level.name],
                    date=day_of(mark.at).isoformat(),
                )
                for mark in history.escalations
            ],
        )
        escalations = history.texts.CHART_DESCRIPTION_ESCALATIONS.format(
            count=len(history.escalations), items="; ".join(items)
        )
    else:
        escalations = history.texts.CHART_DESCRIPTION_NO_ESCALATIONS
    phases = history.texts.CHART_DESCRIPTION_PHASES.format(
        items=", ".join(
            _listed(
                history.texts,
                [
                    history.texts.CHART_DESCRIPTION_PHASE.format(
                        phase=history.texts.CHART_PHASES[span_.phase],
                        date=day_of(span_.start_at).isoformat(),
                    )
                    for span_ in phase_spans(history)
                ],
            )
        )
    )
    text = history.texts.CHART_DESCRIPTION.format(
        onset=day_of(history.onset_at).isoformat(),
        severity=history.texts.SEVERITY_NAMES[history.severity],
        span=span,
        baseline=history.baseline_pain,
        latest=latest_line,
        trend=trend,
        outlook=outlook_line,
        count=len(history.points),
        escalations=escalations,
        phases=phases,
    )
    return "\n".join(line for line in text.splitlines() if line.strip())


def _listed(words: Texts, items: Iterable[str]) -> list[str]:
    """The first few items, then how many more: the description must fit a photo caption."""
    listed = list(items)
    if len(listed) <= DESCRIBED_ITEMS:
        return listed
    more = words.CHART_DESCRIPTION_MORE.format(count=len(listed) - DESCRIBED_ITEMS)
    return [*listed[:DESCRIBED_ITEMS], more]


def _outlook(history: PainHistory, day: int) -> Outlook:
    return outlook(
        severity=history.severity,
        day=day,
        baseline=history.baseline_pain,
        pains=[point.pain for point in history.points],
    )


__all__ = [
    "HEIGHT_PX",
    "WIDTH_PX",
    "PlotSeries",
    "describe_pain_history",
    "draw_pain_chart",
    "mark_series",
    "plot_series",
    "render_pain_chart",
    "x_limit",
]
