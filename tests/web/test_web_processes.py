"""``python -m bot webhook`` as an operator runs it: two web processes on one PostgreSQL
database behind one endpoint, Telegram's posts spread between them, one stopped by SIGTERM
under load. The test posts each update as Telegram would (to the secret path, with the
secret header), to whichever process it picks."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.db.models import CheckIn, InboxUpdate, Person
from bot.fake_telegram import FakeTelegram
from bot.fake_telegram.person import Person as ChatPerson
from bot.telegram.webhook import SECRET_HEADER, webhook_path
from tests.support.enrol import Answers, taps_to_the_zone
from tests.support.harness import BotUnderTest, bot_under_test
from tests.support.network import first_answer, free_port
from tests.support.processes import BotProcess, bot_process

pytestmark = pytest.mark.postgres

SECRET = "two-web-processes"
ENROLMENT = taps_to_the_zone(Answers(pain="5", activity="Yes"))


@dataclass
class Web:
    process: BotProcess
    base: str

    @property
    def hook(self) -> str:
        return self.base + webhook_path(SECRET)


async def _post(client: httpx.AsyncClient, web: Web, update: dict[str, Any]) -> int:
    try:
        response = await client.post(web.hook, json=update, headers={SECRET_HEADER: SECRET})
    except httpx.TransportError:
        return 0  # the process has stopped listening: Telegram posts it again elsewhere
    return response.status_code


@asynccontextmanager
async def _web_processes(
    api: FakeTelegram, postgres_url: str, tmp_path: Path, count: int, **settings: str
) -> AsyncIterator[list[Web]]:
    async with AsyncExitStack() as stack:
        webs = []
        for number in range(count):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            process = await stack.enter_async_context(
                bot_process(
                    api,
                    postgres_url,
                    tmp_path / f"web{number}.log",
                    "webhook",
                    WEB_PUBLIC_URL=base,
                    WEB_SECRET=SECRET,
                    WEB_PORT=str(port),
                    WEB_HOST="127.0.0.1",
                    **settings,
                )
            )
            webs.append(Web(process, base))
        async with httpx.AsyncClient() as client:
            for web in webs:
                try:
                    ready = await first_answer(client, web.base + "/readyz")
                except TimeoutError:
                    ready = None
                if ready is None or ready.status_code != 200:
                    raise AssertionError(f"not ready: {web.process.stderr()[-2000:]}")
        # Each process registered its URL; from here the test is Telegram's delivery.
        await api.stop_webhook()
        api.webhook = {}
        yield webs


async def _deliver(
    client: httpx.AsyncClient, api: FakeTelegram, webs: Sequence[Web], turn: int
) -> None:
    """Post every queued update, spreading them over the processes."""
    for index, update in enumerate(api.take_updates()):
        assert await _post(client, webs[(turn + index) % len(webs)], update) == 200


async def _act(
    client: httpx.AsyncClient,
    api: FakeTelegram,
    webs: Sequence[Web],
    person: ChatPerson,
    action: Any,
    turn: int,
    replies: int = 1,
) -> None:
    mark = person.mark()
    await action
    await _deliver(client, api, webs, turn)
    await person.replies_since(mark, replies, timeout=20)


async def _enrol(
    client: httpx.AsyncClient, api: FakeTelegram, webs: Sequence[Web], person: ChatPerson
) -> None:
    turn = 0
    await _act(client, api, webs, person, person.command("start"), turn)
    for label in ENROLMENT:
        turn += 1
        await _act(client, api, webs, person, person.press(label), turn)
    await _act(client, api, webs, person, person.send("London"), turn + 1, replies=2)
    await _act(client, api, webs, person, person.press("09:00 (usual)"), turn + 2)
    assert "You're all set" in (person.last.text or "")


async def _at_the_note(
    client: httpx.AsyncClient, api: FakeTelegram, webs: Sequence[Web], person: ChatPerson
) -> None:
    await _enrol(client, api, webs, person)
    await _act(client, api, webs, person, person.command("checkin"), 0)
    await _act(client, api, webs, person, person.send("4"), 1)
    await _act(client, api, webs, person, person.press("No"), 0)
    await _act(client, api, webs, person, person.press("Yes"), 1)
    assert (person.last.text or "").startswith("Anything to note")


async def _notes_typed(
    client: httpx.AsyncClient,
    api: FakeTelegram,
    webs: Sequence[Web],
    first_id: int,
    name: str,
    count: int,
) -> tuple[list[ChatPerson], dict[int, int]]:
    """``count`` people at the note of a check-in, each then typing one, not yet posted to any
    process; with where each one's messages stood before it."""
    people = [api.person(first_id + n, f"{name}{n}") for n in range(count)]
    await asyncio.gather(*(_at_the_note(client, api, webs, person) for person in people))
    marks = {person.chat_id: person.mark() for person in people}
    for person in people:
        await person.send(f"note of {person.chat_id}")
    return people, marks


async def test_two_web_processes_keep_each_persons_updates_in_order(
    postgres_url: str, tmp_path: Path
) -> None:
    async with (
        bot_under_test(postgres_url) as bot,
        _web_processes(bot.api, postgres_url, tmp_path, 2) as webs,
        httpx.AsyncClient() as client,
    ):
        menu = bot.api.commands_by_scope[(json.dumps({"type": "default"}), "")]
        assert [command["command"] for command in menu][:2] == ["start", "checkin"]
        people = [bot.api.person(7300 + n, f"P{n}") for n in range(6)]
        await asyncio.gather(*(_at_the_note(client, bot.api, webs, p) for p in people))
        marks = {person.chat_id: person.mark() for person in people}
        # Each person sends a note and at once starts a new check-in; Telegram posts the note
        # to one process and, as soon as it is taken, the check-in to the other, before the
        # note has been handled.
        for person in people:
            await person.send(f"note of {person.chat_id}")
            await person.command("checkin")
        updates = bot.api.take_updates()
        for index, update in enumerate(updates):
            assert await _post(client, webs[index % 2], update) == 200
        for person in people:
            await person.replies_since(marks[person.chat_id], 1, timeout=20)
            said = "\n".join(m.text or "" for m in person.messages[marks[person.chat_id] :])
            for _ in range(100):
                if "Check-in" in said:
                    break
                await asyncio.sleep(0.05)
                said = "\n".join(m.text or "" for m in person.messages[marks[person.chat_id] :])
            assert said.startswith("Thanks, that's saved."), said
            assert said.index("Thanks, that's saved.") < said.index("Check-in")
        for web in webs:
            web.process.signal(signal.SIGTERM)
            assert await web.process.exit_code(timeout=15) == 0
            assert web.process.trouble() == []
        await _assert_notes_and_inbox(bot, people)


async def _assert_notes_and_inbox(bot: BotUnderTest, people: Sequence[ChatPerson]) -> None:
    async with bot.sessions() as session:
        notes = dict(
            (
                await session.execute(
                    select(Person.telegram_user_id, CheckIn.note)
                    .join(CheckIn, CheckIn.person_id == Person.id)
                    .where(CheckIn.note.is_not(None))
                )
            ).all()
        )
        open_updates = await session.scalar(
            select(func.count()).where(InboxUpdate.handled_at.is_(None))
        )
    assert notes == {p.chat_id: f"note of {p.chat_id}" for p in people}
    assert open_updates == 0


async def test_sigterm_to_a_web_process_under_load_loses_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    async with (
        bot_under_test(postgres_url) as bot,
        _web_processes(bot.api, postgres_url, tmp_path, 2) as webs,
        httpx.AsyncClient() as client,
    ):
        people, marks = await _notes_typed(client, bot.api, webs, 7400, "Q", 8)
        updates = bot.api.take_updates()
        # Everything goes to the first process, which is told to stop half-way through.
        first, second = webs
        statuses = []
        for index, update in enumerate(updates):
            if index == len(updates) // 2:
                first.process.signal(signal.SIGTERM)
            status = await _post(client, first, update)
            if status != 200:  # refused or not listening: Telegram posts it again
                status = await _post(client, second, update)
            statuses.append(status)
        assert statuses == [200] * len(updates)
        assert await first.process.exit_code(timeout=15) == 0
        assert first.process.trouble() == []
        for person in people:
            await person.replies_since(marks[person.chat_id], 1, timeout=20)
            assert (person.last.text or "").startswith("Thanks, that's saved.")
            saved = [
                m for m in person.messages[marks[person.chat_id] :] if "saved" in (m.text or "")
            ]
            assert len(saved) == 1
        second.process.signal(signal.SIGTERM)
        assert await second.process.exit_code(timeout=15) == 0
        await _assert_notes_and_inbox(bot, people)


async def test_kill_9_of_a_web_process_after_it_took_updates_loses_none(
    postgres_url: str, tmp_path: Path
) -> None:
    """The first process answers Telegram (the updates are stored) and is killed before or
    while it handles them: the second takes them up once their leases run out (3 s here)."""
    async with (
        bot_under_test(postgres_url) as bot,
        _web_processes(
            bot.api,
            postgres_url,
            tmp_path,
            2,
            QUEUE_LEASE_SECONDS="2",
            DATABASE_RETRY_SECONDS="1",
        ) as webs,
        httpx.AsyncClient() as client,
    ):
        people, marks = await _notes_typed(client, bot.api, webs, 7500, "R", 6)
        first, second = webs
        for update in bot.api.take_updates():
            assert await _post(client, first, update) == 200
        await first.process.kill()
        for person in people:
            await person.replies_since(marks[person.chat_id], 1, timeout=30)
            since = person.messages[marks[person.chat_id] :]
            # Twice only if the kill fell between Telegram's answer and the mark (README,
            # "Duplicates"): at most the one message the chat had in flight.
            assert 1 <= sum("saved" in (m.text or "") for m in since) <= 2
        second.process.signal(signal.SIGTERM)
        assert await second.process.exit_code(timeout=15) == 0
        await _assert_notes_and_inbox(bot, people)
