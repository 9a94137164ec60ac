"""The dispatch benchmark: N enrolled people, all owed a check-in now, drained by one worker.

    python bench/dispatch.py                                  # 2,000 people, every scenario
    python bench/dispatch.py --people 10000 100000 --baseline # the documented full run
    python bench/dispatch.py --people 10000 --database postgresql --workers 2  # together

Each scenario (database x transport x N) runs on a fresh database, seeded with Core bulk
inserts (timed, not part of the figures), and is drained by ``Dispatcher.tick`` in a fresh
worker process, so peaks of memory do not mix; the local Bot API server, when used, runs in a
process of its own. The worker then times ticks with nothing due (the queue still holds every
person's next check-in and reminder). Afterwards the benchmark checks that every person got
exactly one message and that no due row is left claimed or pending for now.

Transports: ``http`` is the bot's own transport (python-telegram-bot's ``HTTPXRequest``, as
``bot.telegram.bot.make_bot`` makes it) over loopback to ``bot.fake_telegram.FakeTelegram``;
``record`` is an in-process ``BaseRequest`` that answers without any network (the bot's own
cost). ``--baseline`` adds the usual alternative: one ``JobQueue.run_daily`` job per person,
its start-up time and memory.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as wall_time
from pathlib import Path
from typing import Any

import proc_stats
from machine import code_version, fresh_database, machine_lines

from bot.db.engine import create_engine
from bot.runtime.dispatcher import BATCH_SIZE
from bot.telegram.sender import CONCURRENT_CHATS

# The people are seeded as the scale tests seed them; the repository root holds that module.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support import seed

NOW = datetime(2026, 11, 24, 9, 0, 30, tzinfo=UTC)
"""The benchmark's fixed clock: a Tuesday, 09:00:30 in London (UTC in winter)."""
FIRST_CHAT = 10_000_000
"""People's Telegram user ids (= private chat ids) are FIRST_CHAT + 0 .. N - 1."""
SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parent.parent
TOKEN = "123456:BENCH"
GOAL_RECORD = 1_000.0
"""Messages/s per worker with the recording transport: the floor. Telegram itself takes about 30
proactive messages a second (1,000 with paid broadcasts), so more buys nothing."""
GOAL_RSS_MIB = 150.0
GOAL_IDLE_CPU_MS = 5.0


# ----------------------------------------------------------------- worker (one scenario)


@dataclass
class Phases:
    """Wall and CPU time of a drain's two parts: deciding the due rows into the outbox
    (``Dispatcher.decide``) and sending the outbox (``Sender.deliver_due``)."""

    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    async def timed(self, phase: str, work: Awaitable[int]) -> int:
        wall, cpu = time.perf_counter(), time.process_time()
        rows = await work
        self.wall[phase] = self.wall.get(phase, 0.0) + time.perf_counter() - wall
        self.cpu[phase] = self.cpu.get(phase, 0.0) + time.process_time() - cpu
        self.rows[phase] = self.rows.get(phase, 0) + rows
        return rows


async def run_worker(args: argparse.Namespace) -> dict[str, Any]:
    from recording_transport import RecordingRequest

    from bot.clock import ManualClock
    from bot.config import load_settings
    from bot.db.engine import session_factory
    from bot.runtime.dispatcher import Dispatcher
    from bot.telegram.bot import make_bot
    from bot.telegram.sender import Sender

    result: dict[str, Any] = {"rss_after_imports_mib": proc_stats.rss_mib()}
    clock = ManualClock(NOW)
    settings = load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=args.api_base_url or "http://127.0.0.1:9/bot",
        database_url=args.database_url,
        default_timezone="Europe/London",
        telegram_rate_limits=False,
    )
    engine = create_engine(args.database_url)
    sessions = session_factory(engine)
    recorder: RecordingRequest | None = None
    if args.transport == "record":
        recorder = RecordingRequest(FIRST_CHAT, args.people)
        bot = make_bot(settings, request=recorder)
    else:
        bot = make_bot(settings)
    await bot.initialize()
    sender = Sender(
        sessions,
        settings,
        clock,
        bot,
        batch_size=args.batch_size,
        concurrent_chats=args.concurrent_chats,
    )
    dispatcher = Dispatcher(sessions, settings, clock, sender, batch_size=args.batch_size)
    phases = Phases()

    result["rss_before_tick_mib"] = proc_stats.rss_mib()
    result["peak_rss_before_tick_mib"] = proc_stats.peak_rss_mib()
    result["peak_reset"] = proc_stats.reset_peak()
    if args.workers > 1:
        # Several workers start draining together: each says it is ready, then waits for "go".
        print("ready", flush=True)
        sys.stdin.readline()
    result["tick_started_at"] = time.time()
    profile = cProfile.Profile() if args.profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    delivered = 0
    if not args.idle_only:
        await phases.timed("decide", dispatcher.decide())
        delivered = await phases.timed("send", sender.deliver_due())
    if profile is not None:
        profile.disable()
    tick_wall, tick_cpu = time.perf_counter() - wall, time.process_time() - cpu
    result["tick_ended_at"] = time.time()
    result["peak_rss_tick_mib"] = proc_stats.peak_rss_mib()
    result["rss_after_tick_mib"] = proc_stats.rss_mib()
    result.update(
        delivered=delivered,
        tick_wall=tick_wall,
        tick_cpu=tick_cpu,
        phase_wall=phases.wall,
        phase_cpu=phases.cpu,
        rows=phases.rows,
    )

    idle_cpu: list[float] = []
    idle_wall: list[float] = []
    for _ in range(args.idle_ticks):
        wall, cpu = time.perf_counter(), time.process_time()
        nothing = await dispatcher.tick()
        idle_cpu.append(time.process_time() - cpu)
        idle_wall.append(time.perf_counter() - wall)
        assert nothing == 0, f"an idle tick delivered {nothing}"
    result["idle_cpu"] = idle_cpu
    result["idle_wall"] = idle_wall
    if recorder is not None:
        result["histogram"] = recorder.histogram()
        if args.workers > 1:
            result["per_chat"] = recorder.per_chat.hex()
        result["other_chats"] = recorder.other_chats
        result["calls"] = recorder.calls
    await sender.stop()
    await bot.shutdown()
    await engine.dispose()
    result["peak_rss_process_mib"] = max(
        result["peak_rss_before_tick_mib"], proc_stats.peak_rss_mib()
    )
    if profile is not None:
        print(profile_report(profile, args.profile_top), file=sys.stderr)
    return result


def profile_report(profile: cProfile.Profile, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs()
    out.write("=== by own time (tottime) ===\n")
    stats.sort_stats("tottime").print_stats(top)
    out.write("=== by cumulative time, BackCheck's own functions ===\n")
    full = pstats.Stats(profile, stream=out)
    full.sort_stats("cumulative").print_stats(r"/bot/", top)
    return out.getvalue()


# ----------------------------------------------------------------- JobQueue baseline


async def run_baseline(args: argparse.Namespace) -> dict[str, Any]:
    """One python-telegram-bot ``JobQueue.run_daily`` job per person: the usual design."""

    from recording_transport import RecordingRequest
    from telegram.ext import ApplicationBuilder, ContextTypes

    async def check_in(context: ContextTypes.DEFAULT_TYPE) -> None:
        job = context.job
        assert job is not None
        assert job.chat_id is not None
        await context.bot.send_message(job.chat_id, "How is your back today?")

    application = (
        ApplicationBuilder().token(TOKEN).request(RecordingRequest(FIRST_CHAT, args.people)).build()
    )
    await application.initialize()
    await application.start()
    job_queue = application.job_queue
    assert job_queue is not None, "python-telegram-bot[job-queue] is needed for the baseline"
    at = wall_time(9, 0, tzinfo=seed.ZONE)
    rss_before = proc_stats.rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    for index in range(args.people):
        chat_id = FIRST_CHAT + index
        job_queue.run_daily(check_in, at, chat_id=chat_id, user_id=chat_id, name=str(chat_id))
    loop_seconds = time.perf_counter() - wall
    await asyncio.sleep(0)  # the scheduler's wake-ups, queued behind this task, run now
    startup_wall, startup_cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss_after = proc_stats.rss_mib()
    jobs = len(job_queue.jobs())
    await application.stop()
    await application.shutdown()
    return {
        "jobs": jobs,
        "loop_seconds": loop_seconds,
        "startup_wall": startup_wall,
        "startup_cpu": startup_cpu,
        "rss_before_mib": rss_before,
        "rss_after_mib": rss_after,
        "rss_delta_mib": rss_after - rss_before,
        "peak_rss_mib": proc_stats.peak_rss_mib(),
    }


# ----------------------------------------------------------------- orchestration


@dataclass
class Scenario:
    people: int
    database: str
    transport: str
    workers: int = 1
    seed_seconds: float = 0.0
    register_seconds: float | None = None
    worker: dict[str, Any] = field(default_factory=dict)
    """One worker's figures, or with several workers their sum (wall: first start to last end)."""
    each_worker: list[dict[str, Any]] = field(default_factory=list)
    histogram: dict[int, int] = field(default_factory=dict)
    drained: dict[str, Any] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.database}/{self.transport}/{self.people}"


async def _seed(url: str, people: int, already_drained: bool) -> float:
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        await seed.seed_due_checkins(
            engine, people, NOW, first_user_id=FIRST_CHAT, already_drained=already_drained
        )
        return time.perf_counter() - started
    finally:
        await engine.dispose()


async def _check(url: str, people: int) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        return await seed.check_drained(engine, people, NOW)
    finally:
        await engine.dispose()


def _child(role: str, args: argparse.Namespace, *extra: str) -> list[str]:
    return [
        sys.executable,
        str(SCRIPT),
        "--role",
        role,
        "--batch-size",
        str(args.batch_size),
        "--concurrent-chats",
        str(args.concurrent_chats),
        "--idle-ticks",
        str(args.idle_ticks),
        "--workers",
        str(args.workers),
        *(["--profile", "--profile-top", str(args.profile_top)] if args.profile else []),
        *extra,
    ]


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO)]))}


def _run_json(command: list[str], timeout: float) -> dict[str, Any]:
    """Run a child and read the JSON object it prints last on stdout."""
    completed = subprocess.run(
        command, stdout=subprocess.PIPE, text=True, timeout=timeout, env=_environment(), check=True
    )
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def _run_together(command: list[str], workers: int, timeout: float) -> list[dict[str, Any]]:
    """Start ``workers`` copies of a worker, let them drain at the same moment, read each one's
    JSON."""
    children = [
        subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_environment()
        )
        for _ in range(workers)
    ]
    for child in children:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("a worker did not get ready")
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results: list[dict[str, Any]] = []
    for child in children:
        out, _ = child.communicate(timeout=timeout)
        if child.returncode != 0:
            raise subprocess.CalledProcessError(child.returncode, command)
        results.append(dict(json.loads(out.strip().splitlines()[-1])))
    return results


def _combine(workers: Sequence[dict[str, Any]], people: int) -> dict[str, Any]:
    """Several workers' figures as one: their work summed over the span from the first start
    to the last end, memory the largest, the messages per chat added up."""
    span = max(w["tick_ended_at"] for w in workers) - min(w["tick_started_at"] for w in workers)
    combined: dict[str, Any] = {
        "delivered": sum(w["delivered"] for w in workers),
        "tick_wall": span,
        "tick_cpu": sum(w["tick_cpu"] for w in workers),
        "idle_cpu": [tick for w in workers for tick in w["idle_cpu"]],
        "idle_wall": [tick for w in workers for tick in w["idle_wall"]],
        "other_chats": sum(w.get("other_chats", 0) for w in workers),
    }
    for key in ("phase_wall", "phase_cpu", "rows"):
        combined[key] = {
            name: sum(w[key].get(name, 0) for w in workers) for name in workers[0][key]
        }
    for key in workers[0]:
        if key.endswith("_mib"):
            combined[key] = max(w[key] for w in workers)
    if "per_chat" in workers[0]:
        per_chat = [0] * people
        for w in workers:
            for index, count in enumerate(bytes.fromhex(w.pop("per_chat"))):
                per_chat[index] += count
        histogram: dict[int, int] = {}
        for count in per_chat:
            histogram[count] = histogram.get(count, 0) + 1
        combined["histogram"] = histogram
    return combined


def run_scenario(scenario: Scenario, args: argparse.Namespace) -> None:
    from bot.db.migrate import upgrade_to_head

    print(f"-- {scenario.name}: seeding", file=sys.stderr, flush=True)
    with fresh_database(scenario.database, "bench") as url:
        upgrade_to_head(url)
        scenario.seed_seconds = asyncio.run(
            _seed(url, scenario.people, scenario.transport == "idle")
        )
        print(
            f"   seeded {scenario.people:,} people in {scenario.seed_seconds:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        server: subprocess.Popen[str] | None = None
        base_url = ""
        try:
            if scenario.transport == "http":
                server = subprocess.Popen(
                    [
                        sys.executable,
                        str(SCRIPT),
                        "--role",
                        "server",
                        "--people",
                        str(scenario.people),
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    env=_environment(),
                )
                assert server.stdout is not None
                ready = json.loads(server.stdout.readline())
                base_url = ready["base_url"]
                scenario.register_seconds = ready["register_seconds"]
            idle = scenario.transport == "idle"
            command = _child(
                "worker",
                args,
                *(["--idle-only"] if idle else []),
                "--people",
                str(scenario.people),
                "--transport",
                "record" if idle else scenario.transport,
                "--database-url",
                url,
                "--api-base-url",
                base_url,
            )
            if scenario.workers == 1:
                scenario.worker = _run_json(command, args.timeout)
            else:
                scenario.each_worker = _run_together(command, scenario.workers, args.timeout)
                scenario.worker = _combine(scenario.each_worker, scenario.people)
            if server is not None:
                with urllib.request.urlopen(base_url.removesuffix("/bot") + "/bench/counts") as got:
                    counts = json.load(got)
                scenario.histogram = {int(k): v for k, v in counts.pop("histogram").items()}
                scenario.server = counts
            else:
                raw = scenario.worker.pop("histogram")
                scenario.histogram = {int(k): v for k, v in raw.items()}
        finally:
            if server is not None:
                assert server.stdin is not None
                server.stdin.close()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
        scenario.drained = asyncio.run(_check(url, scenario.people))
    expected = 0 if scenario.transport == "idle" else 1
    if scenario.histogram != {expected: scenario.people}:
        scenario.problems.append(f"messages per chat (count: chats) {scenario.histogram}")
    if scenario.worker.get("other_chats"):
        scenario.problems.append(f"{scenario.worker['other_chats']} messages to unknown chats")
    scenario.problems += [
        problem
        for problem in scenario.drained["problems"]
        if scenario.transport != "idle" or "left claimed" in problem or "for now" in problem
    ]
    rate = _rate(scenario)
    print(
        f"   drained in {scenario.worker['tick_wall']:.2f} s ({rate:,.0f} messages/s), "
        f"peak RSS {scenario.worker['peak_rss_process_mib']:.0f} MiB, "
        f"idle tick {_median_ms(scenario.worker['idle_cpu']):.2f} ms CPU; "
        + ("correct" if not scenario.problems else "PROBLEMS: " + "; ".join(scenario.problems)),
        file=sys.stderr,
        flush=True,
    )


def _rate(scenario: Scenario) -> float:
    messages = sum(count * chats for count, chats in scenario.histogram.items())
    return messages / scenario.worker["tick_wall"]


def _median_ms(values: Sequence[float]) -> float:
    return statistics.median(values) * 1000 if values else float("nan")


def _percentile_ms(values: Sequence[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


# ----------------------------------------------------------------- report


def environment_report(databases: Sequence[str]) -> list[str]:
    return [f"- BackCheck: commit {code_version(REPO)}", *machine_lines(databases)]


def scenario_table(scenarios: Sequence[Scenario]) -> list[str]:
    lines = [
        "| database | transport | people | drain (s) | messages/s | decided/s "
        "| sent/s | CPU of drain (s) | peak RSS (MiB) | idle tick CPU median / p90 (ms) "
        "| idle tick wall median (ms) | correct |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in scenarios:
        w = s.worker
        if not w or s.transport == "idle":
            continue
        rows, wall = w["rows"], w["phase_wall"]
        messages = sum(count * chats for count, chats in s.histogram.items())
        transport = s.transport if s.workers == 1 else f"{s.transport} x{s.workers} workers"
        lines.append(
            f"| {s.database} | {transport} | {s.people:,} | {w['tick_wall']:.2f} "
            f"| **{_rate(s):,.0f}** "
            f"| {rows.get('decide', 0) / max(wall.get('decide', 0), 1e-9):,.0f} "
            f"| {messages / max(wall.get('send', 0), 1e-9):,.0f} "
            f"| {w['tick_cpu']:.2f} | {w['peak_rss_process_mib']:.0f} "
            f"| {_median_ms(w['idle_cpu']):.2f} / {_percentile_ms(w['idle_cpu'], 0.9):.2f} "
            f"| {_median_ms(w['idle_wall']):.2f} "
            f"| {'yes' if not s.problems else 'NO'} |"
        )
    return lines


def worker_table(scenarios: Sequence[Scenario]) -> list[str]:
    """Each worker of a several-worker scenario: its own drain and rate."""
    lines = [
        "| database | transport | people | worker | delivered | drain (s) | messages/s "
        "| CPU of drain (s) | peak RSS (MiB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scenarios:
        for number, w in enumerate(s.each_worker, start=1):
            lines.append(
                f"| {s.database} | {s.transport} | {s.people:,} | {number} | {w['delivered']:,} "
                f"| {w['tick_wall']:.2f} | {w['delivered'] / w['tick_wall']:,.0f} "
                f"| {w['tick_cpu']:.2f} | {w['peak_rss_process_mib']:.0f} |"
            )
    return lines


def phase_table(scenarios: Sequence[Scenario]) -> list[str]:
    lines = [
        "| database | transport | people | decide wall/CPU (s) | send wall/CPU (s) "
        "| RSS before / after tick (MiB) | seeding (s) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for s in scenarios:
        w = s.worker
        if not w or s.transport == "idle":
            continue
        cells = " | ".join(
            f"{w['phase_wall'].get(p, 0):.2f} / {w['phase_cpu'].get(p, 0):.2f}"
            for p in ("decide", "send")
        )
        lines.append(
            f"| {s.database} | {s.transport} | {s.people:,} | {cells} "
            f"| {w['rss_before_tick_mib']:.0f} / {w['rss_after_tick_mib']:.0f} "
            f"| {s.seed_seconds:.1f} |"
        )
    return lines


def idle_table(scenarios: Sequence[Scenario]) -> list[str]:
    lines = [
        "| database | people | due rows in the queue | idle tick CPU median / p90 (ms) "
        "| idle tick wall median / p90 (ms) | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in scenarios:
        w = s.worker
        if not w or s.transport != "idle":
            continue
        rows = sum(s.drained.get("rows", {}).values())
        lines.append(
            f"| {s.database} | {s.people:,} | {rows:,} "
            f"| {_median_ms(w['idle_cpu']):.2f} / {_percentile_ms(w['idle_cpu'], 0.9):.2f} "
            f"| {_median_ms(w['idle_wall']):.2f} / {_percentile_ms(w['idle_wall'], 0.9):.2f} "
            f"| {w['peak_rss_process_mib']:.0f} |"
        )
    return lines


def baseline_table(baselines: Sequence[tuple[int, dict[str, Any]]]) -> list[str]:
    lines = [
        "| people | jobs | start-up wall (s) | start-up CPU (s) | RSS delta (MiB) "
        "| RSS after (MiB) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for people, b in baselines:
        lines.append(
            f"| {people:,} | {b['jobs']:,} | {b['startup_wall']:.2f} | {b['startup_cpu']:.2f} "
            f"| {b['rss_delta_mib']:.0f} | {b['rss_after_mib']:.0f} |"
        )
    return lines


def goal_lines(scenarios: Sequence[Scenario]) -> list[str]:
    done = [s for s in scenarios if s.worker]
    if not done:
        return []
    biggest = max(s.people for s in done)
    lines: list[str] = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    for s in done:
        if s.transport == "record" and s.people == biggest:
            rate = _rate(s)
            who = "per worker" if s.workers == 1 else f"with {s.workers} workers together"
            lines.append(
                f"- >= {GOAL_RECORD:,.0f} messages/s {who} with the recording transport, "
                f"{s.database}, {s.people:,} people: {verdict(rate >= GOAL_RECORD)} "
                f"({rate:,.0f}/s)"
            )
    for s in done:
        peak = s.worker["peak_rss_process_mib"]
        lines.append(
            f"- peak RSS <= {GOAL_RSS_MIB:.0f} MiB, {s.name}: "
            f"{verdict(peak <= GOAL_RSS_MIB)} ({peak:.0f} MiB)"
        )
    for s in done:
        if s.people == biggest:
            idle = _median_ms(s.worker["idle_cpu"])
            lines.append(
                f"- idle tick < {GOAL_IDLE_CPU_MS:.0f} ms CPU, {s.name}: "
                f"{verdict(idle < GOAL_IDLE_CPU_MS)} ({idle:.2f} ms median)"
            )
    return lines


# ----------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--people", type=int, nargs="+", default=[2_000], help="N (several for a series)"
    )
    parser.add_argument(
        "--database", choices=("sqlite", "postgresql", "both"), default="both", help="default both"
    )
    parser.add_argument(
        "--transport",
        choices=("http", "record", "both", "none"),
        default="both",
        help="default both; none: no drain (with --baseline: the baseline alone)",
    )
    parser.add_argument("--baseline", action="store_true", help="add the JobQueue baseline")
    parser.add_argument(
        "--idle-only",
        action="store_true",
        help="no drain: seed the queue as a drain leaves it (nothing due) and time idle ticks",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=BATCH_SIZE,
        help="Dispatcher batch_size (default: the bot's own)",
    )
    parser.add_argument(
        "--concurrent-chats",
        type=int,
        default=CONCURRENT_CHATS,
        help="Dispatcher concurrent_chats (default: the bot's own)",
    )
    parser.add_argument("--idle-ticks", type=int, default=50, help="idle ticks to time")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the drain (slower), print to stderr"
    )
    parser.add_argument("--profile-top", type=int, default=30)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes draining together (PostgreSQL only; the figures are their sum)",
    )
    parser.add_argument("--timeout", type=float, default=3_600, help="seconds per worker")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--role", choices=("main", "worker", "server", "baseline"), default="main")
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--api-base-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if (
        args.role == "main"
        and args.workers > 1
        and (args.database != "postgresql" or args.idle_only or args.profile)
    ):
        parser.error("--workers needs --database postgresql, and no --idle-only or --profile")
    if args.role != "main":
        args.people = args.people[0]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.role == "worker":
        print(json.dumps(asyncio.run(run_worker(args))))
        return 0
    if args.role == "baseline":
        print(json.dumps(asyncio.run(run_baseline(args))))
        return 0
    if args.role == "server":
        import bot_api_process

        bot_api_process.main(TOKEN, FIRST_CHAT, args.people)
        return 0

    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    transports = {"both": ["http", "record"], "none": []}.get(args.transport, [args.transport])
    environment = environment_report(databases)
    print("\n".join(["## Machine and versions", *environment]), flush=True)
    if args.idle_only:
        transports = ["idle"]
    scenarios = [
        Scenario(people, database, transport, args.workers)
        for people in args.people
        for database in databases
        for transport in transports
    ]
    for scenario in scenarios:
        run_scenario(scenario, args)
    baselines: list[tuple[int, dict[str, Any]]] = []
    if args.baseline:
        for people in args.people:
            print(f"-- JobQueue baseline, {people:,} people", file=sys.stderr, flush=True)
            baselines.append(
                (people, _run_json(_child("baseline", args, "--people", str(people)), args.timeout))
            )
    command = "python bench/dispatch.py " + " ".join(sys.argv[1:] if argv is None else list(argv))
    report = [
        "",
        f"## Results (`{command.strip()}`)",
        "",
        "Rates are per worker (one process, one event loop). messages/s = messages the Bot API "
        "received / wall time of the draining tick; decided/s = due rows decided into the "
        "outbox / wall time of Dispatcher.decide; sent/s = outbox messages sent / wall time of "
        "Sender.deliver_due.",
        "",
        *scenario_table(scenarios),
        "",
        "Where the drain's time goes:",
        "",
        *phase_table(scenarios),
    ]
    if args.workers > 1:
        report += [
            "",
            f"{args.workers} workers drained each queue together: messages/s above is all of "
            "them over the span from the first start to the last end, the step rates are "
            "rows over the workers' summed time in that step. Each worker:",
            "",
            *worker_table(scenarios),
        ]
    if any(s.transport == "idle" for s in scenarios):
        report += ["", "Idle ticks (nothing due):", "", *idle_table(scenarios)]
    if baselines:
        report += ["", "JobQueue baseline (one `run_daily` job per person):", ""]
        report += baseline_table(baselines)
    report += ["", "Goals:", "", *goal_lines(scenarios)]
    problems = [f"{s.name}: {problem}" for s in scenarios for problem in s.problems]
    if problems:
        report += ["", "CORRECTNESS PROBLEMS:", *problems]
    print("\n".join(report), flush=True)
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "environment": environment,
                    "scenarios": [s.__dict__ for s in scenarios],
                    "baselines": baselines,
                },
                indent=2,
                default=str,
            )
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
