"""The local Bot API server in its own process, so its memory and CPU are not the bot's.

The server answers ``chat not found`` to a chat it does not know, so every person's private
chat is registered up front with :meth:`FakeTelegram.person` (about 1 s and 100 MB for
100,000 people, in this process). ``GET /bench/counts`` reports how many messages each of
those chats received; the process stops when its standard input closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from aiohttp import web
from proc_stats import peak_rss_mib, rss_mib

from bot.fake_telegram import FakeTelegram


class CountingBotApi(FakeTelegram):
    def __init__(self, token: str, first_chat: int, people: int) -> None:
        super().__init__(token, record_calls=False)
        self.first_chat = first_chat
        self.people = people

    def _make_app(self) -> web.Application:
        app = super()._make_app()
        app.router.add_get("/bench/counts", self._counts)
        return app

    async def _counts(self, _request: web.Request) -> web.Response:
        histogram: dict[int, int] = {}
        for chat_id in range(self.first_chat, self.first_chat + self.people):
            received = len(self.sent_to(chat_id))
            histogram[received] = histogram.get(received, 0) + 1
        body = {
            "histogram": histogram,
            "rss_mib": round(rss_mib(), 1),
            "peak_rss_mib": round(peak_rss_mib(), 1),
        }
        return web.json_response(body)


async def serve(token: str, first_chat: int, people: int) -> None:
    api = CountingBotApi(token, first_chat, people)
    started = time.perf_counter()
    for chat_id in range(first_chat, first_chat + people):
        api.person(chat_id, "Person")
    registered = time.perf_counter() - started
    async with api:
        ready = {"url": api.url, "base_url": api.base_url, "register_seconds": registered}
        print(json.dumps(ready), flush=True)
        # Serve until the parent closes our standard input.
        await asyncio.to_thread(sys.stdin.read)


def main(token: str, first_chat: int, people: int) -> None:
    asyncio.run(serve(token, first_chat, people))
