"""A process that starts while Telegram cannot be reached waits for it, saying so in one line,
instead of dying with a traceback (and a platform's restart loop); once Telegram answers, it
serves people as usual."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.support.harness import BotUnderTest
from tests.support.processes import BotProcess, bot_process
from tests.support.tcp_proxy import tcp_proxy


async def _told_telegram_cannot_be_reached(process: BotProcess) -> None:
    """Wait (30 s at most) for the process's one line saying Telegram cannot be reached yet."""
    for _ in range(300):
        if "Telegram cannot be reached yet" in process.stderr():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(process.stderr()[-2000:])


@pytest.mark.parametrize("command", ["run", "worker"])
async def test_a_process_waits_for_telegram_at_start_up(
    bot: BotUnderTest, database_url: str, tmp_path: Path, command: str
) -> None:
    asked = len(bot.api.calls_to("getMe"))  # the test's own bot asked already
    async with tcp_proxy("127.0.0.1", bot.api.port) as proxy:
        proxy.cut()  # Telegram unreachable: connections refused
        log = tmp_path / "process.log"
        async with bot_process(
            bot.api,
            database_url,
            log,
            command,
            TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{proxy.port}/bot",
        ) as process:
            await _told_telegram_cannot_be_reached(process)
            assert process.process.returncode is None  # still there, waiting
            assert "Traceback" not in process.stderr()

            proxy.restore()
            if command == "run":
                ann = bot.api.person(7701, "Ann")
                await ann.command("start")
                [welcome] = await ann.wait_for_replies(1, timeout=30)
                assert (welcome.text or "").startswith("Hello, I'm BackCheck.")
            else:
                for _ in range(300):
                    if len(bot.api.calls_to("getMe")) > asked:
                        break
                    await asyncio.sleep(0.1)
                assert len(bot.api.calls_to("getMe")) > asked  # it got through
            process.signal(signal.SIGTERM)
            assert await process.exit_code(timeout=15) == 0
            assert process.trouble() == []


@pytest.mark.parametrize("command", ["run", "worker"])
async def test_a_stop_while_telegram_cannot_be_reached_exits_cleanly_at_once(
    bot: BotUnderTest, database_url: str, tmp_path: Path, command: str
) -> None:
    """A deploy during a Telegram outage: SIGTERM ends the wait with exit 0, not a kill."""
    async with tcp_proxy("127.0.0.1", bot.api.port) as proxy:
        proxy.cut()
        async with bot_process(
            bot.api,
            database_url,
            tmp_path / "process.log",
            command,
            TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{proxy.port}/bot",
        ) as process:
            await _told_telegram_cannot_be_reached(process)
            process.signal(signal.SIGTERM)
            assert await process.exit_code(timeout=10) == 0
            assert "stopping before Telegram was reached" in process.stderr()
            assert "Traceback" not in process.stderr()


async def test_a_token_telegram_refuses_stops_the_process_in_one_line_without_the_token(
    bot: BotUnderTest, database_url: str, tmp_path: Path
) -> None:
    wrong = "123456:WRONGtokenWRONGtoken"
    async with bot_process(
        bot.api, database_url, tmp_path / "process.log", "worker", TELEGRAM_BOT_TOKEN=wrong
    ) as process:
        assert await process.exit_code(timeout=30) == 2
        log = process.stderr()
        assert "Telegram refused TELEGRAM_BOT_TOKEN" in log
        assert "WRONGtoken" not in log
        assert "Traceback" not in log


async def test_a_command_menu_telegram_refuses_does_not_stop_the_bot(
    bot: BotUnderTest, database_url: str, tmp_path: Path
) -> None:
    """Six menus (one a language) are set at start: one that fails is logged at WARNING and
    the bot serves people all the same."""
    bot.api.faults.server_error("setMyCommands", times=1_000_000)
    async with bot_process(bot.api, database_url, tmp_path / "process.log", "run") as process:
        ann = bot.api.person(7702, "Ann", language_code="es")
        await ann.command("start")
        [welcome] = await ann.wait_for_replies(1, timeout=30)
        assert (welcome.text or "").startswith("Hola, soy BackCheck.")
        assert "the command menu (es) was not set: NetworkError" in process.stderr()
        process.signal(signal.SIGTERM)
        assert await process.exit_code(timeout=15) == 0
