"""ChatRateLimiter against the local Bot API server, which answers 429 like Telegram when asked.

The server (``enforce_limits=True``) allows 30 sends per second overall and 3 sends within any
3 seconds to one chat, and stamps each successful send, so the tests read the real spacing of
the messages from it. Nothing here sleeps to wait for a schedule; the longest test measures the
limiter spacing four messages out (about 3.3 s).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TypeVar

import pytest
from telegram.ext import ExtBot

from bot.fake_telegram import FakeTelegram
from bot.telegram.ratelimit import ChatRateLimiter

T = TypeVar("T")
BotFactory = Callable[[ChatRateLimiter], AbstractAsyncContextManager[ExtBot[int]]]


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(enforce_limits=True) as server:
        yield server


@pytest.fixture
def make_bot(api: FakeTelegram) -> BotFactory:
    @asynccontextmanager
    async def build(limiter: ChatRateLimiter) -> AsyncIterator[ExtBot[int]]:
        bot: ExtBot[int] = ExtBot(
            token=api.token,
            base_url=api.base_url,
            base_file_url=api.base_file_url,
            rate_limiter=limiter,
        )
        async with bot:  # initialize() ... shutdown()
            yield bot

    return build


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


async def timed(sends: Awaitable[T]) -> tuple[T, float]:
    start = time.monotonic()
    result = await sends
    return result, time.monotonic() - start


def all_sends_succeeded(api: FakeTelegram) -> bool:
    return all(call.status == 200 for call in api.calls_to("sendMessage"))


async def test_messages_to_one_private_chat_go_out_one_per_period(
    api: FakeTelegram, make_bot: BotFactory
) -> None:
    # 1.1 s rather than 1 s: the server allows 3 sends within any 3 s to a chat, and four
    # messages exactly 1 s apart would put the 1st and 4th on the edge of that window, where
    # loopback jitter decides. Spacing is what is measured; the period is a parameter.
    alex = api.person(1001, "Alex")
    async with make_bot(ChatRateLimiter(chat_time_period=1.1)) as bot:
        sends = [bot.send_message(alex.chat_id, f"part {n}") for n in range(4)]
        _, elapsed = await timed(asyncio.gather(*sends))

    assert alex.texts == [f"part {n}" for n in range(4)]
    assert all_sends_succeeded(api), "the server refused a message with 429"
    assert len(api.calls_to("sendMessage")) == 4
    assert all(gap >= 1.0 for gap in gaps(api.send_times(alex.chat_id))), gaps(
        api.send_times(alex.chat_id)
    )
    assert api.max_sends_in_window(alex.chat_id, window=1.0) == 1
    assert elapsed >= 3.0


async def test_different_private_chats_are_not_slowed_by_the_per_chat_limit(
    api: FakeTelegram, make_bot: BotFactory
) -> None:
    people = [api.person(2000 + n, f"P{n}") for n in range(20)]
    async with make_bot(ChatRateLimiter()) as bot:
        sends = [bot.send_message(person.chat_id, "check-in") for person in people]
        _, elapsed = await timed(asyncio.gather(*sends))

    assert all(person.texts == ["check-in"] for person in people)
    assert all_sends_succeeded(api)
    times = api.send_times()
    assert len(times) == 20
    assert times[-1] - times[0] < 1.0
    assert elapsed < 1.0


async def test_retry_after_is_waited_out_and_the_message_arrives_once(
    api: FakeTelegram, make_bot: BotFactory
) -> None:
    alex = api.person(1001, "Alex")
    api.faults.retry_after(1, "sendMessage", alex.chat_id)
    async with make_bot(ChatRateLimiter(max_retries=3)) as bot:
        [message], elapsed = await timed(asyncio.gather(bot.send_message(alex.chat_id, "hello")))

    assert message.text == "hello"
    assert alex.texts == ["hello"]
    assert [call.status for call in api.calls_to("sendMessage")] == [429, 200]
    assert elapsed >= 1.0  # the parent waits retry_after + 0.1 s before retrying


async def test_group_chats_keep_the_group_limiter_only(
    api: FakeTelegram, make_bot: BotFactory
) -> None:
    staff = api.group(-100123)
    limiter = ChatRateLimiter()
    async with make_bot(limiter) as bot:
        sends = [bot.send_message(staff.chat_id, text) for text in ("a", "b")]
        _, elapsed = await timed(asyncio.gather(*sends))

    assert sorted(staff.texts) == ["a", "b"]
    assert limiter.chat_limiter_count == 0
    assert elapsed < 0.9  # the group limit (20 a minute) allows a burst; no 1 s spacing


async def test_busy_chat_limiters_are_never_dropped(
    api: FakeTelegram, make_bot: BotFactory
) -> None:
    # A 60 s period: no bucket drains during the test, so every limiter is still needed and the
    # sweep at 8 entries must keep all of them (dropping one would let a second burst through).
    people = [api.person(3000 + n) for n in range(20)]
    limiter = ChatRateLimiter(chat_time_period=60, max_chat_limiters=8)
    async with make_bot(limiter) as bot:
        await asyncio.gather(*(bot.send_message(person.chat_id, "hi") for person in people))
    assert limiter.chat_limiter_count == 20


async def test_per_chat_table_stays_bounded_over_many_chats(
    api: FakeTelegram, make_bot: BotFactory
) -> None:
    # A 1 ms period: each chat's bucket has drained by the time the next message has made its
    # round trip, so every sweep can drop all but the newest limiter. 25 chats, not more: the
    # overall limiter lets 30 through at once and then 30/s, more than the server's 30 within
    # any one second, and a 429 here would only slow the test down.
    people = [api.person(4000 + n) for n in range(25)]
    limiter = ChatRateLimiter(chat_time_period=0.001, max_chat_limiters=8)
    seen: list[int] = []
    async with make_bot(limiter) as bot:
        for person in people:
            await bot.send_message(person.chat_id, "hi")
            seen.append(limiter.chat_limiter_count)

    assert all(person.texts == ["hi"] for person in people)
    assert max(seen) <= 8, seen
    assert len(set(seen)) > 1  # it grew and was swept, more than once over 25 chats


async def test_zero_rates_switch_every_limit_off() -> None:
    # Without enforcement on the server: this is the benchmark setting, limits off, retries kept.
    async with FakeTelegram() as api:
        alex = api.person(1001)
        limiter = ChatRateLimiter(overall_max_rate=0, group_max_rate=0, chat_max_rate=0)
        bot: ExtBot[int] = ExtBot(
            token=api.token,
            base_url=api.base_url,
            base_file_url=api.base_file_url,
            rate_limiter=limiter,
        )
        async with bot:
            sends = [bot.send_message(alex.chat_id, str(n)) for n in range(10)]
            _, elapsed = await timed(asyncio.gather(*sends))

    assert len(alex.texts) == 10
    assert limiter.chat_limiter_count == 0
    assert elapsed < 0.9


@pytest.mark.parametrize(
    ("endpoint", "chat_id", "expected"),
    [
        ("sendMessage", 1001, 1001),
        ("sendPhoto", "1001", 1001),  # a numeric id given as text is still a private chat
        ("copyMessage", 1001, 1001),
        ("sendMessage", -100123, None),  # group or supergroup: the parent's group limiter
        ("sendMessage", "@backcheck_news", None),  # channel username
        ("sendChatAction", 1001, None),  # typing indicator, not a message
        ("editMessageText", 1001, None),  # edits do not post a new message
        ("getMe", None, None),
    ],
)
def test_which_requests_count_against_the_per_chat_limit(
    endpoint: str, chat_id: int | str | None, expected: int | None
) -> None:
    data = {} if chat_id is None else {"chat_id": chat_id}
    assert ChatRateLimiter()._private_chat(endpoint, data) == expected
