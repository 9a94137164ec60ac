"""The webhook's inbox on both databases: a redelivery is a no-op, a person's updates are
leased oldest first by one process at a time, a lease that ran out is another's, and the sweep
finds only the heads nobody holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.queue import inbox

pytestmark = pytest.mark.each_database

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=45)
ALEX, SAM = 1001, 1002


def _update(update_id: int, user: int, text: str = "hi") -> dict[str, object]:
    person = {"id": user, "is_bot": False, "first_name": "P"}
    chat = {"id": user, "type": "private"}
    message = {"message_id": update_id, "date": 0, "from": person, "chat": chat, "text": text}
    return {"update_id": update_id, "message": message}


async def test_a_redelivered_update_is_stored_once(engine: AsyncEngine) -> None:
    async with session_factory(engine).begin() as session:
        assert await inbox.store(session, _update(1, ALEX), NOW)
        assert not await inbox.store(session, _update(1, ALEX, "changed"), NOW)
        head = await inbox.lease_head(session, ALEX, "a", NOW, LEASE)
    assert head is not None
    assert head.payload["message"]["text"] == "hi"  # type: ignore[index]


async def test_one_process_at_a_time_oldest_first_and_a_lapsed_lease_is_anothers(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        for update_id in (7, 5, 6):  # posted out of order
            await inbox.store(session, _update(update_id, ALEX), NOW)
        await inbox.store(session, _update(8, SAM), NOW)
    async with sessions.begin() as session:
        first = await inbox.lease_head(session, ALEX, "a", NOW, LEASE)
        assert first is not None
        assert first.update_id == 5
        # Neither another process nor this one takes the person while 5 is held.
        assert await inbox.lease_head(session, ALEX, "b", NOW, LEASE) is None
        assert await inbox.lease_head(session, ALEX, "a", NOW, LEASE) is None
        assert (await inbox.lease_head(session, SAM, "b", NOW, LEASE)) is not None
    later = NOW + LEASE + timedelta(seconds=1)
    async with sessions.begin() as session:
        assert await inbox.stranded(session, later) == [ALEX, SAM]  # heads only, oldest first
        taken = await inbox.lease_head(session, ALEX, "b", later, LEASE)
        assert taken is not None
        assert taken.update_id == 5
        # "a" finishes late: the update is "b"'s now, and "a" must not go on to 6.
        assert not await inbox.handled(session, 5, "a", later)
        assert await inbox.handled(session, 5, "b", later)
        following = await inbox.lease_head(session, ALEX, "b", later, LEASE)
        assert following is not None
        assert following.update_id == 6


async def test_a_renewed_lease_is_not_stranded(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await inbox.store(session, _update(1, ALEX), NOW)
        assert await inbox.stranded(session, NOW) == [ALEX]  # fresh, nobody on it yet
        await inbox.lease_head(session, ALEX, "a", NOW, LEASE)
        await inbox.renew(session, 1, "a", NOW + 2 * LEASE)
        assert await inbox.stranded(session, NOW + LEASE + timedelta(seconds=1)) == []
        await inbox.release(session, "a")
        assert await inbox.stranded(session, NOW) == [ALEX]
