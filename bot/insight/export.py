"""The operators' /export: every check-in as one CSV row, pseudonymous, streamed.

What a row holds is what an audit of the follow-up needs and no more: the person's pseudonym
(:mod:`bot.pseudonym`), which of their episodes it is, the episode's onset and severity, and the
check-in's day, status, times, pain, walking, red flags and the escalations it fired. No
name, no Telegram user or chat id, and no free-text note (people type names into notes).

Memory stays flat whatever the number of check-ins: rows are read with ``stream`` in
partitions (a server-side cursor on PostgreSQL) and written with ``csv.writer`` as they come.
Rows come person by person, each person's episodes in order, each episode's check-ins by date.
Times are formatted by the database (ISO 8601, UTC, ``Z``), so no datetime object is built per
row.

The format: a plain ``.csv`` is what an operator expects to open, so that is what they get
whenever Telegram can carry it. Bots may upload documents up to 50 MB; a CSV above
:data:`COMPRESS_ABOVE` bytes is sent as ``.csv.gz`` instead (a 1,000,000-check-in export is
about 120 MB as CSV and a fraction of that gzipped; spreadsheet programs and every OS open it).
The size is only known at the end, so the CSV is first streamed into a temporary file, then
copied, or gzipped, into ``out``; both steps are streamed too.

Pass a session that has not begun a transaction: the export then reads in a
:data:`bot.db.engine.READ_ONLY` transaction, one snapshot that on SQLite takes no write lock
(every other BackCheck transaction begins IMMEDIATE), so the bot keeps writing during an export
that takes a while.
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from sqlalchemy import String, Text, case, cast, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.engine import (
    OWNER_ONLY,
    create_engine,
    read_only_connection,
    reading,
    session_factory,
)
from bot.db.functions import iso_utc
from bot.db.models import CheckIn, Episode, Escalation, Person
from bot.insight.counts import FOLLOWED_UP
from bot.pseudonym import pseudonymiser

COLUMNS = (
    "pseudonym",
    "episode",
    "onset_at",
    "severity",
    "baseline_pain",
    "day",
    "status",
    "due_at",
    "sent_at",
    "answered_at",
    "pain",
    "walked",
    "red_flags",
    "escalations",
    "escalation_outcomes",
)
"""The header row. Times are UTC (ISO 8601 with Z); lists of rule ids are joined with ';'.
``escalation_outcomes``: for each EMERGENCY or URGENT escalation, ``RULE=outcome`` (got_help,
not_yet, fine, withdrawn, no_answer, pending), joined with ';'."""

TELEGRAM_UPLOAD_LIMIT = 50 * 1000 * 1000
"""Bot API sendDocument: "files of up to 50 MB"."""
COMPRESS_ABOVE = 45 * 1000 * 1000
"""A CSV above this is gzipped: a margin under the upload limit for the multipart request."""
PARTITION_ROWS = 2_000
"""Rows per fetch: the event loop is given back between partitions (a few ms each)."""
_WALKED = {True: "yes", False: "no", None: ""}
_COPY_BYTES = 1 << 20


class _Counting(io.RawIOBase):
    """Passes bytes on to ``out`` and counts them (``out`` need not be seekable)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._out.write(data)
        self.written += len(data)
        return len(data)


@dataclass(frozen=True)
class ExportResult:
    rows: int
    """Check-ins written (the header not counted)."""
    csv_bytes: int
    """Size of the CSV itself."""
    bytes_written: int
    """Size of what went into ``out``: the CSV, or its gzip."""
    compressed: bool

    @property
    def fits_telegram(self) -> bool:
        return self.bytes_written <= TELEGRAM_UPLOAD_LIMIT

    def filename(self, day: date) -> str:
        return export_filename(day, compressed=self.compressed)


def export_filename(day: date, *, compressed: bool = False) -> str:
    """``backcheck-export-2026-11-25.csv`` (``.csv.gz`` when compressed)."""
    return f"backcheck-export-{day.isoformat()}.csv" + (".gz" if compressed else "")


def _statement() -> Any:
    episodes = select(
        Episode.id,
        Episode.person_id,
        Episode.severity,
        Episode.baseline_pain,
        iso_utc(Episode.onset_at).label("onset_at"),
        func.row_number()
        .over(partition_by=Episode.person_id, order_by=(Episode.onset_at, Episode.id))
        .label("number"),
    ).subquery("numbered_episodes")
    fired = (
        select(
            Escalation.check_in_id,
            func.aggregate_strings(Escalation.rule_id, ";").label("rule_ids"),
            func.aggregate_strings(
                case(
                    (
                        Escalation.level.in_(FOLLOWED_UP),
                        Escalation.rule_id
                        + "="
                        + case(
                            (Escalation.withdrawn_at.is_not(None), "withdrawn"),
                            else_=func.coalesce(type_coerce(Escalation.outcome, String), "pending"),
                        ),
                    ),
                ),
                ";",
            ).label("outcomes"),
        )
        .where(Escalation.check_in_id.is_not(None))
        .group_by(Escalation.check_in_id)
        .subquery("fired")
    )
    return (
        select(
            CheckIn.person_id,
            Person.created_at,
            episodes.c.number,
            episodes.c.onset_at,
            episodes.c.severity,
            episodes.c.baseline_pain,
            CheckIn.day,
            type_coerce(CheckIn.status, String),
            iso_utc(CheckIn.due_at),
            iso_utc(CheckIn.sent_at),
            iso_utc(CheckIn.answered_at),
            CheckIn.pain,
            CheckIn.walked,
            cast(CheckIn.red_flags, Text),
            fired.c.rule_ids,
            fired.c.outcomes,
        )
        .join(episodes, episodes.c.id == CheckIn.episode_id)
        .join(Person, Person.id == CheckIn.person_id)
        .outerjoin(fired, fired.c.check_in_id == CheckIn.id)
        # Not the slot: a local date beside UTC times would give away the person's time zone.
        .order_by(episodes.c.person_id, episodes.c.number, CheckIn.day, CheckIn.id)
    )


def _rule_ids(stored: str | None) -> str:
    """A JSON list of rule ids, or the aggregate of escalation ids, as sorted ';'-joined ids."""
    if not stored or stored == "[]":
        return ""
    values = json.loads(stored) if stored.startswith("[") else stored.split(";")
    return ";".join(sorted(values))


async def write_csv(session: AsyncSession, settings: Settings, text: TextIO) -> int:
    """Stream every check-in into ``text`` as CSV, person by person; the rows written."""
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    of = pseudonymiser(settings)
    last_person, last_pseudonym = -1, ""
    connection = await read_only_connection(session)
    result = await connection.stream(_statement().execution_options(yield_per=PARTITION_ROWS))
    async for partition in result.partitions():
        out: list[Sequence[Any]] = []
        for person_id, created_at, *middle, walked, red_flags, rule_ids, outcomes in partition:
            if person_id != last_person:  # rows come person by person: one HMAC each
                last_person, last_pseudonym = person_id, of(person_id, created_at)
            out.append(
                (
                    last_pseudonym,
                    *middle,
                    _WALKED[walked],
                    _rule_ids(red_flags),
                    _rule_ids(rule_ids),
                    _rule_ids(outcomes),
                )
            )
        writer.writerows(out)
        rows += len(out)
    return rows


async def write_export(
    session: AsyncSession,
    settings: Settings,
    out: BinaryIO,
    *,
    compress_above: int = COMPRESS_ABOVE,
) -> ExportResult:
    """Write the export into ``out``: CSV, or gzipped CSV when larger than ``compress_above``."""
    with tempfile.TemporaryFile(prefix="backcheck-export-") as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        rows = await write_csv(session, settings, text)
        text.flush()
        text.detach()
        csv_bytes = spool.tell()
        compressed = csv_bytes > compress_above
        # Gzipping 100 MB takes seconds: off the event loop, so the bot goes on answering.
        written = await asyncio.to_thread(_deliver, spool, out, compressed)
    return ExportResult(
        rows=rows, csv_bytes=csv_bytes, bytes_written=written, compressed=compressed
    )


def _deliver(spool: BinaryIO, out: BinaryIO, compressed: bool) -> int:
    """Copy the spooled CSV into ``out``, gzipped or not; the bytes written."""
    spool.seek(0)
    sink = _Counting(out)
    if compressed:
        # mtime=0: the same rows give the same bytes; level 6 is gzip's own default speed.
        with gzip.GzipFile(filename="", mode="wb", fileobj=sink, compresslevel=6, mtime=0) as gz:
            shutil.copyfileobj(spool, gz, _COPY_BYTES)
    else:
        shutil.copyfileobj(spool, sink, _COPY_BYTES)
    out.flush()
    return sink.written


async def export_to_file(settings: Settings, path: Path) -> int:
    """The whole export as plain CSV at ``path``, read without holding any writer's lock.

    The file is health data: readable by its owner only, whatever the umask says.
    """
    engine = create_engine(settings.database.url)
    try:
        async with reading(session_factory(engine)) as session:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
            os.fchmod(descriptor, OWNER_ONLY)  # a file that was there keeps no wider mode
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as text:
                return await write_csv(session, settings, text)
    finally:
        await engine.dispose()
