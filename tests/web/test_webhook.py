"""The webhook as Telegram uses it: updates posted over HTTP to the secret path of a process
serving the real Starlette app under Uvicorn on 127.0.0.1, stored, answered 200, then handled;
health and metrics from the same server. Telegram itself is the local Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.db.models import CheckIn, InboxUpdate, OutboxKind
from bot.fake_telegram.person import Person
from bot.metrics import SERIES
from bot.queue import outbox
from bot.runtime.health import Health, embedded_server
from bot.runtime.web import web_app
from bot.telegram.app import build_application
from bot.telegram.webhook import SECRET_HEADER, WebhookInbox, webhook_path
from tests.support.database_away import awayable_database
from tests.support.enrol import Answers, taps_to_the_zone
from tests.support.harness import ADMIN_CHAT, BotUnderTest
from tests.support.network import free_port
from tests.support.snapshot import snapshot

pytestmark = pytest.mark.each_database

SECRET = "s3cret-Webhook_token"


@dataclass
class WebProcess:
    """The web app of one process, serving on loopback; the test posts as Telegram does."""

    bot: BotUnderTest
    inbox: WebhookInbox
    health: Health
    client: httpx.AsyncClient
    url: str

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.client.post(self.url, json=update, headers=headers)
        return response.status_code

    async def deliver(self, person: Person, action: Any) -> list[str]:
        """The person acts (``action`` queues an update at the Bot API server), Telegram posts
        the update here, and the process handles it: what the person was sent."""
        mark = person.mark()
        await action
        for update in self.bot.api.take_updates():
            assert await self.post(update) == 200
        await self.settled()
        return [message.text or "" for message in person.messages[mark:]]

    async def settled(self) -> None:
        await self.inbox.idle()
        await self.bot.sender.idle()


@asynccontextmanager
async def web_process(bot: BotUnderTest) -> AsyncIterator[WebProcess]:
    application = build_application(
        bot.settings, bot.sessions, bot.clock, bot.sender, polling=False
    )
    await application.initialize()
    inbox = WebhookInbox(application, bot.sessions, bot.clock, timedelta(seconds=45))
    health = Health(bot.sessions, bot.settings, bot.clock, beat_seconds=5)
    port = free_port()
    server = embedded_server(web_app(inbox, SECRET, health), "127.0.0.1", port)
    serving = asyncio.get_running_loop().create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            yield WebProcess(bot, inbox, health, client, base + webhook_path(SECRET))
    finally:
        await inbox.stop()
        server.should_exit = True
        await serving
        await application.shutdown()


async def _enrolled_at_pain(web: WebProcess, person: Person) -> None:
    """Enrolled through the webhook, then today's check-in asked."""
    await web.deliver(person, person.command("start"))
    for label in taps_to_the_zone(Answers(pain="5", activity="Yes")):
        await web.deliver(person, person.press(label))
    await web.deliver(person, person.send("London"))
    await web.deliver(person, person.press("09:00 (usual)"))
    assert "You're all set" in (person.last.text or "")
    web.bot.clock.advance(timedelta(days=1))
    await web.deliver(person, person.command("checkin"))


async def test_a_post_without_the_secret_or_with_a_wrong_one_is_refused_and_changes_nothing(
    bot: BotUnderTest,
) -> None:
    async with web_process(bot) as web:
        ada = bot.api.person(7101, "Ada")
        await ada.command("start")
        [update] = bot.api.take_updates()
        before = await snapshot(bot)
        assert await web.post(update, secret=None) == 403
        assert await web.post(update, secret="not-the-secret") == 403
        assert await web.post(update, secret=SECRET[:-1]) == 403
        await web.settled()
        assert await snapshot(bot) == before
        assert ada.messages == []
        # The same update with the secret is taken: the refusals left no trace to trip on.
        assert await web.post(update) == 200
        await web.settled()
        assert len(ada.messages) == 1


async def test_a_redelivered_update_is_handled_once(bot: BotUnderTest) -> None:
    async with web_process(bot) as web:
        bea = bot.api.person(7102, "Bea")
        await _enrolled_at_pain(web, bea)
        mark = bea.mark()
        await bea.send("6")
        [update] = bot.api.take_updates()
        # Telegram posts again when its first post got no answer in time: three times here.
        statuses = await asyncio.gather(*(web.post(update) for _ in range(3)))
        assert statuses == [200, 200, 200]
        await web.settled()
        assert await web.post(update) == 200  # and once more, after it was handled
        await web.settled()

        replies = [message.text or "" for message in bea.messages[mark:]]
        assert len(replies) == 1
        assert replies[0].startswith("Anything new")
        async with bot.sessions() as session:
            pains = await session.scalars(select(CheckIn.pain).where(CheckIn.pain.is_not(None)))
            assert list(pains) == [6]
            stored = await session.get(InboxUpdate, update["update_id"])
            assert stored is not None
            assert stored.handled_at is not None
            assert stored.payload is None  # what the person typed is not kept once handled


async def test_a_persons_quick_updates_are_handled_in_the_order_sent(bot: BotUnderTest) -> None:
    async with web_process(bot) as web:
        cal = bot.api.person(7103, "Cal")
        await _enrolled_at_pain(web, cal)
        for label in ("4", "No", "Yes"):
            await web.deliver(cal, cal.press(label) if label != "4" else cal.send(label))
        mark = cal.mark()
        # A note and, a moment later, a new check-in: the second is posted as soon as the first
        # is taken, while the first is still to be handled.
        await cal.send("stiff after the drive")
        await cal.command("checkin")
        note, checkin = bot.api.take_updates()
        assert await web.post(note) == 200
        assert await web.post(checkin) == 200
        await web.settled()

        said = "\n".join(message.text or "" for message in cal.messages[mark:])
        assert said.startswith("Thanks, that's saved.")
        assert said.index("Thanks, that's saved.") < said.index("Check-in, day 1")
        async with bot.sessions() as session:
            notes = await session.scalars(select(CheckIn.note).where(CheckIn.note.is_not(None)))
            assert list(notes) == ["stiff after the drive"]


async def test_metrics_expose_every_named_series_and_count_what_happened(
    bot: BotUnderTest,
) -> None:
    async with web_process(bot) as web:
        dee = bot.api.person(7104, "Dee")
        await _enrolled_at_pain(web, dee)
        response = await web.client.get("/metrics")
        assert response.status_code == 200
        page = response.text
        for series in SERIES:
            assert f"# TYPE {series} " in page, series
        assert 'backcheck_updates_handled_total{kind="button"}' in page
        assert 'backcheck_messages_sent_total{kind="reply"}' in page
        assert "backcheck_reply_latency_seconds_count" in page
        assert 'backcheck_owed_messages{kind="escalation"} 0.0' in page
        assert "7104" not in page  # no person in a label
        assert "Dee" not in page


async def test_metrics_count_an_operators_alert_that_was_given_up(bot: BotUnderTest) -> None:
    """The bot was taken out of the operators' chat: its alert is refused and given up, and the
    given-up series says so, where a dashboard shows it."""
    async with web_process(bot) as web:
        bot.api.faults.add("sendMessage", ADMIN_CHAT, status=403, description="Forbidden")
        async with bot.sessions.begin() as session:
            alert = outbox.Letter(ADMIN_CHAT, None, OutboxKind.ALERT, {"text": "P-7 EMERGENCY"})
            await outbox.post(session, [alert], bot.clock.now())
        await bot.tick()
        page = (await web.client.get("/metrics")).text
        assert 'backcheck_given_up_messages{kind="alert"} 1.0' in page
        assert 'backcheck_given_up_messages{kind="escalation"} 0.0' in page


async def test_healthz_and_readyz_answer_when_all_is_well(bot: BotUnderTest) -> None:
    async with web_process(bot) as web:
        assert (await web.client.get("/healthz")).status_code == 200
        ready = await web.client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"ticking": True, "database": True, "escalations": True}


async def test_readyz_is_unready_while_the_database_is_away_and_ready_after(
    database_url: str,
) -> None:
    async with (
        awayable_database(database_url, database_sqlite_busy_timeout=0.2) as database,
        web_process(database.bot) as web,
    ):
        assert (await web.client.get("/readyz")).status_code == 200
        async with database.away():
            away = await web.client.get("/readyz")
            if database.proxy is not None:  # PostgreSQL unreachable
                assert away.status_code == 503
                assert away.json()["database"] is False
            else:  # SQLite locked by a writer: reads go on (WAL), so the process is ready
                assert away.status_code == 200
            assert (await web.client.get("/healthz")).status_code == 200  # alive all along
        assert (await web.client.get("/readyz")).status_code == 200


async def test_readyz_is_unready_while_an_escalation_waits_too_long(bot: BotUnderTest) -> None:
    async with web_process(bot) as web:
        eve = bot.api.person(7105, "Eve")
        await _enrolled_at_pain(web, eve)
        for label in ("6", "Yes"):
            await web.deliver(eve, eve.press(label) if label != "6" else eve.send(label))
        bot.api.faults.server_error("sendMessage", eve.chat_id, times=1_000_000)
        await web.deliver(eve, eve.press("Chest pain"))
        assert (await web.client.get("/readyz")).status_code == 200  # owed, but just now
        bot.clock.advance(timedelta(seconds=bot.settings.web.ready_escalation_age + 1))
        stale = await web.client.get("/readyz")
        assert stale.status_code == 503
        assert stale.json()["escalations"] is False
        async with bot.sessions() as session:
            open_updates = await session.scalar(
                select(func.count()).where(InboxUpdate.handled_at.is_(None))
            )
        assert open_updates == 0


async def test_handled_updates_are_remembered_a_day_then_forgotten(bot: BotUnderTest) -> None:
    async with web_process(bot) as web:
        fay = bot.api.person(7106, "Fay")
        await web.deliver(fay, fay.command("start"))

        async def remembered() -> int | None:
            async with bot.sessions() as session:
                return await session.scalar(select(func.count()).select_from(InboxUpdate))

        bot.clock.advance(timedelta(hours=23))
        await bot.dispatcher().forget_sent()
        assert await remembered() == 1  # a redelivery now would still be recognised
        bot.clock.advance(timedelta(hours=2))
        await bot.dispatcher().forget_sent()
        assert await remembered() == 0


async def test_an_update_that_cannot_be_read_does_not_hold_the_persons_next_ones_back(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    async with web_process(bot) as web:
        gil = bot.api.person(7107, "Gil")
        unread = 10**9  # an id the local Bot API server will not give a real update
        broken = {"update_id": unread, "message": {"from": {"id": gil.chat_id}, "chat": "?"}}
        assert await web.post(broken) == 200
        await web.settled()
        replies = await web.deliver(gil, gil.command("start"))
        assert replies[0].startswith("Hello, I'm BackCheck.")
        async with bot.sessions() as session:
            stored = await session.get(InboxUpdate, unread)
        assert stored is not None
        assert stored.handled_at is not None
        assert any("could not be handled" in r.getMessage() for r in caplog.records)


async def test_a_post_that_cannot_be_stored_is_refused_so_telegram_posts_it_again(
    database_url: str,
) -> None:
    """The database away when Telegram posts: 503, nothing handled; Telegram's next post of the
    same update, once the database is back, is taken and handled once."""
    async with (
        awayable_database(
            database_url, database_sqlite_busy_timeout=0.2, database_retry_seconds=0.5
        ) as database,
        web_process(database.bot) as web,
    ):
        bot = database.bot
        hal = bot.api.person(7108, "Hal")
        await hal.command("start")
        [update] = bot.api.take_updates()
        async with database.away():
            assert await web.post(update) == 503
        await web.settled()
        assert hal.messages == []
        assert await web.post(update) == 200  # Telegram tries again
        assert await web.post(update) == 200  # and once more: a duplicate now
        await web.settled()
        assert len(hal.messages) == 1
        assert (hal.last.text or "").startswith("Hello, I'm BackCheck.")
