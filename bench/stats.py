"""The operator-insight benchmark: /stats, /alerts and /export over a large history.

    python bench/stats.py                                   # 100,000 people, 1,000,000 check-ins
    python bench/stats.py --people 10000 --checkins 100000  # a quick look

For each database (a SQLite file, a fresh PostgreSQL database dropped afterwards) the history
is seeded with Core bulk inserts (timed, not part of the figures): people in every status, one
episode each with onsets over the last 160 days, check-ins on the cadence's days (daily to day
14, every other day to 42, weekly to 84) up to today, answered, missed or open, pain easing
with time, a few red flags and the escalations they fired, recoveries by severity. Then a fresh
process, so that the seeding's memory does not count, times:

- ``collect_stats``: median of ``--runs`` runs (the first, cold, reported apart);
- ``latest_alerts`` (20) with ``format_alerts``, ``format_stats`` and ``render_stats_chart``
  (the first chart pays for importing matplotlib, reported apart);
- ``write_export`` into a temporary file: rows/s, CSV and output sizes, and the process's
  resident memory before the export and at its peak during it (VmHWM, reset just before).

Goal: /stats answers in under 2 s on both databases, and the export streams (its peak memory
does not grow with the number of rows).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import proc_stats
from dispatch import environment_report, fresh_database
from sqlalchemy import insert, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.care import RED_FLAG_LEVEL, RedFlag, rule
from bot.care.localtime import local_instant
from bot.db.engine import create_engine, session_factory
from bot.db.models import (
    CheckIn,
    CheckInStatus,
    Episode,
    EpisodeStatus,
    Escalation,
    Person,
    PersonStatus,
)

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parent.parent
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
"""The benchmark's clock: a Wednesday, 18:00 in London (UTC in winter)."""
ZONE = ZoneInfo("Europe/London")
CHECKIN_TIME = clock_time(9, 0)
FIRST_CHAT = 20_000_000
CHUNK = 10_000
GOAL_STATS_S = 2.0
CADENCE = [*range(15), *range(16, 43, 2), *range(49, 85, 7)]
SEVERITY_DAYS = {"mild": (5, 20), "moderate": (15, 50), "severe": (40, 120)}


# ----------------------------------------------------------------- seeding


def _history(people: int, checkins: int, seed: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(table, rows) chunks of a deterministic history with exactly ``checkins`` check-ins."""
    rng = random.Random(seed)
    ages = [rng.randint(0, 160) for _ in range(people)]
    available = [sum(1 for day in CADENCE if day <= age) for age in ages]
    # Some people answer a few days and stop, some stay to the end; then the total is made
    # exact by taking or adding one check-in per person, round after round.
    wanted = [min(n, rng.randint(1, 2 * checkins // people)) for n in available]
    step = 1 if sum(wanted) < checkins else -1
    while (gap := checkins - sum(wanted)) != 0:
        movable = [i for i in range(people) if 1 <= wanted[i] + step <= available[i]]
        if not movable:
            raise SystemExit(f"{people} people cannot hold {checkins} check-ins; add people")
        for i in movable[: abs(gap)]:
            wanted[i] += step
    slow = [rng.random() < 0.25 for _ in range(people)]
    worse = [rng.random() < 0.03 for _ in range(people)]

    persons: list[dict[str, Any]] = []
    episodes: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    escalations: list[dict[str, Any]] = []
    check_in_id = 0
    for i in range(people):
        person_id = i + 1
        onset_day = NOW.astimezone(ZONE).date() - timedelta(days=ages[i])
        onset = local_instant(onset_day, clock_time(rng.randint(6, 20), 0), ZONE)
        baseline = rng.choice([2, 3, 4, 5, 5, 6, 6, 7, 7, 8, 9])
        severity = "mild" if baseline <= 3 else "severe" if baseline >= 7 else "moderate"
        low, high = SEVERITY_DAYS[severity]
        recovery_day = rng.randint(low, high)
        recovered = recovery_day <= ages[i] and rng.random() < 0.6
        status = rng.choices(
            [PersonStatus.ACTIVE, PersonStatus.PAUSED, PersonStatus.STOPPED],
            weights=[75, 10, 15],
        )[0]
        persons.append(
            {
                "id": person_id,
                "telegram_user_id": FIRST_CHAT + i,
                "chat_id": FIRST_CHAT + i,
                "language": "en",
                "timezone": ZONE.key,
                "checkin_time": CHECKIN_TIME,
                "consent_at": onset,
                "consent_version": "2026-11",
                "age_band": "16-49",
                "referral_source": None,
                "status": status,
                "missed_in_a_row": 0,
                "blocked_at": onset + timedelta(days=3) if rng.random() < 0.02 else None,
                "created_at": onset,
            }
        )
        episodes.append(
            {
                "id": person_id,
                "person_id": person_id,
                "onset_at": onset,
                "mechanism": "lifting",
                "activity": "limited",
                "severity": severity,
                "baseline_pain": baseline,
                "protocol": "seed",
                "first_episode": True,
                "enrolment_red_flags": [],
                "milestones_done": [],
                "status": EpisodeStatus.RECOVERED if recovered else EpisodeStatus.ACTIVE,
                "started_at": onset,
                "recovered_at": onset + timedelta(days=recovery_day, hours=rng.randint(0, 23))
                if recovered
                else None,
                "ended_at": None,
            }
        )
        for day in [d for d in CADENCE if d <= ages[i]][: wanted[i]]:
            check_in_id += 1
            local_day = onset_day + timedelta(days=day)
            sent = _nine_am(local_day)
            if sent > NOW:  # today's onset: the check-in is asked at once
                sent = NOW - timedelta(minutes=5)
            state = rng.choices(
                [CheckInStatus.ANSWERED, CheckInStatus.MISSED, CheckInStatus.SENT],
                weights=[80, 15, 5],
            )[0]
            answered = state is CheckInStatus.ANSWERED
            answered_at = min(NOW, sent + timedelta(minutes=rng.randint(1, 300)))
            flags: list[str] = []
            if answered and rng.random() < 0.004:
                flags = [rng.choice(list(RedFlag)).value]
            eased = baseline + 2 if worse[i] else baseline - day // (12 if slow[i] else 3)
            pain = max(0, min(10, eased + rng.randint(-1, 1))) if answered else None
            rows.append(
                {
                    "id": check_in_id,
                    "episode_id": person_id,
                    "person_id": person_id,
                    "slot": local_day.isoformat(),
                    "day": day,
                    "due_at": sent,
                    "sent_at": sent,
                    "answered_at": answered_at if answered else None,
                    "status": state,
                    "pain": pain,
                    "red_flags": flags,
                    "walked": rng.random() < 0.6 if answered else None,
                    "note": "Seeded note, never exported" if answered and day == 3 else None,
                }
            )
            fired = [(flag, RED_FLAG_LEVEL[RedFlag(flag)]) for flag in flags]
            if answered and day == 14 and pain is not None and baseline - pain < 2:
                fired.append(("TR-NO-IMPROVE-14", rule("TR-NO-IMPROVE-14").level))
            if answered and pain is not None and pain >= baseline + 2:
                fired.append(("TR-WORSE", rule("TR-WORSE").level))
            for rule_id, level in fired:
                escalations.append(
                    {
                        "person_id": person_id,
                        "episode_id": person_id,
                        "check_in_id": check_in_id,
                        "rule_id": rule_id,
                        "level": int(level),
                        "facts": {"pain": pain},
                        "created_at": answered_at,
                        "sent_at": answered_at + timedelta(seconds=1)
                        if rng.random() < 0.97
                        else None,
                    }
                )
            if len(rows) >= CHUNK:
                yield from _flush(persons, episodes, rows, escalations)
    yield from _flush(persons, episodes, rows, escalations)


@functools.cache
def _nine_am(day: date) -> datetime:
    return local_instant(day, CHECKIN_TIME, ZONE)


def _flush(*tables: list[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for name, rows in zip(("people", "episodes", "check_ins", "escalations"), tables, strict=True):
        if rows:
            yield name, list(rows)
            rows.clear()


async def seed(engine: AsyncEngine, people: int, checkins: int) -> dict[str, int]:
    tables = {
        "people": Person.__table__,
        "episodes": Episode.__table__,
        "check_ins": CheckIn.__table__,
        "escalations": Escalation.__table__,
    }
    counts = dict.fromkeys(tables, 0)
    for name, rows in _history(people, checkins, seed=20261125):
        async with engine.begin() as connection:
            await connection.execute(insert(tables[name]), rows)
        counts[name] += len(rows)
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            for name in ("people", "episodes", "check_ins", "escalations"):
                await connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                )
        await connection.exec_driver_sql("ANALYZE")
    if engine.dialect.name == "postgresql":
        # Like autovacuum would: the visibility map lets index-only scans skip the heap.
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        async with autocommit.connect() as connection:
            await connection.exec_driver_sql("VACUUM ANALYZE")
    return counts


# ----------------------------------------------------------------- measuring (child process)


async def measure(url: str, runs: int, chart_path: str) -> dict[str, Any]:
    from bot.config import load_settings
    from bot.insight.alerts import format_alerts, latest_alerts
    from bot.insight.export import write_export
    from bot.insight.stats import collect_stats, format_stats
    from bot.insight.stats_chart import render_stats_chart

    settings = load_settings(database_url=url, admin_pseudonym_secret="bench-secret")
    engine = create_engine(url)
    sessions = session_factory(engine)
    report: dict[str, Any] = {"rss_start_mib": proc_stats.rss_mib()}
    try:
        stats_s = []
        for _ in range(runs + 1):
            async with sessions() as session:
                started = time.perf_counter()
                stats = await collect_stats(session, NOW, ZONE)
                stats_s.append(time.perf_counter() - started)
        report["stats_cold_s"], report["stats_s"] = stats_s[0], stats_s[1:]
        alerts_s = []
        for _ in range(runs):
            async with sessions() as session:
                started = time.perf_counter()
                alerts = await latest_alerts(session, settings, limit=20)
                format_alerts(alerts, ZONE)
                alerts_s.append(time.perf_counter() - started)
        report["alerts_s"] = alerts_s
        started = time.perf_counter()
        stats_text = format_stats(stats)
        report["format_stats_s"] = time.perf_counter() - started
        report["stats_text_chars"] = len(stats_text)
        chart_s = []
        for _ in range(runs + 1):
            started = time.perf_counter()
            png = render_stats_chart(stats)
            chart_s.append(time.perf_counter() - started)
        report["chart_first_s"], report["chart_s"] = chart_s[0], chart_s[1:]
        report["chart_bytes"] = len(png)
        if chart_path:
            await asyncio.to_thread(Path(chart_path).write_bytes, png)
        report["stats_text"] = stats_text

        report["rss_before_export_mib"] = proc_stats.rss_mib()
        report["peak_reset"] = proc_stats.reset_peak()
        writes: list[float] = []
        exporting = asyncio.Event()

        async def bot_writes() -> None:
            """What the bot goes on doing during an export: a small write twice a second."""
            while not exporting.is_set():
                started = time.perf_counter()
                async with sessions.begin() as session:
                    await session.execute(
                        update(Person).where(Person.id == 1).values(missed_in_a_row=0)
                    )
                writes.append(time.perf_counter() - started)
                await asyncio.sleep(0.5)

        with tempfile.TemporaryFile() as out:
            writer = asyncio.create_task(bot_writes())
            async with sessions() as session:
                started, cpu = time.perf_counter(), time.process_time()
                result = await write_export(session, settings, out)
                report["export_s"] = time.perf_counter() - started
                report["export_cpu_s"] = time.process_time() - cpu
            exporting.set()
            await writer
        report["writes_during_export"] = len(writes)
        report["slowest_write_during_export_s"] = max(writes, default=0.0)
        report["peak_rss_export_mib"] = proc_stats.peak_rss_mib()
        report["export"] = {
            "rows": result.rows,
            "csv_bytes": result.csv_bytes,
            "bytes_written": result.bytes_written,
            "compressed": result.compressed,
            "fits_telegram": result.fits_telegram,
        }
        async with engine.connect() as connection:
            report["plans"] = await plans(connection)
    finally:
        await engine.dispose()
    return report


async def plans(connection: Any) -> dict[str, str]:
    """The query plans of the stats queries that read the big tables, for the report."""
    week = "'2026-11-19 00:00:00'"
    queries = {
        "sent in 7 days": f"SELECT count(*), count(answered_at) FROM check_ins "
        f"WHERE sent_at >= {week} AND sent_at < '2026-11-26 00:00:00'",
        "pain at day 7/14": "SELECT day, pain, count(*) FROM check_ins WHERE day IN (7, 14) "
        "AND status = 'answered' AND pain IS NOT NULL GROUP BY day, pain",
        "alerts": "SELECT person_id, rule_id FROM escalations WHERE level IN (3, 2) "
        "ORDER BY created_at DESC, id DESC LIMIT 20",
    }
    found = {}
    for name, query in queries.items():
        if connection.dialect.name == "sqlite":
            rows = await connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))
            found[name] = "; ".join(str(row[-1]) for row in rows)
        else:
            rows = await connection.execute(text(f"EXPLAIN {query}"))
            found[name] = "; ".join(str(row[0]).strip() for row in rows)
    return found


# ----------------------------------------------------------------- main


def run_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    from bot.db.migrate import upgrade_to_head

    with fresh_database(kind) as url:
        upgrade_to_head(url)
        print(f"-- {kind}: seeding", file=sys.stderr, flush=True)
        engine = create_engine(url)
        started = time.perf_counter()
        counts = asyncio.run(_seed(engine, args.people, args.checkins))
        seed_s = time.perf_counter() - started
        print(f"   seeded {counts} in {seed_s:.1f} s", file=sys.stderr, flush=True)
        completed = subprocess.run(
            [
                sys.executable,
                str(SCRIPT),
                "--role",
                "measure",
                "--url",
                url,
                "--runs",
                str(args.runs),
                "--chart",
                args.chart.replace("{database}", kind),
            ],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        result = dict(json.loads(completed.stdout.strip().splitlines()[-1]))
        result.update(database=kind, seed_s=seed_s, counts=counts)
        print(f"   stats median {statistics.median(result['stats_s']):.3f} s", file=sys.stderr)
        return result


async def _seed(engine: AsyncEngine, people: int, checkins: int) -> dict[str, int]:
    try:
        return await seed(engine, people, checkins)
    finally:
        await engine.dispose()


def _ms(values: Sequence[float] | float) -> str:
    value = statistics.median(values) if isinstance(values, list) else float(values)  # type: ignore[arg-type]
    return f"{value * 1000:,.0f}"


def report_lines(results: Sequence[dict[str, Any]], args: argparse.Namespace) -> list[str]:
    lines = [
        f"### Results (`python bench/stats.py --people {args.people} --checkins {args.checkins}"
        f" --runs {args.runs}`)",
        "",
        "Times in ms, medians of the runs (the first /stats and the first chart apart: cold "
        "caches, and the chart's first call imports matplotlib).",
        "",
        "| database | people | check-ins | escalations | seed (s) | /stats cold | /stats median "
        "| /stats max | alerts (20) | format_stats | chart first | chart | chart PNG (KiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        c = r["counts"]
        lines.append(
            f"| {r['database']} | {c['people']:,} | {c['check_ins']:,} | {c['escalations']:,} "
            f"| {r['seed_s']:.0f} | {_ms(r['stats_cold_s'])} | **{_ms(r['stats_s'])}** "
            f"| {_ms(max(r['stats_s']))} | {_ms(r['alerts_s'])} | {r['format_stats_s'] * 1000:.2f} "
            f"| {_ms(r['chart_first_s'])} | {_ms(r['chart_s'])} | {r['chart_bytes'] / 1024:.0f} |"
        )
    lines += [
        "",
        "Export (`write_export` into a temporary file; peak RSS is VmHWM, reset just before):",
        "",
        "| database | rows | wall (s) | CPU (s) | rows/s | CSV (MB) | sent (MB) | gzip "
        "| RSS before (MiB) | peak RSS during (MiB) | bot writes meanwhile | slowest (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        e = r["export"]
        lines.append(
            f"| {r['database']} | {e['rows']:,} | {r['export_s']:.1f} | {r['export_cpu_s']:.1f} "
            f"| **{e['rows'] / r['export_s']:,.0f}** | {e['csv_bytes'] / 1e6:.1f} "
            f"| {e['bytes_written'] / 1e6:.1f} | {'yes' if e['compressed'] else 'no'} "
            f"| {r['rss_before_export_mib']:.0f} | {r['peak_rss_export_mib']:.0f} "
            f"| {r['writes_during_export']} | {r['slowest_write_during_export_s'] * 1000:.0f} |"
        )
    lines += ["", "Goals:", ""]
    for r in results:
        median = statistics.median(r["stats_s"])
        verdict = "met" if median < GOAL_STATS_S else "NOT met"
        lines.append(
            f"- {r['database']}: /stats {median:.2f} s median against {GOAL_STATS_S:.0f} s: "
            f"{verdict}; export peak RSS {r['peak_rss_export_mib']:.0f} MiB for "
            f"{r['export']['rows']:,} rows"
        )
    lines += ["", "Plans of the queries over the big tables:", ""]
    for r in results:
        for name, plan in r["plans"].items():
            lines.append(f"- {r['database']}, {name}: `{plan}`")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--checkins", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--role", default="main", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument(
        "--chart", default="", help="save the stats PNG here; {database} becomes its name"
    )
    args = parser.parse_args(argv)
    if args.role == "measure":
        print(json.dumps(asyncio.run(measure(args.url, args.runs, args.chart))))
        return 0
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print("\n".join(["## Machine and versions", *environment_report(databases)]), flush=True)
    results = [run_database(kind, args) for kind in databases]
    print("\n".join(["", *report_lines(results, args)]), flush=True)
    print("\n/stats text (" + results[0]["database"] + "):\n\n" + results[0]["stats_text"])
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
