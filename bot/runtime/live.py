"""``python -m bot run``: the composition root of a live process.

The Application answers people by long polling; the outbox's sender sends what each turn owes
at once, and the due queue's scheduler ticks beside them, all on one bot (one rate limiter for
everything the process sends).
"""

from __future__ import annotations

from telegram import Update

from bot.config import Settings
from bot.runtime.health import health_server
from bot.runtime.process import parts, reaching_telegram, until_stopped, wind_down
from bot.telegram.app import build_application, set_command_menu


async def run_polling(settings: Settings) -> None:
    """Answer updates and send what is owed until SIGINT or SIGTERM."""
    async with parts(settings) as process:
        application = build_application(settings, process.sessions, process.clock, process.sender)
        updater = application.updater
        assert updater is not None, "an Application built for polling has an Updater"
        scheduler = process.scheduler()
        async with reaching_telegram(application, process.stop):
            await application.start()
            await set_command_menu(application, settings.admin.ids, settings.admin.language)
            await updater.start_polling(
                poll_interval=settings.telegram.poll_interval, allowed_updates=Update.ALL_TYPES
            )
            process.sender.start()
            try:
                async with health_server(process.sessions, settings, process.clock, scheduler):
                    scheduler.start()
                    await until_stopped(process.stop)
            finally:
                # Updates first (their turns are owed before the outbox stops), then the queue.
                await updater.stop()
                await application.stop()
                await wind_down(process, scheduler)
