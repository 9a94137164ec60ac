"""What the parts of the local Bot API need of the server, as protocols.

The method handlers (:mod:`bot.fake_telegram.methods`) and the simulated people, groups and
channels (:mod:`bot.fake_telegram.person`) are given the server itself, a
:class:`~bot.fake_telegram.server.FakeTelegram`. Typing them with these protocols instead keeps
the imports one-way (the server imports its parts, never the reverse) and states exactly which
of the server's members each part relies on.
"""

from __future__ import annotations

from typing import Protocol

from bot.fake_telegram.chats import ChatState
from bot.fake_telegram.limits import SendLog
from bot.fake_telegram.models import (
    CallbackAnswer,
    JSONDict,
    PendingQuery,
    SentMessage,
    UploadedFile,
)
from bot.fake_telegram.updates import UpdateQueue


class BotApiState(Protocol):
    """The server's state as the Bot API method handlers read and change it."""

    bot_user: JSONDict
    callback_query_ttl: float
    callback_answers: list[CallbackAnswer]
    commands_by_scope: dict[tuple[str, str], list[JSONDict]]
    webhook: JSONDict
    sends: SendLog
    updates: UpdateQueue
    chats: dict[int, ChatState]
    usernames: dict[str, ChatState]
    files: dict[str, UploadedFile]
    queries: dict[str, PendingQuery]

    def now(self) -> float: ...

    def date(self) -> int: ...

    def message_json(self, message: SentMessage) -> JSONDict: ...

    def new_upload(
        self,
        data: bytes | None,
        filename: str | None,
        mime_type: str | None,
        folder: str,
        url: str | None = None,
    ) -> UploadedFile: ...

    def start_webhook(self, url: str) -> None: ...

    async def stop_webhook(self) -> None: ...


class UpdateSource(Protocol):
    """The server as the simulated people, groups and channels use it to send the bot updates."""

    bot_user: JSONDict
    bot_username: str

    def date(self) -> int: ...

    def incoming(
        self, state: ChatState, sender: JSONDict | None, content: JSONDict
    ) -> JSONDict: ...

    def enqueue(self, state: ChatState, kind: str, payload: JSONDict) -> JSONDict: ...

    def press(self, user: JSONDict, state: ChatState, message: SentMessage, data: str) -> str: ...

    def new_upload(
        self, data: bytes | None, filename: str | None, mime_type: str | None, folder: str
    ) -> UploadedFile: ...

    def photo_sizes(self, upload: UploadedFile) -> list[JSONDict]: ...

    def document_json(self, upload: UploadedFile) -> JSONDict: ...
