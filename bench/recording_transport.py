"""A python-telegram-bot transport that never touches the network: it answers every call
with a valid Bot API result and counts ``sendMessage`` per chat.

Used to measure the bot's own cost (queue, conversation, rendering, python-telegram-bot's
request building and answer parsing) without any HTTP in the way.
"""

from __future__ import annotations

import json
import time
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 123456, "is_bot": True, "first_name": "BackCheck", "username": "BackCheckBot"}


class RecordingRequest(BaseRequest):
    """Answers ``getMe`` and ``sendMessage`` (and ``True`` to anything else), without I/O.

    Messages to chats ``first_chat .. first_chat + people - 1`` are counted in a bytearray (one
    byte a chat, saturating at 255) so that counting costs no memory that grows with Python
    objects; anything else is counted in ``other_chats``.
    """

    def __init__(self, first_chat: int, people: int) -> None:
        self.first_chat = first_chat
        self.per_chat = bytearray(people)
        self.other_chats = 0
        self.calls: dict[str, int] = {}
        self._message_id = 0

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        # Time-outs are ignored (nothing here waits); ``object`` accepts whatever is passed.
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        self.calls[endpoint] = self.calls.get(endpoint, 0) + 1
        params = request_data.parameters if request_data is not None else {}
        result: Any
        if endpoint == "getMe":
            result = BOT_USER
        elif endpoint == "sendMessage":
            result = self._message(params)
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        index = chat_id - self.first_chat
        if 0 <= index < len(self.per_chat):
            if self.per_chat[index] < 255:
                self.per_chat[index] += 1
        else:
            self.other_chats += 1
        self._message_id += 1
        message: dict[str, Any] = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Person"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        markup = params.get("reply_markup")
        # Telegram echoes only an inline keyboard, and python-telegram-bot reads a message's
        # reply_markup as one: a reply keyboard or its removal would not parse.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def histogram(self) -> dict[int, int]:
        """How many chats got 0, 1, 2, ... messages."""
        counts: dict[int, int] = {}
        for value in self.per_chat:
            counts[value] = counts.get(value, 0) + 1
        return counts
