"""Replies under load: N people answering check-ins while a 10,000-person wave drains.

    python bench/load.py                                   # 1,000 people, both databases
    python bench/load.py --people 200 1000 5000            # the documented series
    python bench/load.py --people 1000 --bot-tree /tmp/load-before   # another checkout's bot

What it measures: how long a person waits for the bot's answer when many people talk to it at
once, with the bot's default settings (``TELEGRAM_RATE_LIMITS`` on: 30 messages/s for what the
due queue owes, 1 message/s to each private chat for everything), while a wave of scheduled
check-ins drains at the bulk rate.

How: each run gets a fresh database (a SQLite file, or a PostgreSQL database dropped
afterwards), brought to the schema of the bot under test by that bot's own ``python -m bot
migrate`` and seeded with Core bulk inserts written against the columns the database has (so
the same seeding serves older schemas):

- the wave: ``--wave`` enrolled people (10,000), each owed today's check-in, due now (or, with
  ``--wave-at``, at that second of the measurement);
- the N active people: enrolled, today's check-in already asked and open (their conversation at
  ``checkin_pain``), so they can answer at once instead of waiting up to 333 s for their prompt
  in the wave.

This process then runs the fake Telegram Bot API server (``bot.fake_telegram.FakeTelegram``
from this checkout) on 127.0.0.1 and starts the bot as an operator does, ``python -m bot run``
(long polling), in a subprocess whose ``TELEGRAM_API_BASE_URL`` points at the server (from
``--bot-tree``, with ``PYTHONPATH`` set to that tree). Once the bot polls, every active person
acts in a loop, as a human would: type the pain score ``5``, tap No (anything new?), Yes or No
(walked), Skip (note), then ``/checkin`` to start again; after each reply they think for 10-15 s
(a seeded random number) before the next action. Each action is one turn. That pace is a person
reading a question and tapping an answer on a phone, and it is the pace of the reports this
benchmark answers: 200 people make about 16 turns/s, 1,000 about 80.

Reply latency: from the moment the action is queued at the fake server to the moment the first
message the bot sends in reply arrives there (``time.monotonic()`` on both sides, this
process). An action with no reply within 30 s is lost. After ``--warmup`` seconds, the
measurement runs ``--duration`` seconds; only actions taken in it count. Then no new action is
taken, the answers still owed are waited for (30 s at most) and the bot is stopped with SIGTERM,
which it must obey within 10 s.

Reported per run: turns/s (actions answered / duration), latency p50 / p99 / max, lost replies,
the wave's messages sent during the measurement and their highest count in any one second, the
bot's RSS (``VmRSS``) when it starts polling and at the end, CPU of the bot and of this process,
and the load average at the start and end of the run (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from machine import code_version, fresh_database, machine_lines
from sqlalchemy import Table, inspect, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import TableClause, column, table

from bot.care import episode_day
from bot.db.engine import create_engine
from bot.db.models import (
    DUE_PRIORITY,
    CheckIn,
    CheckInStatus,
    Conversation,
    DueKind,
    DueMessage,
    DueStatus,
    Episode,
    EpisodeStatus,
    Person,
    PersonStatus,
)
from bot.fake_telegram import FakeTelegram, SentMessage
from bot.fake_telegram import Person as Someone
from bot.fake_telegram.limits import SendLog, max_in_window

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parent.parent
LOCK_PROBE = SCRIPT.parent / "lock_probe"
TOKEN = "123456:LOADBENCH"
ZONE = ZoneInfo("Europe/London")
CHECKIN_TIME = wall_time(9, 0)
FIRST_WAVE_CHAT = 10_000_000
"""The wave's Telegram user ids (= private chat ids): FIRST_WAVE_CHAT + 0 .. wave - 1."""
FIRST_ACTIVE_CHAT = 20_000_000
"""The active people's ids: FIRST_ACTIVE_CHAT + 0 .. N - 1."""
QUESTION_NUMBER = 13
"""Where each seeded conversation's question count stands (enrolment, then today's prompt)."""
CHUNK = 5_000
"""Rows per INSERT: quick, and within any driver's parameter limit."""
LOST_AFTER = 30.0
"""Seconds without a reply after which an action counts as lost."""
GIVE_UP_AFTER = 90.0
"""Seconds a person keeps waiting for an answer before starting again with /checkin."""
STOP_WITHIN = 10.0
"""Seconds the bot has to exit after SIGTERM."""
WAVE_START_WITHIN = 120.0
"""Seconds after the warm-up that the measurement waits for the wave's first message."""
READY_WITHIN = 120.0
"""Seconds the bot has to start polling."""
GOAL_P99 = 1.0
GOAL_PEOPLE = 1_000
BULK_RATE = 30.0
"""The bot's default TELEGRAM_BULK_RATE, messages/s."""


# ----------------------------------------------------------------- seeding


@dataclass(frozen=True)
class Cohort:
    """People seeded alike: ids ``first_id`` onwards, Telegram ids ``first_chat`` onwards."""

    first_id: int
    first_chat: int
    count: int
    open_checkin: bool
    """True: today's check-in asked and open (the active people); False: owed, due at
    ``due_at`` (the wave)."""


def _present(
    model: Table, columns: Mapping[str, dict[str, Any]], renames: Mapping[str, str]
) -> TableClause:
    """The model's table as the database has it: only its columns there, renamed where an
    older schema names them differently, with the model's types (UTC times, JSON, enums)."""
    kept = [
        column(renames.get(c.name, c.name), c.type)
        for c in model.columns
        if renames.get(c.name, c.name) in columns
    ]
    return table(model.name, *kept)


def _counter_column(columns: Mapping[str, dict[str, Any]]) -> str:
    """The conversation's question counter: ``question_number`` (since migration 0005) or
    ``turn`` (before)."""
    for name in ("question_number", "turn"):
        if name in columns:
            return name
    raise RuntimeError(f"conversations has no question counter column: {sorted(columns)}")


class Seeder:
    """Core bulk inserts into whatever schema version the database is at."""

    def __init__(self, schema: Mapping[str, Mapping[str, dict[str, Any]]], now: datetime) -> None:
        self.now = now
        self.onset = now - timedelta(days=1)
        self.today = now.astimezone(ZONE).date()
        counter = _counter_column(schema["conversations"])
        self.renames = {"question_number": counter}
        self.schema = schema
        self.tables = {
            model.name: _present(model, schema[model.name], self.renames)
            for model in (
                Person.__table__,
                Episode.__table__,
                Conversation.__table__,
                DueMessage.__table__,
                CheckIn.__table__,
            )
            if isinstance(model, Table)
        }

    def person(self, cohort: Cohort, i: int) -> dict[str, Any]:
        return {
            "id": cohort.first_id + i,
            "telegram_user_id": cohort.first_chat + i,
            "chat_id": cohort.first_chat + i,
            "language": "en",
            "timezone": ZONE.key,
            "checkin_time": CHECKIN_TIME,
            "consent_at": self.onset,
            "consent_version": "1",
            "age_band": "16-49",
            "referral_source": None,
            "status": PersonStatus.ACTIVE,
            "missed_in_a_row": 0,
            "blocked_at": None,
            "created_at": self.onset,
        }

    def episode(self, cohort: Cohort, i: int) -> dict[str, Any]:
        return {
            "id": cohort.first_id + i,
            "person_id": cohort.first_id + i,
            "onset_at": self.onset,
            "mechanism": "lifting",
            "activity": "limited",
            "severity": "moderate",
            "baseline_pain": 5,
            "protocol": "seed",
            "first_episode": True,
            "enrolment_red_flags": [],
            "milestones_done": [],
            "status": EpisodeStatus.ACTIVE,
            "started_at": self.onset,
            "recovered_at": None,
            "ended_at": None,
        }

    def conversation(self, cohort: Cohort, i: int) -> dict[str, Any]:
        own = cohort.first_id + i
        if cohort.open_checkin:
            step, answers = "checkin_pain", {"check_in_id": own, "episode_id": own}
        else:
            step, answers = "idle", {}
        return {
            "person_id": own,
            "step": step,
            "answers": answers,
            "question_number": QUESTION_NUMBER if cohort.open_checkin else QUESTION_NUMBER - 1,
            "updated_at": self.now,
        }

    def check_in(self, cohort: Cohort, i: int) -> dict[str, Any]:
        """Today's check-in, asked a minute ago and not answered yet."""
        own = cohort.first_id + i
        asked = self.now - timedelta(minutes=1)
        return {
            "id": own,
            "episode_id": own,
            "person_id": own,
            "slot": self.today.isoformat(),
            "day": episode_day(self.onset, self.now, ZONE),
            "due_at": asked,
            "sent_at": asked,
            "answered_at": None,
            "status": CheckInStatus.SENT,
            "pain": None,
            "red_flags": [],
            "walked": None,
            "note": None,
        }

    def owed(
        self, kind: DueKind, slot: str, due_at: datetime, status: DueStatus
    ) -> Callable[[Cohort, int], dict[str, Any]]:
        def row(cohort: Cohort, i: int) -> dict[str, Any]:
            return {
                "person_id": cohort.first_id + i,
                "kind": kind,
                "slot": slot,
                "due_at": due_at,
                "priority": DUE_PRIORITY[kind],
                "status": status,
                "attempts": 1 if status is DueStatus.SENT else 0,
                "lease_until": None,
                "payload": {},
                "last_error": None,
                "sent_at": self.now if status is DueStatus.SENT else None,
                "created_at": self.onset,
            }

        return row

    def due_rows(
        self, cohort: Cohort, wave_due_at: datetime
    ) -> list[Callable[[Cohort, int], dict[str, Any]]]:
        today = self.today.isoformat()
        if not cohort.open_checkin:
            return [self.owed(DueKind.CHECKIN, today, wave_due_at, DueStatus.PENDING)]
        # As the queue is once today's prompt went out: its reminder in 4 hours, tomorrow's
        # check-in at 09:00; nothing due during the run.
        asked = self.now - timedelta(minutes=1)
        tomorrow = self.today + timedelta(days=1)
        tomorrow_at = datetime.combine(tomorrow, CHECKIN_TIME, ZONE).astimezone(UTC)
        return [
            self.owed(DueKind.CHECKIN, today, asked, DueStatus.SENT),
            self.owed(DueKind.REMINDER, today, asked + timedelta(hours=4), DueStatus.PENDING),
            self.owed(DueKind.CHECKIN, tomorrow.isoformat(), tomorrow_at, DueStatus.PENDING),
        ]

    async def insert(
        self, connection: AsyncConnection, name: str, cohort: Cohort, row: Callable[..., Any]
    ) -> None:
        target = self.tables[name]
        present = set(self.schema[name])
        for start in range(0, cohort.count, CHUNK):
            rows = []
            for i in range(start, min(cohort.count, start + CHUNK)):
                values = {self.renames.get(k, k): v for k, v in row(cohort, i).items()}
                rows.append({k: v for k, v in values.items() if k in present})
            await connection.execute(target.insert(), rows)

    def check_complete(self) -> None:
        """Every NOT NULL column without a default that the database has must be seeded."""
        samples = {
            "people": self.person,
            "episodes": self.episode,
            "conversations": self.conversation,
            "check_ins": self.check_in,
            "due_messages": self.owed(DueKind.CHECKIN, "", self.now, DueStatus.PENDING),
        }
        cohort = Cohort(1, 1, 1, open_checkin=True)
        for name, row in samples.items():
            given = {self.renames.get(k, k) for k in row(cohort, 0)}
            for column_name, info in self.schema[name].items():
                required = not info["nullable"] and info.get("default") is None
                if required and column_name not in given and not info["primary_key"]:
                    raise RuntimeError(f"seeding does not know {name}.{column_name}")


async def _schema(connection: AsyncConnection) -> dict[str, dict[str, dict[str, Any]]]:
    def read(sync: Connection) -> dict[str, dict[str, dict[str, Any]]]:
        inspector = inspect(sync)
        schema = {}
        for name in inspector.get_table_names():
            keys = inspector.get_pk_constraint(name)["constrained_columns"]
            schema[name] = {
                c["name"]: {**c, "primary_key": c["name"] in keys}
                for c in inspector.get_columns(name)
            }
        return schema

    return await connection.run_sync(read)


async def seed(
    url: str, wave: int, people: int, now: datetime, wave_due_at: datetime
) -> dict[str, Any]:
    """The wave and the active people; returns what was seeded and the schema's shape."""
    engine = create_engine(url)
    started = time.perf_counter()
    try:
        async with engine.begin() as connection:
            schema = await _schema(connection)
        seeder = Seeder(schema, now)
        seeder.check_complete()
        cohorts = [
            Cohort(1, FIRST_WAVE_CHAT, wave, open_checkin=False),
            Cohort(wave + 1, FIRST_ACTIVE_CHAT, people, open_checkin=True),
        ]
        for cohort in cohorts:
            if not cohort.count:
                continue
            rows: list[tuple[str, Callable[..., Any]]] = [
                ("people", seeder.person),
                ("episodes", seeder.episode),
                ("conversations", seeder.conversation),
            ]
            if cohort.open_checkin:
                rows.append(("check_ins", seeder.check_in))
            rows += [("due_messages", row) for row in seeder.due_rows(cohort, wave_due_at)]
            for name, row in rows:
                async with engine.begin() as connection:
                    await seeder.insert(connection, name, cohort, row)
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                for name in ("people", "episodes", "check_ins"):
                    await connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                    )
            await connection.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    return {
        "seconds": time.perf_counter() - started,
        "counter_column": seeder.renames["question_number"],
        "outbox_table": "outbox" in schema,
    }


async def make_wave_due(url: str, wave: int, due_at: datetime) -> int:
    """Bring the wave's check-ins forward to ``due_at``, as the clock reaching 09:00 would."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            due = DueMessage.__table__
            assert isinstance(due, Table)
            result = await connection.execute(
                update(due)
                .where(
                    due.c.person_id <= wave,
                    due.c.kind == DueKind.CHECKIN,
                    due.c.status == DueStatus.PENDING,
                )
                .values(due_at=due_at)
            )
            return int(result.rowcount)
    finally:
        await engine.dispose()


# ----------------------------------------------------------------- databases


# ----------------------------------------------------------------- the bot process


def bot_environment(
    tree: Path, url: str, api_base_url: str, *, probe: Path | None = None
) -> dict[str, str]:
    """The operator's environment: the token, the server, the database; everything else is the
    bot's default (any BackCheck setting in this shell is dropped). ``probe``: where
    ``bench/lock_probe`` writes what it saw of SQLite's write lock."""
    prefixes = ("TELEGRAM_", "DATABASE_", "ADMIN_", "QUEUE_", "EMERGENCY_", "URGENT_", "CARE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.pop("BACKCHECK_LOCK_PROBE", None)
    if probe is not None:
        env["BACKCHECK_LOCK_PROBE"] = str(probe)
    paths = [str(tree), *([str(LOCK_PROBE)] if probe is not None else [])]
    env.update(
        PYTHONPATH=os.pathsep.join(paths),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api_base_url,
        DATABASE_URL=url,
    )
    for name in ("DEFAULT_TIMEZONE", "ALLOW_PROTOCOL_CHOICE"):
        env.pop(name, None)
    return env


def migrate(tree: Path, url: str, workdir: Path) -> None:
    """The bot's own ``python -m bot migrate``, so the schema is the one that bot expects."""
    env = bot_environment(tree, url, "http://127.0.0.1:9/bot")
    subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=workdir,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def status_kib(pid: int, field_name: str) -> float:
    """A field of /proc/PID/status in KiB (VmRSS, VmHWM); NaN once the process is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return float(line.split()[1])
    return math.nan


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/PID/stat)."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return math.nan


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    total = sum(values)
    idle = values[3] + values[4]
    ticks = os.sysconf("SC_CLK_TCK")
    return (total - idle) / ticks, total / ticks


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ----------------------------------------------------------------- the fake Telegram


class WaveLog(SendLog):
    """The server's send log (no limits enforced: the bot keeps its own), noting when the
    wave's first message arrives."""

    def __init__(self) -> None:
        super().__init__(None)
        self.wave_started = asyncio.Event()

    def record(self, chat_id: int, at: float) -> None:
        if chat_id < FIRST_ACTIVE_CHAT:
            self.wave_started.set()
        super().record(chat_id, at)


class LoadTelegram(FakeTelegram):
    """The fake Bot API server, counting the requests it answered by method."""

    def __init__(self) -> None:
        super().__init__(TOKEN, record_calls=False)
        self.sends = self.wave_log = WaveLog()
        self.requests: dict[str, int] = {}
        self.first_poll: float | None = None
        self.polled = asyncio.Event()

    def _make_app(self) -> web.Application:
        app = super()._make_app()

        @web.middleware
        async def count(request: web.Request, handler: Any) -> web.StreamResponse:
            method = request.match_info.get("method", "")
            self.requests[method] = self.requests.get(method, 0) + 1
            if method == "getUpdates" and self.first_poll is None:
                self.first_poll = time.monotonic()
                self.polled.set()
            response: web.StreamResponse = await handler(request)
            return response

        app.middlewares.append(count)
        return app


# ----------------------------------------------------------------- the simulated people


@dataclass
class Action:
    """One turn: what the person did, when it was queued, how long the first reply took."""

    kind: str
    started: float
    measured: bool
    latency: float | None = None


def _has_button(label: str) -> Callable[[Sequence[SentMessage]], bool]:
    return lambda messages: any(m.button(label) is not None for m in messages)


def _anything(messages: Sequence[SentMessage]) -> bool:
    return bool(messages)


# The check-in, round and round: (what the person does, the reply that lets them go on).
CYCLE: tuple[tuple[str, Callable[[Sequence[SentMessage]], bool]], ...] = (
    ("type 5", _has_button("No")),  # -> "Anything new?" No / Yes
    ("tap No", _has_button("Yes")),  # -> "Did you walk?" Yes / No
    ("tap walked", _has_button("Skip")),  # -> "Anything to note?" Skip
    ("tap Skip", _anything),  # -> the trend and the advice
    ("/checkin", _has_button("5")),  # -> (answers replace today's) the pain question
)
AGAIN = len(CYCLE) - 1


@dataclass
class Crowd:
    """The active people and what they did."""

    think: tuple[float, float]
    actions: list[Action] = field(default_factory=list)
    measuring: bool = False
    acting: bool = True
    resyncs: dict[str, int] = field(default_factory=dict)
    """Why people started again with /checkin: no button to tap, or no answer in time."""

    def resync(self, why: str) -> None:
        self.resyncs[why] = self.resyncs.get(why, 0) + 1


async def act(person: Someone, step: int, rng: random.Random) -> str:
    kind = CYCLE[step][0]
    if kind == "type 5":
        await person.send("5")
    elif kind == "/checkin":
        await person.send("/checkin")
    elif kind == "tap walked":
        await person.press(rng.choice(("Yes", "No")))
    else:
        await person.press(kind.removeprefix("tap "))
    return kind


async def live(person: Someone, rng: random.Random, crowd: Crowd) -> None:
    """One person answering check-ins until told to stop."""
    await asyncio.sleep(rng.uniform(0, crowd.think[1]))
    step = 0
    while crowd.acting:
        mark = person.mark()
        started = time.monotonic()
        try:
            kind = await act(person, step, rng)
        except AssertionError:  # the button to tap is not there: start again
            crowd.resync(f"no button for {CYCLE[step][0]}")
            step = AGAIN
            continue
        action = Action(kind, started, crowd.measuring)
        crowd.actions.append(action)
        ready = CYCLE[step][1]
        try:
            first = await person.replies_since(mark, 1, timeout=GIVE_UP_AFTER)
            action.latency = first[0].sent_at - started
            while not ready(person.messages[mark:]):
                left = started + GIVE_UP_AFTER - time.monotonic()
                await person.replies_since(mark, len(person.messages) - mark + 1, timeout=left)
            step = (step + 1) % len(CYCLE)
        except TimeoutError:
            crowd.resync(f"no answer to {CYCLE[step][0]}")
            step = AGAIN
        if crowd.acting:
            await asyncio.sleep(rng.uniform(*crowd.think))


# ----------------------------------------------------------------- one run


@dataclass
class Run:
    database: str
    people: int
    code: str
    duration: float = 0.0
    wave: int = 0
    wave_at: float | None = None
    load_start: str = ""
    load_end: str = ""
    seed_seconds: float = 0.0
    schema: dict[str, Any] = field(default_factory=dict)
    startup_seconds: float = 0.0
    actions: int = 0
    answered: int = 0
    lost: int = 0
    resyncs: dict[str, int] = field(default_factory=dict)
    warmup_actions: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    wave_sent_in_window: int = 0
    wave_sent_total: int = 0
    wave_max_per_second: int = 0
    wave_first_send_s: float | None = None
    measure_start_s: float = 0.0
    """Seconds from the bot's first poll to the start of the measurement."""
    """Seconds from the bot's first poll to the wave's first message."""
    wave_max_per_5s: int = 0
    max_per_chat_3s: int = 0
    rss_start_mib: float = 0.0
    rss_end_mib: float = 0.0
    hwm_end_mib: float = 0.0
    bot_cpu_pct: float = 0.0
    driver_cpu_pct: float = 0.0
    machine_busy_pct: float = 0.0
    requests: dict[str, int] = field(default_factory=dict)
    stop_seconds: float | None = None
    exit_code: int | None = None
    log_errors: int = 0
    log_tail: list[str] = field(default_factory=list)
    lock: dict[str, float] = field(default_factory=dict)
    """SQLite's write lock during the measurement (``--lock-probe``)."""
    problems: list[str] = field(default_factory=list)

    @property
    def turns_per_second(self) -> float:
        return self.answered / self.duration if self.duration else 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest rank; ``inf`` stands for a reply that never came."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summarise(actions: Sequence[Action]) -> dict[str, float]:
    latencies = [a.latency if a.latency is not None else math.inf for a in actions]
    return {
        "count": len(actions),
        "p50": percentile(latencies, 0.50) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "max": max(latencies, default=math.nan) * 1000,
        "lost": sum(1 for v in latencies if v > LOST_AFTER),
    }


async def wave_arrives(url: str, wave: int, after: float) -> None:
    await asyncio.sleep(after)
    await make_wave_due(url, wave, datetime.now(UTC) - timedelta(seconds=1))


async def start_profiler(
    args: argparse.Namespace, run: Run, pid: int
) -> asyncio.subprocess.Process | None:
    """``py-spy record`` of the bot over the measurement (collapsed stacks, for grep and
    flame graph tools), when ``--py-spy DIR`` asks for it."""
    if args.py_spy is None:
        return None
    args.py_spy.mkdir(parents=True, exist_ok=True)
    out = args.py_spy / f"{run.code}-{run.database}-{run.people}.txt"
    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("py-spy")),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, int(args.duration) - 1)),
        "--rate",
        "100",
        "--nonblocking",
        "--gil",
        "--format",
        "raw",
        "--output",
        str(out),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def drive(run: Run, args: argparse.Namespace, url: str, tree: Path, workdir: Path) -> None:
    """Serve the fake Telegram, start the bot, let the people talk, stop the bot."""
    api = LoadTelegram()
    wave_chats = [FIRST_WAVE_CHAT + i for i in range(args.wave)]
    for chat_id in wave_chats:
        api.person(chat_id, "Wave")
    people = [api.person(FIRST_ACTIVE_CHAT + i, "Active") for i in range(run.people)]
    crowd = Crowd(think=(args.think[0], args.think[1]))
    log_path = workdir / "bot.log"
    probe = workdir / "lock-probe.json" if args.lock_probe and run.database == "sqlite" else None
    ready = t0 = t1 = math.nan
    async with api:
        with log_path.open("w") as log:
            bot = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=workdir,
                env=bot_environment(tree, url, api.base_url, probe=probe),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        exited = asyncio.create_task(bot.wait())
        try:
            launched = time.monotonic()
            polled = asyncio.create_task(api.polled.wait())
            await asyncio.wait(
                {polled, exited}, timeout=READY_WITHIN, return_when="FIRST_COMPLETED"
            )
            polled.cancel()
            if exited.done():
                raise RuntimeError(f"the bot exited with {bot.returncode} before polling")
            if api.first_poll is None:
                raise RuntimeError(f"the bot did not poll within {READY_WITHIN:.0f} s")
            ready = api.first_poll
            run.startup_seconds = ready - launched
            run.rss_start_mib = status_kib(bot.pid, "VmRSS") / 1024
            tasks = [
                asyncio.create_task(live(p, random.Random(f"{args.seed}/{i}"), crowd))
                for i, p in enumerate(people)
            ]
            await asyncio.sleep(args.warmup)
            if args.wave_at is None and args.wave:
                # The drain is what is measured: the wave's decision (all of it, in the first
                # tick) may outlast the warm-up under load.
                try:
                    await asyncio.wait_for(api.wave_log.wave_started.wait(), WAVE_START_WITHIN)
                except TimeoutError:
                    run.problems.append(f"the wave sent nothing within {WAVE_START_WITHIN:.0f} s")
            crowd.measuring = True
            t0 = time.monotonic()
            if args.wave_at is not None:
                tasks.append(asyncio.create_task(wave_arrives(url, args.wave, args.wave_at)))
            cpu0, driver0, machine0 = process_cpu(bot.pid), time.process_time(), machine_cpu()
            profiler = await start_profiler(args, run, bot.pid)
            await asyncio.sleep(args.duration)
            if profiler is not None:
                await profiler.wait()
            crowd.measuring = False
            crowd.acting = False
            t1 = time.monotonic()
            cpu1, driver1, machine1 = process_cpu(bot.pid), time.process_time(), machine_cpu()
            run.rss_end_mib = status_kib(bot.pid, "VmRSS") / 1024
            run.hwm_end_mib = status_kib(bot.pid, "VmHWM") / 1024
            run.duration = t1 - t0
            run.bot_cpu_pct = 100 * (cpu1 - cpu0) / run.duration
            run.driver_cpu_pct = 100 * (driver1 - driver0) / run.duration
            busy, total = machine1[0] - machine0[0], machine1[1] - machine0[1]
            run.machine_busy_pct = 100 * busy / total if total else math.nan
            # Nobody acts any more; the answers still owed get LOST_AFTER seconds to arrive.
            if tasks:
                _done, waiting = await asyncio.wait(tasks, timeout=LOST_AFTER)
                for task in waiting:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            stopping = time.monotonic()
            if not exited.done():
                bot.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.shield(exited), STOP_WITHIN)
                run.stop_seconds = time.monotonic() - stopping
            except TimeoutError:
                run.problems.append(f"the bot did not exit within {STOP_WITHIN:.0f} s of SIGTERM")
                bot.kill()
                await exited
            run.exit_code = bot.returncode
    measured = [a for a in crowd.actions if a.measured]
    run.actions = len(measured)
    run.warmup_actions = sum(1 for a in crowd.actions if a.started < t0)
    run.resyncs = crowd.resyncs
    run.latency_ms = summarise(measured)
    run.lost = int(run.latency_ms["lost"])
    run.answered = run.actions - run.lost
    run.by_kind = {
        kind: summarise([a for a in measured if a.kind == kind]) for kind, _ready in CYCLE
    }
    wave_times = [m.sent_at for chat_id in wave_chats for m in api.chat_state(chat_id).messages]
    run.wave_sent_total = len(wave_times)
    in_window = [t for t in wave_times if t0 <= t < t1]
    run.wave_sent_in_window = len(in_window)
    run.wave_max_per_second = max_in_window(in_window, 1.0)
    run.wave_first_send_s = min(wave_times) - ready if wave_times else None
    run.measure_start_s = t0 - ready
    run.wave_max_per_5s = max_in_window(in_window, 5.0)
    run.max_per_chat_3s = max(
        (max_in_window([m.sent_at for m in p.messages], 3.0) for p in people), default=0
    )
    run.requests = dict(sorted(api.requests.items()))
    lines = log_path.read_text(errors="replace").splitlines()
    run.log_errors = sum(1 for line in lines if " ERROR " in line)
    run.log_tail = [line for line in lines if " ERROR " in line or " WARNING " in line][-5:]
    if probe is not None and probe.exists():
        run.lock = lock_figures(json.loads(probe.read_text()), t0, t1)


def lock_figures(done: Sequence[Sequence[float | None]], t0: float, t1: float) -> dict[str, float]:
    """What ``bench/lock_probe`` saw of SQLite's write lock during the measurement: write
    transactions a second, the wait for the lock and how long it was held (ms), the share of
    the time it was held, and the BEGINs that gave up (``database is locked``)."""
    inside = [(wait, hold) for asked, wait, hold in done if asked is not None and t0 <= asked < t1]
    waits = [float(wait or 0.0) for wait, _hold in inside]
    holds = [float(hold) for _wait, hold in inside if hold is not None]
    return {
        "transactions_per_s": len(inside) / (t1 - t0),
        "wait_p50_ms": percentile(waits, 0.5) * 1000,
        "wait_p99_ms": percentile(waits, 0.99) * 1000,
        "wait_max_ms": max(waits, default=math.nan) * 1000,
        "hold_p50_ms": percentile(holds, 0.5) * 1000,
        "hold_p99_ms": percentile(holds, 0.99) * 1000,
        "held_pct": 100 * sum(holds) / (t1 - t0),
        "gave_up": sum(1 for _wait, hold in inside if hold is None),
    }


def run_one(run: Run, args: argparse.Namespace, tree: Path) -> None:
    run.load_start = loadavg()
    print(f"-- {run.code} {run.database} {run.people:,} people: load {run.load_start}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="backcheck-load-run-"))
    try:
        with fresh_database(run.database, "load") as url:
            migrate(tree, url, workdir)
            now = datetime.now(UTC)
            wave_due_at = now - timedelta(minutes=1)
            if args.wave_at is not None:
                wave_due_at = now + timedelta(hours=1)  # brought forward during the run
            seeded = asyncio.run(seed(url, args.wave, run.people, now, wave_due_at))
            run.seed_seconds = seeded.pop("seconds")
            run.schema = seeded
            asyncio.run(drive(run, args, url, tree, workdir))
    finally:
        if args.keep_logs:
            print(f"   bot log kept in {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    run.load_end = loadavg()
    if run.exit_code not in (0, None):
        run.problems.append(f"the bot exited with {run.exit_code}")
    # The limiters are token buckets: a second may hold a burst, five may not hold more than
    # five seconds' worth plus one burst. Per chat: the fake server's own rule, 3 in any 3 s.
    if run.wave_max_per_5s > 6 * BULK_RATE:
        run.problems.append(f"the wave sent {run.wave_max_per_5s} messages within 5 s")
    if run.max_per_chat_3s > 3:
        run.problems.append(f"{run.max_per_chat_3s} messages to one chat within 3 s")
    lat = run.latency_ms
    print(
        f"   {run.actions:,} actions in {run.duration:.0f} s ({run.turns_per_second:,.1f} "
        f"turns/s), p50 {_ms(lat['p50'])}, p99 {_ms(lat['p99'])}, max {_ms(lat['max'])}, "
        f"lost {run.lost:,}; wave {run.wave_sent_in_window:,} in the window "
        f"(max {run.wave_max_per_second}/s); bot RSS {run.rss_start_mib:.0f} -> "
        f"{run.rss_end_mib:.0f} MiB, CPU {run.bot_cpu_pct:.0f}%; stopped in "
        f"{_s(run.stop_seconds)}; load {run.load_end}"
        + f"; wave's first message {_s(run.wave_first_send_s)} after the bot's first poll, "
        f"measured from {run.measure_start_s:.0f} s"
        + (f"; started again: {run.resyncs}" if run.resyncs else "")
        + (f"; {run.log_errors} errors in the bot's log" if run.log_errors else "")
        + ("" if not run.problems else "; PROBLEMS: " + "; ".join(run.problems)),
        flush=True,
    )


# ----------------------------------------------------------------- report


def environment_report(databases: Sequence[str], tree: Path) -> list[str]:
    return [
        f"- bot under test: {tree} at {code_version(tree)}; driver and fake Telegram: "
        f"{REPO} at {code_version(REPO)}",
        *machine_lines(databases),
    ]


def _ms(value: float) -> str:
    if math.isinf(value):
        return "> 30 s"
    if math.isnan(value):
        return "-"
    return f"{value:,.0f} ms"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def results_table(runs: Sequence[Run]) -> list[str]:
    lines = [
        "| code | database | people | duration (s) | turns/s | p50 (ms) | p99 (ms) | max (ms) "
        "| lost | wave msgs in window (msg/s; max in 1 s) | bot RSS start / end (MiB) "
        "| bot CPU | driver CPU | machine busy | load avg start / end | stop (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]

    def cell(value: float) -> str:
        if math.isinf(value):
            return "> 30,000"
        return "-" if math.isnan(value) else f"{value:,.0f}"

    for r in runs:
        lat = r.latency_ms
        if not lat:
            continue
        wave_rate = r.wave_sent_in_window / r.duration if r.duration else 0.0
        lines.append(
            f"| {r.code} | {r.database} | {r.people:,} | {r.duration:.0f} "
            f"| {r.turns_per_second:,.1f} | {cell(lat['p50'])} | {cell(lat['p99'])} "
            f"| {cell(lat['max'])} | {r.lost:,} of {r.actions:,} "
            f"| {r.wave_sent_in_window:,} ({wave_rate:.1f}/s; {r.wave_max_per_second}) "
            f"| {r.rss_start_mib:.0f} / {r.rss_end_mib:.0f} "
            f"| {r.bot_cpu_pct:.0f}% | {r.driver_cpu_pct:.0f}% | {r.machine_busy_pct:.0f}% "
            f"| {r.load_start} / {r.load_end} | {_s(r.stop_seconds)} |"
        )
    return lines


def kind_table(runs: Sequence[Run]) -> list[str]:
    kinds = [kind for kind, _ready in CYCLE]
    lines = [
        "| code | database | people | " + " | ".join(f"{k}: p50 / p99 (ms)" for k in kinds) + " |",
        "|---|---|---:|" + "---:|" * len(kinds),
    ]
    for r in runs:
        if not r.by_kind:
            continue
        cells = []
        for kind in kinds:
            s = r.by_kind[kind]
            cells.append(
                _ms(s["p50"]).removesuffix(" ms") + " / " + _ms(s["p99"]).removesuffix(" ms")
            )
        lines.append(f"| {r.code} | {r.database} | {r.people:,} | " + " | ".join(cells) + " |")
    return lines


def lock_table(runs: Sequence[Run]) -> list[str]:
    lines = [
        "| code | people | write transactions/s | wait for the lock p50 / p99 / max (ms) "
        "| held p50 / p99 (ms) | lock held | BEGINs that gave up |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        k = r.lock
        if not k:
            continue
        lines.append(
            f"| {r.code} | {r.people:,} | {k['transactions_per_s']:,.0f} "
            f"| {k['wait_p50_ms']:,.1f} / {k['wait_p99_ms']:,.0f} / {k['wait_max_ms']:,.0f} "
            f"| {k['hold_p50_ms']:,.1f} / {k['hold_p99_ms']:,.0f} | {k['held_pct']:.0f}% "
            f"| {k['gave_up']:,.0f} |"
        )
    return lines


def goal_lines(runs: Sequence[Run]) -> list[str]:
    lines = []
    for r in runs:
        if r.people != GOAL_PEOPLE or not r.latency_ms:
            continue
        p99 = r.latency_ms["p99"] / 1000
        met = p99 < GOAL_P99 and r.lost == 0 and not r.problems
        wave_rate = r.wave_sent_in_window / r.duration if r.duration else 0.0
        lines.append(
            f"- p99 < {GOAL_P99:.0f} s and 0 lost at {GOAL_PEOPLE:,} people, {r.database} "
            f"({r.code}): {'met' if met else 'NOT met'} (p99 {_ms(r.latency_ms['p99'])}, "
            f"{r.lost} lost; wave {wave_rate:.1f} msg/s)"
        )
    return lines


# ----------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--people",
        type=int,
        nargs="+",
        default=[GOAL_PEOPLE],
        help="N, active people (several for a series; default 1000)",
    )
    parser.add_argument(
        "--database", choices=("sqlite", "postgresql", "both"), default="both", help="default both"
    )
    parser.add_argument(
        "--duration", type=float, default=60.0, help="seconds measured (default 60)"
    )
    parser.add_argument(
        "--warmup", type=float, default=10.0, help="seconds of talk before measuring (default 10)"
    )
    parser.add_argument(
        "--wave", type=int, default=10_000, help="people in the scheduled wave (default 10000)"
    )
    parser.add_argument(
        "--wave-at",
        type=float,
        metavar="SECONDS",
        help="make the wave due this many seconds into the measurement (default: due before "
        "the bot starts, so it is decided during the warm-up and drains during the measurement)",
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(10.0, 15.0),
        metavar=("MIN", "MAX"),
        help="seconds a person thinks between a reply and their next action (default 10 15)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the think times")
    parser.add_argument(
        "--bot-tree",
        type=Path,
        default=REPO,
        help="run the bot (python -m bot migrate / run) from this checkout (default: this one)",
    )
    parser.add_argument("--label", help="the code's name in the tables (default: its commit)")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep each run's bot log (printed where)"
    )
    parser.add_argument(
        "--lock-probe",
        action="store_true",
        help="on SQLite, time each write transaction's wait for the lock and its hold, from "
        "inside the bot (bench/lock_probe/sitecustomize.py; adds a little CPU)",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="sample the bot with py-spy (pip install py-spy) over the measurement; collapsed "
        "stacks are written to DIR",
    )
    args = parser.parse_args(argv)
    if args.think[0] < 0 or args.think[1] < args.think[0]:
        parser.error("--think needs 0 <= MIN <= MAX")
    if not (args.bot_tree / "bot" / "__main__.py").is_file():
        parser.error(f"--bot-tree {args.bot_tree} has no bot/__main__.py")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # A bot killed after an overloaded run leaves requests half read: not news for the report.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    tree = args.bot_tree.resolve()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    environment = environment_report(databases, tree)
    print("\n".join(["## Machine and versions", *environment]), flush=True)
    label = args.label or code_version(tree).split()[0]
    runs = [
        Run(database, people, label, wave=args.wave, wave_at=args.wave_at)
        for people in args.people
        for database in databases
    ]
    for run in runs:
        try:
            run_one(run, args, tree)
        except Exception as error:  # one broken run must not lose the others' figures
            run.problems.append(f"{type(error).__name__}: {error}")
            print(f"   FAILED: {run.problems[-1]}", flush=True)
    command = "python bench/load.py " + " ".join(sys.argv[1:] if argv is None else list(argv))
    wave = (
        "due before the bot started"
        if args.wave_at is None
        else f"made due {args.wave_at:g} s into the measurement"
    )
    report = [
        "",
        f"## Results (`{command.strip()}`)",
        "",
        f"Wave: {args.wave:,} check-ins, {wave}. Warm-up {args.warmup:g} s, think time "
        f"{args.think[0]:g}-{args.think[1]:g} s. Latency: action queued at the fake Telegram -> "
        f"the bot's first message in reply there; lost: no reply within {LOST_AFTER:.0f} s "
        "(counted as > 30 s in the percentiles). CPU: % of one core over the measurement.",
        "",
        *results_table(runs),
        "",
        "Latency by action:",
        "",
        *kind_table(runs),
        "",
        "Goal:",
        "",
        *goal_lines(runs),
    ]
    if any(r.lock for r in runs):
        report += [
            "",
            "SQLite's write lock during the measurement (`--lock-probe`; every write "
            "transaction begins with BEGIN IMMEDIATE; lock held = sum of holds / duration):",
            "",
            *lock_table(runs),
        ]
    problems = [f"{r.code} {r.database} {r.people}: {p}" for r in runs for p in r.problems]
    if problems:
        report += ["", "PROBLEMS:", *problems]
    print("\n".join(report), flush=True)
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "environment": environment,
                    "command": command,
                    "runs": [{**asdict(r), "turns_per_second": r.turns_per_second} for r in runs],
                },
                indent=2,
                default=str,
            )
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
