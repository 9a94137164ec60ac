"""Updates: different people side by side, one person's in the order they arrived."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Chat, Message, Update, User

from bot.telegram.updates import PerPersonUpdates

GUARD = 5.0
"""Only a deadlock would take this long: the test fails instead of hanging."""


def _message_from(user_id: int, update_id: int) -> Update:
    user = User(user_id, "Alex", is_bot=False)
    chat = Chat(user_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, None, chat, from_user=user))  # type: ignore[arg-type]


async def _run_all(processor: PerPersonUpdates, jobs: list[tuple[Update, Any]]) -> None:
    """As python-telegram-bot does: one task per update, created in arrival order."""
    async with processor:
        tasks = [asyncio.create_task(processor.process_update(u, c)) for u, c in jobs]
        async with asyncio.timeout(GUARD):
            await asyncio.gather(*tasks)


async def test_one_person_waiting_does_not_hold_back_another() -> None:
    """Ana's update can only finish once Ben's has run: serial handling would deadlock."""
    ben_ran = asyncio.Event()

    async def ana() -> None:
        await ben_ran.wait()

    async def ben() -> None:
        ben_ran.set()

    await _run_all(PerPersonUpdates(), [(_message_from(1, 1), ana()), (_message_from(2, 2), ben())])
    assert ben_ran.is_set()


async def test_one_persons_updates_are_handled_one_at_a_time_in_order() -> None:
    handled: list[str] = []

    async def step(name: str, pause: int) -> None:
        handled.append(f"{name} start")
        for _ in range(pause):
            await asyncio.sleep(0)
        handled.append(f"{name} end")

    jobs = [
        (_message_from(1, 1), step("tap", 5)),
        (_message_from(2, 2), step("other", 1)),
        (_message_from(1, 3), step("text", 0)),
        (_message_from(1, 4), step("command", 2)),
    ]
    # Two at a time: the limit is full while the person's later updates wait their turn.
    await _run_all(PerPersonUpdates(max_concurrent_updates=2), jobs)
    mine = [entry for entry in handled if not entry.startswith("other")]
    assert mine == [
        "tap start",
        "tap end",
        "text start",
        "text end",
        "command start",
        "command end",
    ]
    assert handled.index("other start") < handled.index("tap end")


async def test_a_persons_waiting_update_holds_no_slot() -> None:
    """Two slots. Ana's first update waits for Ben's; her second waits behind her first. If it
    held the second slot while waiting, Ben could never run: nothing would finish."""
    ben_ran = asyncio.Event()

    async def ana_first() -> None:
        await ben_ran.wait()

    async def ana_second() -> None:
        pass

    async def ben() -> None:
        ben_ran.set()

    jobs = [
        (_message_from(1, 1), ana_first()),
        (_message_from(1, 2), ana_second()),
        (_message_from(2, 3), ben()),
    ]
    await _run_all(PerPersonUpdates(max_concurrent_updates=2), jobs)
    assert ben_ran.is_set()


async def test_caught_up_once_no_update_waits_for_a_slot() -> None:
    """The due queue's bulk messages wait on this while people wait for their replies."""
    processor = PerPersonUpdates(max_concurrent_updates=1)
    release = asyncio.Event()

    async def held() -> None:
        await release.wait()

    async def quick() -> None:
        return None

    async with processor:
        first = asyncio.create_task(processor.process_update(_message_from(1, 1), held()))
        await asyncio.sleep(0)
        alone = asyncio.create_task(processor.caught_up())
        await asyncio.sleep(0)
        assert alone.done()  # one update handled, none waiting: nobody is kept waiting
        second = asyncio.create_task(processor.process_update(_message_from(2, 2), quick()))
        await asyncio.sleep(0)
        behind = asyncio.create_task(processor.caught_up())
        for _ in range(5):
            await asyncio.sleep(0)
        assert not behind.done()  # Ben waits for the one slot Ana holds
        release.set()
        async with asyncio.timeout(GUARD):
            await asyncio.gather(first, second, behind)
