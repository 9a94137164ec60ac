"""A local Telegram Bot API server for end-to-end tests, the offline demo and benchmarks.

The real python-telegram-bot talks HTTP to it on loopback; tests act as people and read back
what the bot sent::

    async with FakeTelegram() as api:
        builder = ApplicationBuilder().token(api.token).base_url(api.base_url)
        app = builder.base_file_url(api.base_file_url).build()
        ...  # add handlers, start the app and updater.start_polling()
        alex = api.person(1001, "Alex")
        await alex.command("start", "clinic42")
        [welcome] = await alex.wait_for_replies(1)
        await alex.press("Pain 6")
        api.faults.add("sendMessage", alex.chat_id, status=429, retry_after=3)
"""

from bot.fake_telegram.faults import Fault, Faults
from bot.fake_telegram.limits import RateLimits
from bot.fake_telegram.models import ApiCall, CallbackAnswer, SentMessage, UploadedFile
from bot.fake_telegram.person import Channel, Group, Person
from bot.fake_telegram.server import FakeTelegram

__all__ = [
    "ApiCall",
    "CallbackAnswer",
    "Channel",
    "FakeTelegram",
    "Fault",
    "Faults",
    "Group",
    "Person",
    "RateLimits",
    "SentMessage",
    "UploadedFile",
]
