"""ChatRateLimiter on a virtual clock: exact times, no waiting.

Every test runs on looptime's event loop (the ``looptime`` mark below), whose clock jumps to the
next timer whenever every task is waiting. aiolimiter and ``asyncio.sleep`` read that clock, so a
limiter's one-second spacing takes no wall time and is exactly one second of the loop's time.

The timing tests drive the limiter directly, with a stand-in for the HTTP request that notes the
loop's time of each call (:class:`Telegram`). Two end-to-end tests send through python-telegram-
bot over loopback HTTP to the local Bot API server, which refuses with 429 what Telegram would
refuse; they assert only what the person receives, in what order, and the server's answers. Real
sockets take real time that the virtual clock does not see, so nothing there asserts a duration.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import looptime
import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.fake_telegram import FakeTelegram
from bot.telegram.ratelimit import ChatRateLimiter, Lane, without_limits

pytestmark = pytest.mark.looptime

ALEX, SAM, KIM = 1001, 1002, 1003
STAFF = -100123
Result = bool | dict[str, Any] | list[dict[str, Any]]


class Telegram:
    """Stands in for the request the limiter lets through: notes when each call was made, in
    seconds of loop time since the test began, and answers 429 to a chat when told to.

    ``round_trip`` is how long a call takes to be answered (0: at once).
    """

    def __init__(self, round_trip: float = 0.0) -> None:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, looptime.LoopTimeEventLoop), "needs looptime's event loop"
        assert loop.looptime_on, "needs looptime's virtual clock"
        self._loop = loop
        self._start = loop.time()
        self.round_trip = round_trip
        self.sent: list[tuple[float, int | str]] = []
        self.refused: list[tuple[float, int | str]] = []
        self._refusals: dict[int | str, list[int]] = {}

    def now(self) -> float:
        # The loop counts whole microseconds; rounding drops the float noise of the subtraction.
        return round(self._loop.time() - self._start, 6)

    def refuse(self, chat_id: int | str, retry_after: int, times: int = 1) -> None:
        self._refusals.setdefault(chat_id, []).extend([retry_after] * times)

    async def __call__(self, endpoint: str, data: dict[str, Any]) -> Result:
        chat_id = data.get("chat_id", endpoint)
        at = self.now()
        if self.round_trip:
            await asyncio.sleep(self.round_trip)
        refusals = self._refusals.get(chat_id)
        if refusals:
            self.refused.append((at, chat_id))
            raise RetryAfter(refusals.pop(0))
        self.sent.append((at, chat_id))
        return {"chat": chat_id, "sent_at": at}

    def times(self, chat_id: int | str) -> list[float]:
        return [at for at, chat in self.sent if chat == chat_id]


async def send(
    limiter: ChatRateLimiter,
    telegram: Telegram,
    chat_id: int | str | None,
    *,
    after: float = 0.0,
    endpoint: str = "sendMessage",
    lane: Lane | None = None,
) -> Result:
    """One Bot API call through ``limiter``, as ``ExtBot`` makes it, ``after`` seconds from now
    (``lane``: as the outbox sends it)."""
    if after:
        await asyncio.sleep(after)
    data: dict[str, Any] = {"text": "hi"} if chat_id is None else {"chat_id": chat_id, "text": "hi"}
    return await limiter.process_request(
        callback=telegram,
        args=(endpoint, data),
        kwargs={},
        endpoint=endpoint,
        data=data,
        rate_limit_args=lane,
    )


# ----------------------------------------------------------------- the limits


@pytest.mark.parametrize("period", [1.0, 2.5])
async def test_messages_to_one_private_chat_go_out_one_per_period(period: float) -> None:
    telegram = Telegram()
    limiter = ChatRateLimiter(chat_time_period=period)
    await asyncio.gather(*(send(limiter, telegram, ALEX) for _ in range(4)))

    assert telegram.times(ALEX) == [0.0, period, 2 * period, 3 * period]


async def test_different_private_chats_are_not_slowed_by_the_per_chat_limit() -> None:
    telegram = Telegram()
    limiter = ChatRateLimiter()
    await asyncio.gather(*(send(limiter, telegram, 2000 + n) for n in range(20)))

    assert [at for at, _ in telegram.sent] == [0.0] * 20


async def test_the_bulk_lane_lets_30_through_then_one_every_thirtieth_of_a_second() -> None:
    telegram = Telegram()
    limiter = ChatRateLimiter()
    await asyncio.gather(*(send(limiter, telegram, 3000 + n, lane=Lane.BULK) for n in range(36)))

    # aiolimiter's bucket drains in floats and the loop's clock counts microseconds, so a
    # wake-up can land a microsecond after the exact fraction.
    expected = [0.0] * 30 + [n / 30 for n in range(1, 7)]
    assert [at for at, _ in telegram.sent] == pytest.approx(expected, abs=2e-6)


async def test_replies_never_wait_for_the_bulk_rate() -> None:
    # A wave of 60 check-ins fills the bulk rate for a second; 40 replies to other people
    # (with or without a lane) all go at once.
    telegram = Telegram()
    limiter = ChatRateLimiter()
    wave = [send(limiter, telegram, 6000 + n, lane=Lane.BULK) for n in range(60)]
    replies = [
        send(limiter, telegram, 7000 + n, lane=Lane.REPLY if n % 2 else None) for n in range(40)
    ]
    await asyncio.gather(*wave, *replies)

    assert [at for at, chat in telegram.sent if int(chat) >= 7000] == [0.0] * 40
    assert max(at for at, chat in telegram.sent if int(chat) < 7000) == pytest.approx(1.0)


async def test_a_request_waiting_for_its_chat_does_not_take_a_bulk_slot() -> None:
    # Two bulk messages a second. Alex's second message waits a second for Alex's chat; if
    # it took a bulk slot while waiting, Sam would go out at 0.5 s and Kim at 1 s instead.
    telegram = Telegram()
    limiter = ChatRateLimiter(bulk_max_rate=2)
    await asyncio.gather(
        *(send(limiter, telegram, chat, lane=Lane.BULK) for chat in (ALEX, ALEX, SAM, KIM))
    )

    assert telegram.sent == [(0.0, ALEX), (0.0, SAM), (0.5, KIM), (1.0, ALEX)]


async def test_group_chats_keep_the_group_limit_only() -> None:
    # 20 messages a minute to one group: a burst of 20, then one every 3 s; no 1 s spacing.
    telegram = Telegram()
    limiter = ChatRateLimiter()
    await asyncio.gather(*(send(limiter, telegram, STAFF) for _ in range(22)))

    assert telegram.times(STAFF) == [0.0] * 20 + [3.0, 6.0]
    assert limiter.chat_limiter_count == 0


async def test_every_limit_off() -> None:
    telegram = Telegram()
    limiter = without_limits()
    await asyncio.gather(*(send(limiter, telegram, chat) for chat in [ALEX] * 40 + [STAFF] * 40))

    assert [at for at, _ in telegram.sent] == [0.0] * 80
    assert limiter.chat_limiter_count == 0


@pytest.mark.parametrize(
    ("endpoint", "chat_id", "expected"),
    [
        ("sendMessage", 1001, 1001),
        ("sendPhoto", "1001", 1001),  # a numeric id given as text is still a private chat
        ("copyMessage", 1001, 1001),
        ("sendMessage", -100123, None),  # group or supergroup: the group limiter
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


async def test_chat_actions_and_edits_are_not_spaced_out() -> None:
    telegram = Telegram()
    limiter = ChatRateLimiter()
    await asyncio.gather(
        send(limiter, telegram, ALEX),
        send(limiter, telegram, ALEX, endpoint="sendChatAction"),
        send(limiter, telegram, ALEX, endpoint="editMessageText"),
        send(limiter, telegram, ALEX),
    )

    assert telegram.times(ALEX) == [0.0, 0.0, 0.0, 1.0]


async def test_requests_without_a_chat_pass_no_limit() -> None:
    # One bulk message a second, taken by Alex's: the answer to a button press still goes at
    # once.
    telegram = Telegram()
    limiter = ChatRateLimiter(bulk_max_rate=1)
    await asyncio.gather(
        send(limiter, telegram, ALEX, lane=Lane.BULK),
        send(limiter, telegram, SAM, lane=Lane.BULK),
        send(limiter, telegram, None, endpoint="answerCallbackQuery"),
    )

    assert telegram.sent == [(0.0, ALEX), (0.0, "answerCallbackQuery"), (1.0, SAM)]


# ----------------------------------------------------------------- 429 Too Many Requests


async def test_a_429_pauses_every_request_and_the_message_is_sent_once() -> None:
    # retry_after 1 s plus the 0.1 s margin: Alex's retry and Sam's message (asked for during
    # the pause) both go out at 1.1 s.
    telegram = Telegram()
    telegram.refuse(ALEX, retry_after=1)
    limiter = ChatRateLimiter()
    alex, _ = await asyncio.gather(
        send(limiter, telegram, ALEX), send(limiter, telegram, SAM, after=0.5)
    )

    assert telegram.refused == [(0.0, ALEX)]
    assert telegram.sent == [(1.1, ALEX), (1.1, SAM)]
    assert alex == {"chat": ALEX, "sent_at": 1.1}


async def test_a_request_past_its_limits_when_the_429_comes_still_waits_for_the_pause() -> None:
    # One bulk message a second, and answers take 0.5 s. Alex goes at 0 and is refused at
    # 0.5 s (pause to 1.6 s). Kim took the bulk slot of 0 s; Sam gets the slot of 1 s, during
    # the pause, and is held until it ends, with Alex's retry.
    telegram = Telegram(round_trip=0.5)
    telegram.refuse(ALEX, retry_after=1)
    limiter = ChatRateLimiter(bulk_max_rate=1)
    await asyncio.gather(
        send(limiter, telegram, ALEX),
        send(limiter, telegram, KIM, lane=Lane.BULK),
        send(limiter, telegram, SAM, lane=Lane.BULK),
    )

    assert telegram.refused == [(0.0, ALEX)]
    assert sorted(telegram.sent) == [(0.0, KIM), (1.6, ALEX), (1.6, SAM)]


async def test_the_outbox_gets_its_429_back_at_once_and_everyone_else_waits() -> None:
    # The outbox owes the message again itself (durably): no retry here, but the pause holds
    # Sam's message, asked for at 0.5 s, until 1.1 s.
    telegram = Telegram()
    telegram.refuse(ALEX, retry_after=1)
    limiter = ChatRateLimiter()
    refused, sam = await asyncio.gather(
        send(limiter, telegram, ALEX, lane=Lane.REPLY),
        send(limiter, telegram, SAM, after=0.5, lane=Lane.REPLY),
        return_exceptions=True,
    )

    assert isinstance(refused, RetryAfter)
    assert telegram.refused == [(0.0, ALEX)]
    assert sam == {"chat": SAM, "sent_at": 1.1}


async def test_a_retry_waits_for_its_chat_again() -> None:
    telegram = Telegram()
    telegram.refuse(ALEX, retry_after=1)
    limiter = ChatRateLimiter(chat_time_period=3)
    await send(limiter, telegram, ALEX)

    assert telegram.refused == [(0.0, ALEX)]
    assert telegram.sent == [(3.0, ALEX)]


async def test_a_shorter_429_does_not_end_a_longer_pause() -> None:
    # Both go at 0 and are answered at 0.5 s: Alex must wait 5 s, Sam 1 s. Both retry when
    # the longer pause ends, at 5.6 s.
    telegram = Telegram(round_trip=0.5)
    telegram.refuse(ALEX, retry_after=5)
    telegram.refuse(SAM, retry_after=1)
    limiter = ChatRateLimiter()
    await asyncio.gather(send(limiter, telegram, ALEX), send(limiter, telegram, SAM))

    assert telegram.sent == [(5.6, ALEX), (5.6, SAM)]


async def test_a_429_on_the_last_try_reaches_the_caller() -> None:
    telegram = Telegram()
    telegram.refuse(ALEX, retry_after=2, times=3)
    limiter = ChatRateLimiter(max_retries=2)
    with pytest.raises(RetryAfter):
        await send(limiter, telegram, ALEX)

    assert telegram.refused == [(0.0, ALEX), (2.1, ALEX), (4.2, ALEX)]
    assert telegram.sent == []


async def test_without_limits_a_429_reaches_the_caller_at_once_and_pauses_nothing() -> None:
    telegram = Telegram()
    telegram.refuse(ALEX, retry_after=30)
    limiter = without_limits()
    refused, sam = await asyncio.gather(
        send(limiter, telegram, ALEX), send(limiter, telegram, SAM), return_exceptions=True
    )

    assert isinstance(refused, RetryAfter)
    assert sam == {"chat": SAM, "sent_at": 0.0}
    assert telegram.refused == [(0.0, ALEX)]


# ----------------------------------------------------------------- the per-chat table


async def test_busy_chat_limiters_are_never_dropped() -> None:
    # A 60 s period: no bucket drains, so the sweep at 8 entries must keep all 20 limiters;
    # dropping one would let a second message to that chat through at once.
    telegram = Telegram()
    people = [4000 + n for n in range(20)]
    limiter = ChatRateLimiter(chat_time_period=60, max_chat_limiters=8)
    await asyncio.gather(*(send(limiter, telegram, person) for person in people))
    assert limiter.chat_limiter_count == 20

    await asyncio.gather(*(send(limiter, telegram, person) for person in people))
    assert all(telegram.times(person) == [0.0, 60.0] for person in people)


async def test_per_chat_table_stays_bounded_over_many_chats() -> None:
    # One message a second, each to a new chat: by the 9th every earlier chat's bucket has
    # drained, so the table is swept down to nothing before the new chat's limiter is added.
    telegram = Telegram()
    limiter = ChatRateLimiter(max_chat_limiters=8)
    seen: list[int] = []
    for n in range(25):
        await send(limiter, telegram, 5000 + n)
        seen.append(limiter.chat_limiter_count)
        await asyncio.sleep(1)

    assert seen == [n % 8 + 1 for n in range(25)]
    assert len(telegram.sent) == 25


# ----------------------------------------------------------------- end to end, over HTTP

BotFactory = Callable[[ChatRateLimiter], AbstractAsyncContextManager[ExtBot[Lane]]]


def loop_time() -> float:
    return asyncio.get_running_loop().time()


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegram]:
    # The server judges Telegram's limits on the loop's (virtual) clock, as the limiter does.
    async with FakeTelegram(enforce_limits=True, now=loop_time) as server:
        yield server


@pytest.fixture
def make_bot(api: FakeTelegram) -> BotFactory:
    @asynccontextmanager
    async def build(limiter: ChatRateLimiter) -> AsyncIterator[ExtBot[Lane]]:
        # No time-outs: the virtual clock may jump to the next timer while a request is still
        # on its way through loopback, and that must not count as a slow answer.
        request = HTTPXRequest(
            read_timeout=None, write_timeout=None, connect_timeout=None, pool_timeout=None
        )
        bot: ExtBot[Lane] = ExtBot(
            token=api.token, base_url=api.base_url, request=request, rate_limiter=limiter
        )
        async with bot:  # initialize() ... shutdown()
            yield bot

    return build


async def test_a_reply_of_several_messages_arrives_whole_and_in_order(
    api: FakeTelegram, make_bot: BotFactory
) -> None:
    alex = api.person(ALEX, "Alex")
    async with make_bot(ChatRateLimiter()) as bot:
        await asyncio.gather(*(bot.send_message(alex.chat_id, f"part {n}") for n in range(4)))

    assert alex.texts == [f"part {n}" for n in range(4)]
    assert [call.status for call in api.calls_to("sendMessage")] == [200] * 4


async def test_a_429_from_telegram_is_waited_out_and_the_message_arrives_once(
    api: FakeTelegram, make_bot: BotFactory
) -> None:
    alex = api.person(ALEX, "Alex")
    api.faults.retry_after(1, "sendMessage", alex.chat_id)
    async with make_bot(ChatRateLimiter()) as bot:
        message = await bot.send_message(alex.chat_id, "hello")

    assert message.text == "hello"
    assert alex.texts == ["hello"]
    assert [call.status for call in api.calls_to("sendMessage")] == [429, 200]
