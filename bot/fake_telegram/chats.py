"""Per-chat state: the bot's messages in order, lookup by id, and waiters for new ones."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.fake_telegram.models import JSONDict, SentMessage

_SHOWN_IN_ERRORS = 10


@dataclass(eq=False)
class ChatState:
    chat: JSONDict
    blocked: bool = False
    next_message_id: int = 1
    messages: list[SentMessage] = field(default_factory=list)
    by_id: dict[int, SentMessage] = field(default_factory=dict)
    incoming: dict[int, JSONDict] = field(default_factory=dict)
    # Index into ``messages`` when someone in the chat last acted: the default "since" mark.
    mark: int = 0
    _waiters: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def add(self, message: SentMessage) -> None:
        self.messages.append(message)
        self.by_id[message.message_id] = message
        if self._waiters:
            count = len(self.messages)
            for target, waiter in self._waiters:
                if count >= target and not waiter.done():
                    waiter.set_result(None)

    def find(self, message_id: int) -> SentMessage | None:
        message = self.by_id.get(message_id)
        return None if message is None or message.deleted else message

    async def wait_for(self, count: int, since: int | None, within: float) -> list[SentMessage]:
        start = self.mark if since is None else since
        target = start + count
        if len(self.messages) < target:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (target, waiter)
            self._waiters.append(entry)
            try:
                async with asyncio.timeout(within):
                    await waiter
            except TimeoutError:
                raise TimeoutError(self._describe_shortfall(count, start, within)) from None
            finally:
                self._waiters.remove(entry)
        return self.messages[start:]

    def _describe_shortfall(self, count: int, start: int, timeout: float) -> str:
        got = self.messages[start:]
        lines = [
            f"chat {self.chat_id}: waited {timeout}s for {count} bot message(s) after mark "
            f"{start}, got {len(got)}"
        ]
        lines += [f"  new #{m.message_id} [{m.kind}] {m.text!r}" for m in got]
        earlier = self.messages[max(0, start - _SHOWN_IN_ERRORS) : start]
        if earlier:
            lines.append("  before the mark:")
            lines += [f"  #{m.message_id} [{m.kind}] {m.text!r}" for m in earlier]
        return "\n".join(lines)
