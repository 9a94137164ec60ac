"""``python -m bot run`` and ``python -m bot worker`` as an operator runs them: separate
processes against the fake Telegram, stopped by a signal or killed, their log kept in a file.

And what the fault suite reads back afterwards: what each person received (counted at the fake
server) and what the database still owes.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.care import Level
from bot.conversation.turn import Outgoing
from bot.db.engine import session_factory
from bot.db.models import (
    DueMessage,
    DueStatus,
    Episode,
    Escalation,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Person,
)
from bot.fake_telegram import FakeTelegram
from bot.fake_telegram.person import Person as ChatPerson
from bot.queue import outbox
from tests.support.command_line import REPO, environment

EMERGENCY = "EMERGENCY"
"""How the seeded escalation messages start (the check-ins start ``Check-in``)."""
CHECK_IN = "Check-in"
TROUBLE = (
    "Task was destroyed",
    "Traceback",
    "Exception in thread",
    "Exception ignored",
    " ERROR ",
    " CRITICAL ",
)
"""What a clean stop never logs: a task cut off, an exception, a thread that died, an error
(such as sent messages left unmarked)."""


@dataclass
class BotProcess:
    """A running ``python -m bot ...``; its stderr (the log) goes to ``log``."""

    process: asyncio.subprocess.Process
    log: Path

    async def exit_code(self, timeout: float) -> int:  # noqa: ASYNC109
        """The exit code, once the process has exited (``TimeoutError`` after ``timeout``)."""
        return await asyncio.wait_for(self.process.wait(), timeout)

    def signal(self, number: signal.Signals) -> None:
        self.process.send_signal(number)

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is handed back."""
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def trouble(self) -> list[str]:
        """The log's lines that a clean stop never writes."""
        return [line for line in self.stderr().splitlines() if any(t in line for t in TROUBLE)]


@asynccontextmanager
async def bot_process(
    api: FakeTelegram, database_url: str, log: Path, *arguments: str, **settings: str
) -> AsyncIterator[BotProcess]:
    """``python -m bot ARGUMENTS`` on ``database_url`` against ``api``, with these settings
    (environment variables) on top of the tests' own; killed on the way out if still running."""
    env = environment(
        **{
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "DATABASE_URL": database_url,
            "DEFAULT_TIMEZONE": "Europe/London",
            "TELEGRAM_RATE_LIMITS": "false",
            **settings,
        }
    )
    with log.open("ab") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *arguments,
            env=env,
            cwd=REPO,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )
    running = BotProcess(process, log)
    try:
        yield running
    finally:
        await running.kill()


def got(chat: ChatPerson, prefix: str) -> bool:
    """Whether the chat has received a message starting with ``prefix``."""
    return any((message.text or "").startswith(prefix) for message in chat.messages)


def received(chats: Iterable[ChatPerson]) -> int:
    """Every message the bot sent to these chats, duplicates included."""
    return sum(len(chat.messages) for chat in chats)


@dataclass(frozen=True)
class Tally:
    """What people received against what they were owed: each owed message is one kind of
    message to one chat (its check-in, its EMERGENCY)."""

    owed: int
    sent: int
    """Messages that arrived, duplicates included."""
    lost: int
    """Owed messages that never arrived."""
    duplicated: int
    """Arrivals beyond the first of an owed message."""
    unexpected: int
    """Messages that match nothing owed."""
    most_to_one: int
    """The most times one owed message arrived."""

    def line(self, label: str) -> str:
        return (
            f"{label}: owed {self.owed}, sent {self.sent}, lost {self.lost}, "
            f"duplicated {self.duplicated}, unexpected {self.unexpected}, "
            f"most copies of one message {self.most_to_one}"
        )


def tally(owed: Mapping[int, Sequence[str]], chats: Iterable[ChatPerson]) -> Tally:
    """``owed``: each chat's messages, by how their text starts."""
    by_chat = {chat.chat_id: chat for chat in chats}
    sent = lost = duplicated = unexpected = most = 0
    for chat_id, prefixes in owed.items():
        texts = [message.text or "" for message in by_chat[chat_id].messages]
        sent += len(texts)
        counts = Counter(
            next((prefix for prefix in prefixes if text.startswith(prefix)), None) for text in texts
        )
        unexpected += counts.pop(None, 0)
        for prefix in prefixes:
            lost += counts[prefix] == 0
            duplicated += max(0, counts[prefix] - 1)
            most = max(most, counts[prefix])
    total = sum(len(prefixes) for prefixes in owed.values())
    return Tally(total, sent, lost, duplicated, unexpected, most)


async def seed_emergencies(engine: AsyncEngine, user_ids: Sequence[int], now: datetime) -> None:
    """An EMERGENCY escalation owed to each of these (seeded) people: its ``escalations`` row
    and its outbox message, as :mod:`bot.conversation.escalate` writes them in a turn."""
    async with session_factory(engine).begin() as session:
        people = (
            await session.execute(
                select(Person.id, Person.chat_id, Episode.id)
                .join(Episode, Episode.person_id == Person.id)
                .where(Person.telegram_user_id.in_(user_ids))
                .order_by(Person.id)
            )
        ).all()
        rows = [
            Escalation(
                person_id=person_id,
                episode_id=episode_id,
                check_in_id=None,
                rule_id="RF-CES-BLADDER",
                level=int(Level.EMERGENCY),
                facts={"seeded": True},
                created_at=now,
            )
            for person_id, _chat_id, episode_id in people
        ]
        session.add_all(rows)
        await session.flush()
        letters = []
        for (person_id, chat_id, _episode_id), row in zip(people, rows, strict=True):
            note = f"EMERGENCY escalation: person {person_id}, rule RF-CES-BLADDER."
            message = Outgoing(
                f"{EMERGENCY}: call 999 now ({row.id}).",
                escalation_ids=(row.id,),
                escalation_note=note,
            )
            letters.append(
                outbox.Letter(chat_id, person_id, OutboxKind.ESCALATION, message.to_payload())
            )
        await outbox.post(session, letters, now)


@dataclass(frozen=True)
class Leftover:
    """What the database still owes: rows in some process's hands, and rows due and unsent."""

    outbox_claimed: int
    outbox_due: int
    due_claimed: int
    due_due: int
    escalations_unsent: int

    @property
    def nothing(self) -> bool:
        return not (self.outbox_claimed or self.outbox_due or self.due_claimed or self.due_due)


async def still_owed(engine: AsyncEngine, now: datetime) -> Leftover:
    async with engine.connect() as connection:

        async def count(*where: ColumnElement[bool]) -> int:
            counted: int | None = await connection.scalar(select(func.count()).where(*where))
            return counted or 0

        return Leftover(
            outbox_claimed=await count(OutboxMessage.status == OutboxStatus.CLAIMED),
            outbox_due=await count(
                OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now
            ),
            due_claimed=await count(DueMessage.status == DueStatus.CLAIMED),
            due_due=await count(DueMessage.status == DueStatus.PENDING, DueMessage.due_at <= now),
            escalations_unsent=await count(Escalation.sent_at.is_(None)),
        )


async def outbox_statuses(engine: AsyncEngine) -> Counter[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxMessage.kind, OutboxMessage.status, func.count()).group_by(
                OutboxMessage.kind, OutboxMessage.status
            )
        )
        return Counter({f"{kind.value}:{status.value}": n for kind, status, n in rows})


async def until(
    condition: Callable[[], bool | Awaitable[bool]],
    timeout: float,  # noqa: ASYNC109
    what: str,
) -> None:
    """Poll ``condition`` (a test of what the server received or the database holds) every
    50 ms until it holds; ``TimeoutError`` naming ``what`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        holds = condition()
        if not isinstance(holds, bool):
            holds = await holds
        if holds:
            return
        if loop.time() > deadline:
            raise TimeoutError(f"waited {timeout}s for {what}")
        await asyncio.sleep(0.05)


async def holders(engine: AsyncEngine) -> set[str]:
    """The senders (``claimed_by``) holding outbox rows now, dead ones included."""
    async with engine.connect() as connection:
        rows = await connection.scalars(
            select(OutboxMessage.claimed_by)
            .where(OutboxMessage.status == OutboxStatus.CLAIMED)
            .distinct()
        )
        return {holder for holder in rows if holder is not None}


async def claims_besides(engine: AsyncEngine, known: set[str]) -> bool:
    """Whether a sender other than ``known`` holds outbox rows: a new process is draining."""
    return bool(await holders(engine) - known)


async def unsent(engine: AsyncEngine, kind: OutboxKind, chat_ids: Iterable[int]) -> set[int]:
    """Which of these chats still have an outbox row of ``kind`` that is not marked sent."""
    async with engine.connect() as connection:
        rows = await connection.scalars(
            select(OutboxMessage.chat_id).where(
                OutboxMessage.kind == kind,
                OutboxMessage.status != OutboxStatus.SENT,
                OutboxMessage.chat_id.in_(list(chat_ids)),
            )
        )
        return set(rows)
