"""/export: one pseudonymous CSV row per check-in, nothing that names or reaches a person."""

from __future__ import annotations

import csv
import gzip
import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.insight.alerts import latest_alerts
from bot.insight.export import (
    COLUMNS,
    ExportResult,
    export_filename,
    export_to_file,
    write_export,
)
from bot.pseudonym import pseudonym
from tests.support.clinic import NOTE, ONSET, TELEGRAM_IDS

pytestmark = pytest.mark.each_database


async def _export(
    session: AsyncSession, settings: Settings, **options: int
) -> tuple[bytes, ExportResult]:
    out = io.BytesIO()
    result = await write_export(session, settings, out, **options)
    return out.getvalue(), result


async def test_one_row_per_check_in_under_the_documented_header(
    session: AsyncSession, settings: Settings
) -> None:
    data, result = await _export(session, settings)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))

    assert rows[0] == [
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
    ]
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) - 1 == 15
    assert result.rows == 15
    assert result.compressed is False
    assert result.csv_bytes == result.bytes_written == len(data)

    by_check_in = {
        (row[0], row[1], row[5]): dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]
    }
    assert len(by_check_in) == 15

    def check_in(person_id: int, episode: int, day: int) -> dict[str, str]:
        return by_check_in[(pseudonym(settings, person_id, ONSET), str(episode), str(day))]

    today = check_in(1, 2, 4)
    assert today == {
        "pseudonym": pseudonym(settings, 1, ONSET),
        "episode": "2",  # person 1's second episode
        "onset_at": "2026-11-20T12:00:00Z",
        "severity": "mild",
        "baseline_pain": "2",
        "day": "4",
        "status": "answered",
        "due_at": "2026-11-25T05:10:00Z",
        "sent_at": "2026-11-25T05:10:00Z",
        "answered_at": "2026-11-25T05:20:00Z",
        "pain": "4",
        "walked": "",
        "red_flags": "RF-CHEST;RF-LEGS-BOTH",
        "escalations": "RF-CHEST;RF-LEGS-BOTH",
        "escalation_outcomes": "RF-CHEST=got_help;RF-LEGS-BOTH=pending",
    }
    assert check_in(1, 1, 7)["walked"] == "yes"
    assert check_in(2, 1, 7)["walked"] == "no"
    assert check_in(4, 1, 13)["status"] == "missed"
    assert check_in(4, 1, 13)["answered_at"] == check_in(4, 1, 13)["pain"] == ""
    assert check_in(1, 1, 7)["escalations"] == check_in(1, 1, 7)["red_flags"] == ""
    assert b"slot-" not in data  # no local dates beside the UTC times


async def test_no_telegram_id_name_or_note_anywhere_in_the_file(
    session: AsyncSession, settings: Settings
) -> None:
    data, _ = await _export(session, settings)
    for telegram_id in TELEGRAM_IDS.values():
        assert str(telegram_id).encode() not in data
        assert str(telegram_id + 5_000_000).encode() not in data
    assert NOTE.encode() not in data
    for word in NOTE.split():  # as a word: "me" is in "outcomes"
        assert re.search(rb"\b" + re.escape(word.encode()) + rb"\b", data) is None, word
    assert b"Oyelaran" not in data


async def test_above_the_limit_it_is_the_same_csv_gzipped(
    session: AsyncSession, settings: Settings
) -> None:
    plain, _ = await _export(session, settings)
    packed, result = await _export(session, settings, compress_above=100)
    assert result.compressed is True
    assert result.bytes_written == len(packed)
    assert result.csv_bytes == len(plain)
    assert gzip.decompress(packed) == plain
    assert result.filename(date(2026, 11, 25)) == "backcheck-export-2026-11-25.csv.gz"


async def test_an_empty_export_is_the_header_alone(
    empty_session: AsyncSession, settings: Settings
) -> None:
    data, result = await _export(empty_session, settings)
    assert data == (",".join(COLUMNS) + "\n").encode()
    assert result.rows == 0


def test_the_file_name_says_what_and_when() -> None:
    assert export_filename(date(2026, 11, 25)) == "backcheck-export-2026-11-25.csv"
    assert (
        export_filename(date(2026, 1, 5), compressed=True) == "backcheck-export-2026-01-05.csv.gz"
    )


async def test_the_export_pseudonyms_are_the_alert_pseudonyms(
    session: AsyncSession, settings: Settings
) -> None:
    """An operator joins the two by pseudonym: they must name the same people alike."""
    data, _result = await _export(session, settings)
    exported = {row[0] for row in csv.reader(io.StringIO(data.decode("utf-8")))}
    alerted = {alert.pseudonym for alert in await latest_alerts(session, settings)}
    assert alerted
    assert alerted <= exported


async def test_the_server_side_export_writes_the_same_csv_to_a_file(
    session: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    """``python -m bot export PATH``: for data sets larger than Telegram takes."""
    data, result = await _export(session, settings)
    await session.rollback()  # the file's export reads through a connection of its own
    path = tmp_path / "export.csv"
    assert await export_to_file(settings, path) == result.rows
    assert path.read_bytes() == data
    assert path.stat().st_mode & 0o777 == 0o600
    # Written again over a file someone left readable: the owner's alone again.
    path.chmod(0o644)
    assert await export_to_file(settings, path) == result.rows
    assert path.stat().st_mode & 0o777 == 0o600
