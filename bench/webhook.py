"""Webhook mode under load: check-in answers posted to one or two web processes on loopback.

    python bench/webhook.py                                   # every database x process count
    python bench/webhook.py --database postgresql --processes 2 --rate 200

What it measures: how many answers a second ``python -m bot webhook`` takes and handles, and
how long a person waits for the reply, with the bot's default settings.

How: a fresh database (a SQLite file, or a PostgreSQL database dropped afterwards), migrated by
the bot's own ``python -m bot migrate`` and seeded as ``bench/load.py`` seeds it: ``--people``
enrolled people, each with today's check-in open at the pain question. This process runs the
fake Telegram Bot API server and starts ``--processes`` web processes as an operator does
(``python -m bot webhook``, ``WEB_PUBLIC_URL`` on 127.0.0.1); once each answers ``/readyz``,
the test takes over Telegram's part: every update a person makes is posted, as Telegram posts
it (the secret path, the secret header), to the processes in turn. The people go round the
check-in as in ``bench/load.py`` (type 5, tap No, tap walked, tap Skip, ``/checkin``).

Two loads: ``max`` (every person acts again as soon as the reply arrives: the most the
processes take) and ``--rate`` answers a second (each person thinks, so the people together
offer that rate). Reported per run: answers/s handled (a reply arrived), the post's answer time
(the webhook's 200) and the reply latency (the post to the first message of the reply at the
fake server) at p50 / p99, lost (no reply within 30 s), CPU of each web process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from load import (
    AGAIN,
    CYCLE,
    FIRST_ACTIVE_CHAT,
    LoadTelegram,
    act,
    bot_environment,
    migrate,
    percentile,
    process_cpu,
    seed,
)
from machine import code_version, fresh_database, machine_lines

from bot.fake_telegram import Person as Someone
from bot.telegram.webhook import SECRET_HEADER, webhook_path

# The tests' loopback helpers; the repository root holds them (as bench/dispatch.py's seeding).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.network import first_answer, free_port

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-webhook-secret"
GIVE_UP_AFTER = 30.0
GOAL_ANSWERS = 500.0
GOAL_P99_AT_RATE = 0.100


@dataclass
class Result:
    database: str
    processes: int
    load: str
    people: int
    seconds: float
    answered: int = 0
    lost: int = 0
    post: list[float] = field(default_factory=list)
    reply: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


@dataclass
class Pump:
    """Telegram's part: each queued update posted to the next web process."""

    api: LoadTelegram
    hooks: list[str]
    client: httpx.AsyncClient
    result: Result
    measuring: bool = False
    turn: int = 0

    async def run(self) -> None:
        while True:
            await self.api.updates.wait_changed(None)
            for update in self.api.take_updates():
                self.turn += 1
                asyncio.get_running_loop().create_task(self._post(update, self.turn))

    async def _post(self, update: dict[str, Any], turn: int) -> None:
        started = time.monotonic()
        hook = self.hooks[turn % len(self.hooks)]
        response = await self.client.post(hook, json=update, headers={SECRET_HEADER: SECRET})
        if response.status_code != 200:
            raise RuntimeError(f"the webhook answered {response.status_code}")
        if self.measuring:
            self.result.post.append(time.monotonic() - started)


async def person_loop(
    person: Someone, rng: random.Random, think: float, pump: Pump, stop: asyncio.Event
) -> None:
    await asyncio.sleep(rng.uniform(0, think))
    step = 0
    while not stop.is_set():
        mark = person.mark()
        started = time.monotonic()
        try:
            await act(person, step, rng)
        except AssertionError:
            step = AGAIN
            continue
        measured = pump.measuring
        ready = CYCLE[step][1]
        try:
            first = await person.replies_since(mark, 1, timeout=GIVE_UP_AFTER)
            if measured:
                pump.result.reply.append(first[0].sent_at - started)
                pump.result.answered += 1
            while not ready(person.messages[mark:]):
                left = started + GIVE_UP_AFTER - time.monotonic()
                await person.replies_since(mark, len(person.messages) - mark + 1, timeout=left)
            step = (step + 1) % len(CYCLE)
        except TimeoutError:
            if measured:
                pump.result.lost += 1
            step = AGAIN
        if think:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))


async def run_one(result: Result, url: str, think: float, warmup: float, workdir: Path) -> None:
    now = datetime.now(UTC)
    migrate(REPO, url, workdir)
    await seed(url, 0, result.people, now, now)
    api = LoadTelegram()
    async with api:
        env = bot_environment(REPO, url, api.base_url)
        processes = []
        hooks = []
        for number in range(result.processes):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            log = (workdir / f"web{number}.log").open("wb")
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "webhook",
                    cwd=workdir,
                    env={
                        **env,
                        "WEB_PUBLIC_URL": base,
                        "WEB_SECRET": SECRET,
                        "WEB_PORT": str(port),
                        "WEB_HOST": "127.0.0.1",
                    },
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=log,
                )
            )
            hooks.append(base + webhook_path(SECRET))
        try:
            async with httpx.AsyncClient(
                limits=httpx.Limits(max_connections=200), timeout=GIVE_UP_AFTER
            ) as client:
                for hook in hooks:
                    await _ready(client, hook.split("/telegram/")[0])
                await api.stop_webhook()  # the benchmark posts from here on
                api.webhook = {}
                pump = Pump(api, hooks, client, result)
                pumping = asyncio.get_running_loop().create_task(pump.run())
                stop = asyncio.Event()
                rng = random.Random(20261130)
                people = [
                    api.person(FIRST_ACTIVE_CHAT + index, f"P{index}")
                    for index in range(result.people)
                ]
                tasks = [
                    asyncio.get_running_loop().create_task(
                        person_loop(person, rng, think, pump, stop)
                    )
                    for person in people
                ]
                await asyncio.sleep(warmup)
                cpu_before = [process_cpu(p.pid) for p in processes]
                pump.measuring = True
                await asyncio.sleep(result.seconds)
                pump.measuring = False
                result.cpu = [
                    (process_cpu(p.pid) - before) / result.seconds
                    for p, before in zip(processes, cpu_before, strict=True)
                ]
                stop.set()
                await asyncio.wait(tasks, timeout=GIVE_UP_AFTER)
                pumping.cancel()
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                await asyncio.wait_for(process.wait(), 30)


async def _ready(client: httpx.AsyncClient, base: str) -> None:
    answer = await first_answer(client, base + "/readyz", timeout=60)
    if answer.status_code != 200:
        raise RuntimeError(f"{base} is not ready: {answer.text}")


def _ms(values: list[float], fraction: float) -> str:
    return f"{percentile(values, fraction) * 1000:,.0f}" if values else "-"


def table(results: list[Result]) -> list[str]:
    lines = [
        "| database | web processes | load | people | answers/s | post p50 / p99 (ms) "
        "| reply p50 / p99 (ms) | lost | CPU per process |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        cpu = ", ".join(f"{c:.0%}" for c in r.cpu)
        lines.append(
            f"| {r.database} | {r.processes} | {r.load} | {r.people:,} "
            f"| {r.answered / r.seconds:,.1f} | {_ms(r.post, 0.5)} / {_ms(r.post, 0.99)} "
            f"| {_ms(r.reply, 0.5)} / {_ms(r.reply, 0.99)} | {r.lost} | {cpu} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rate", type=float, default=200.0, help="answers/s offered (default 200)")
    parser.add_argument(
        "--max-people",
        type=int,
        default=800,
        help="people in the max load, each acting again at their reply (Telegram's 1 message a "
        "second a chat caps each at 1 answer/s, so this bounds the max load's rate)",
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    think = 10.0
    results = []
    for database in databases:
        for processes in args.processes:
            if database == "sqlite" and processes > 1:
                continue  # several web processes share PostgreSQL only
            loads = [("max", args.max_people, 0.0), (f"{args.rate:g}/s", 0, think)]
            for load, people, thinking in loads:
                people = people or round(args.rate * (think + 1))  # one reply's wait a turn
                result = Result(database, processes, load, people, args.seconds)
                workdir = Path(tempfile.mkdtemp(prefix="backcheck-webhook-"))
                with fresh_database(database, "webhook") as url:
                    asyncio.run(run_one(result, url, thinking, args.warmup, workdir))
                print(table([result])[-1], flush=True)
                results.append(result)
    print()
    print(f"## Results (`python bench/webhook.py {' '.join(sys.argv[1:])}`)".replace(" `)", "`)"))
    print()
    print(*machine_lines(databases), sep="\n")
    print(f"- code: {code_version(REPO)}")
    print()
    print(*table(results), sep="\n")
    print()
    for r in results:
        if r.load == "max" and r.database == "postgresql":
            per = r.answered / r.seconds / r.processes
            verdict = "met" if per >= GOAL_ANSWERS else "NOT met"
            print(
                f"- >= {GOAL_ANSWERS:.0f} answers/s per process, {r.processes} process(es): "
                f"{verdict} ({per:,.1f})"
            )
        if r.load != "max":
            p99 = percentile(r.reply, 0.99) if r.reply else float("inf")
            verdict = "met" if p99 < GOAL_P99_AT_RATE else "NOT met"
            print(
                f"- reply p99 < 100 ms at {r.load}, {r.database}, {r.processes} process(es): "
                f"{verdict} ({p99 * 1000:,.0f} ms)"
            )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
