"""``run`` and ``worker`` serve ``/healthz``, ``/readyz`` and ``/metrics`` on
``WEB_HEALTH_PORT``, as an operator runs them, and stop cleanly on SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from bot.metrics import SERIES
from tests.support.harness import BotUnderTest
from tests.support.network import first_answer, free_port
from tests.support.processes import bot_process


@pytest.mark.parametrize("command", ["worker", "run"])
async def test_a_process_serves_its_health_and_metrics_on_the_health_port(
    bot: BotUnderTest, database_url: str, tmp_path: Path, command: str
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with (
        bot_process(
            bot.api,
            database_url,
            tmp_path / "process.log",
            command,
            WEB_HEALTH_PORT=str(port),
            WEB_HOST="127.0.0.1",
        ) as process,
        httpx.AsyncClient(base_url=base) as client,
    ):
        try:
            ready = await first_answer(client, "/readyz")
        except TimeoutError:
            raise AssertionError(process.stderr()[-2000:]) from None
        assert ready.status_code == 200
        assert ready.json() == {"ticking": True, "database": True, "escalations": True}
        assert (await client.get("/healthz")).status_code == 200
        page = (await client.get("/metrics")).text
        for series in SERIES:
            assert f"# TYPE {series} " in page, series

        process.signal(signal.SIGTERM)
        assert await process.exit_code(timeout=15) == 0
        assert process.trouble() == []
