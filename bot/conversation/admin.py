"""The operators' commands: how the service is doing, never who said what.

Only the user ids in ``ADMIN_IDS`` reach these; anyone else who types one gets the ordinary
"unknown command" help, so the commands' existence is not given away. Each report reads in a
:func:`~bot.db.engine.reading` session, outside any person's lock, so a long export never
delays a check-in being answered.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.conversation.turn import Attachment, AttachmentKind, Incoming, Outgoing
from bot.db.engine import reading
from bot.insight.alerts import format_alerts, latest_alerts
from bot.insight.export import write_export
from bot.insight.stats import collect_stats, format_stats
from bot.insight.stats_chart import render_stats_chart
from bot.texts import Texts, texts_for


@dataclass(frozen=True)
class Report:
    """What an admin command reads: the operator's settings, a reading session and the time."""

    settings: Settings
    session: AsyncSession
    now: datetime

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.care.default_timezone)

    @property
    def texts(self) -> Texts:
        """The operators' language (``ADMIN_LANGUAGE``)."""
        return texts_for(self.settings.admin.language)


@dataclass(frozen=True)
class AdminCommand:
    name: str
    """Its description in the command menu is ``ADMIN_COMMANDS.<name>`` of the catalogue."""
    run: Callable[[Report], Awaitable[tuple[Outgoing, ...]]]


async def stats(report: Report) -> tuple[Outgoing, ...]:
    figures = await collect_stats(report.session, report.now, report.zone)
    chart = Attachment(
        AttachmentKind.PHOTO,
        "backcheck-stats.png",
        lambda: render_stats_chart(figures, report.texts),
    )
    return (
        Outgoing(report.texts.STATS_CHART_CAPTION, attachment=chart),
        Outgoing(format_stats(figures, report.texts)),
    )


async def alerts(report: Report) -> tuple[Outgoing, ...]:
    latest = await latest_alerts(report.session, report.settings)
    return (Outgoing(format_alerts(latest, report.zone, report.texts)),)


async def export(report: Report) -> tuple[Outgoing, ...]:
    """Written to a temporary file first (streamed, never held in memory), then streamed to
    Telegram, which removes the file once sent."""
    descriptor, name = tempfile.mkstemp(prefix="backcheck-export-")
    path = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as out:
            result = await write_export(report.session, report.settings, out)
    except BaseException:
        await asyncio.to_thread(path.unlink)
        raise
    if not result.fits_telegram:
        await asyncio.to_thread(path.unlink)
        return (Outgoing(report.texts.EXPORT_TOO_LARGE.format(rows=result.rows)),)
    day = report.now.astimezone(report.zone).date()
    document = Attachment(AttachmentKind.DOCUMENT, result.filename(day), path)
    return (Outgoing(report.texts.EXPORT_CAPTION.format(rows=result.rows), attachment=document),)


ADMIN_COMMANDS: tuple[AdminCommand, ...] = (
    AdminCommand("stats", stats),
    AdminCommand("alerts", alerts),
    AdminCommand("export", export),
)
ADMIN_COMMANDS_BY_NAME = {command.name: command for command in ADMIN_COMMANDS}


class AdminDesk:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock

    def serves(self, incoming: Incoming) -> bool:
        return (
            incoming.command is not None
            and incoming.command.lower() in ADMIN_COMMANDS_BY_NAME
            and incoming.user_id in self._settings.admin.ids
        )

    async def answer(self, incoming: Incoming) -> tuple[Outgoing, ...]:
        assert incoming.command is not None
        command = ADMIN_COMMANDS_BY_NAME[incoming.command.lower()]
        async with reading(self._sessions) as session:
            return await command.run(Report(self._settings, session, self._clock.now()))
