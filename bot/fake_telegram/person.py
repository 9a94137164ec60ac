"""Acting as the people on the other side: a user in a private chat, a group, a channel.

Every action queues the update Telegram would send and returns it as a dict; the chat's
"mark" moves to the current end of the bot's messages, so ``wait_for_replies(n)`` waits for the
bot's answer to that action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.fake_telegram.models import JSONDict, SentMessage

if TYPE_CHECKING:
    from bot.fake_telegram.chats import ChatState
    from bot.fake_telegram.world import UpdateSource

# The smallest valid PNG (1x1, transparent): what a person "photographs" by default.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
DEFAULT_WAIT = 5.0


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[JSONDict]:
    """A leading ``/command`` (or ``/command@bot``) gets the bot_command entity Telegram adds."""
    if not text.startswith("/") or len(text) < 2:
        return []
    word = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(word)}]


def command_text(name: str, args: tuple[str, ...], mention: str | None = None) -> str:
    head = f"/{name.lstrip('/')}" + (f"@{mention}" if mention else "")
    return " ".join((head, *args))


class ChatView:
    """The bot's messages to one chat, and waiting for more of them."""

    def __init__(self, api: UpdateSource, state: ChatState) -> None:
        self._api = api
        self._state = state

    @property
    def chat_id(self) -> int:
        return self._state.chat_id

    @property
    def chat(self) -> JSONDict:
        return self._state.chat

    @property
    def messages(self) -> list[SentMessage]:
        """Every message the bot sent here, oldest first (deleted ones have ``deleted=True``)."""
        return list(self._state.messages)

    @property
    def last(self) -> SentMessage:
        if not self._state.messages:
            raise AssertionError(f"the bot sent nothing to chat {self.chat_id}")
        return self._state.messages[-1]

    @property
    def texts(self) -> list[str]:
        return [message.text for message in self._state.messages]

    def message(self, message_id: int) -> SentMessage:
        message = self._state.by_id.get(message_id)
        if message is None:
            raise AssertionError(f"the bot sent no message {message_id} to chat {self.chat_id}")
        return message

    def mark(self) -> int:
        """A position to count new bot messages from (see :meth:`replies_since`)."""
        return len(self._state.messages)

    async def wait_for_replies(
        self,
        n: int = 1,
        timeout: float = DEFAULT_WAIT,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until the bot has sent ``n`` messages here since this chat's last action.

        Returns every message since that action (at least ``n``). For messages the chat did not
        prompt (a schedule), take ``mark = chat.mark()`` first and use :meth:`replies_since`.
        """
        return await self._state.wait_for(n, None, timeout)

    async def replies_since(
        self,
        mark: int,
        n: int = 1,
        timeout: float = DEFAULT_WAIT,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until the bot has sent ``n`` messages here after ``mark``; returns them all."""
        return await self._state.wait_for(n, mark, timeout)

    def _find_button(self, label: str) -> tuple[SentMessage, str]:
        seen: list[str] = []
        for message in reversed(self._state.messages):
            if message.deleted:
                continue
            button = message.button(label)
            if button is not None:
                data = button.get("callback_data")
                if not isinstance(data, str):
                    raise AssertionError(
                        f"button {label!r} of message {message.message_id} has no callback_data: "
                        f"{button}"
                    )
                return message, data
            if message.inline_keyboard:
                seen.append(f"#{message.message_id}: {message.button_labels}")
        listing = "; ".join(seen) if seen else "no inline keyboards at all"
        raise AssertionError(
            f"no button labelled {label!r} in chat {self.chat_id}; buttons seen: {listing}"
        )


class Person(ChatView):
    """A Telegram user in a private chat with the bot (chat id = user id)."""

    def __init__(self, api: UpdateSource, state: ChatState, user: JSONDict) -> None:
        super().__init__(api, state)
        self.user = user

    @property
    def user_id(self) -> int:
        return int(self.user["id"])

    @property
    def first_name(self) -> str:
        return str(self.user["first_name"])

    @property
    def blocked(self) -> bool:
        return self._state.blocked

    def _message(self, content: JSONDict, kind: str = "message") -> JSONDict:
        message = self._api.incoming(self._state, self.user, content)
        return self._api.enqueue(self._state, kind, message)

    async def send(self, text: str) -> JSONDict:
        """A text message; a leading /command gets its bot_command entity."""
        content: JSONDict = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return self._message(content)

    async def command(self, name: str, *args: str) -> JSONDict:
        """``command("start", "clinic42")`` sends ``/start clinic42``."""
        return await self.send(command_text(name, args))

    async def press(self, label: str) -> str:
        """Tap the button labelled ``label`` on the newest bot message that has it.

        Returns the callback query id (to be answered with answerCallbackQuery).
        """
        message, data = self._find_button(label)
        return self._api.press(self.user, self._state, message, data)

    async def press_data(self, message_id: int, data: str) -> str:
        """A callback query with arbitrary (forged or stale) data on a bot message."""
        return self._api.press(self.user, self._state, self.message(message_id), data)

    async def share_location(self, latitude: float, longitude: float) -> JSONDict:
        return self._message({"location": {"latitude": latitude, "longitude": longitude}})

    async def edit(self, message_id: int, new_text: str) -> JSONDict:
        """Edit one of this person's own text messages: an ``edited_message`` update."""
        original = self._state.incoming.get(message_id)
        if original is None or "text" not in original:
            raise AssertionError(f"{self.first_name} sent no text message {message_id}")
        edited = {**original, "text": new_text, "edit_date": self._api.date()}
        entities = command_entities(new_text)
        if entities:
            edited["entities"] = entities
        else:
            edited.pop("entities", None)
        self._state.incoming[message_id] = edited
        return self._api.enqueue(self._state, "edited_message", edited)

    async def send_sticker(self, emoji: str = "👍") -> JSONDict:
        upload = self._api.new_upload(b"RIFF-sticker", "sticker.webp", "image/webp", "stickers")
        return self._message(
            {
                "sticker": {
                    "file_id": upload.file_id,
                    "file_unique_id": upload.file_unique_id,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": emoji,
                    "file_size": upload.size,
                }
            }
        )

    async def send_photo(self, data: bytes = TINY_PNG, caption: str | None = None) -> JSONDict:
        """A photo; the bot can download ``data`` back through getFile."""
        upload = self._api.new_upload(data, "photo.jpg", "image/jpeg", "photos")
        content: JSONDict = {"photo": self._api.photo_sizes(upload)}
        if caption:
            content["caption"] = caption
        return self._message(content)

    async def send_document(
        self, data: bytes, filename: str = "file.pdf", mime_type: str = "application/pdf"
    ) -> JSONDict:
        upload = self._api.new_upload(data, filename, mime_type, "documents")
        return self._message({"document": self._api.document_json(upload)})

    async def block_bot(self) -> JSONDict:
        """Block the bot: later sends here answer 403, and a my_chat_member update is queued."""
        return self._member_update("member", "kicked", blocked=True)

    async def unblock_bot(self) -> JSONDict:
        return self._member_update("kicked", "member", blocked=False)

    def _member_update(self, old: str, new: str, *, blocked: bool) -> JSONDict:
        self._state.blocked = blocked
        bot_user = self._api.bot_user

        def member(status: str) -> JSONDict:
            entry: JSONDict = {"status": status, "user": bot_user}
            if status == "kicked":
                entry["until_date"] = 0
            return entry

        payload: JSONDict = {
            "chat": self._state.chat,
            "from": self.user,
            "date": self._api.date(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self._api.enqueue(self._state, "my_chat_member", payload)


class Group(ChatView):
    """A group or supergroup the bot is in; people write in it."""

    @property
    def title(self) -> str:
        return str(self._state.chat.get("title", ""))

    async def send(self, person: Person, text: str) -> JSONDict:
        content: JSONDict = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        message = self._api.incoming(self._state, person.user, content)
        return self._api.enqueue(self._state, "message", message)

    async def command(
        self, person: Person, name: str, *args: str, mention: bool = False
    ) -> JSONDict:
        """``/name args`` in the group; ``mention=True`` sends ``/name@BotUsername``."""
        username = self._api.bot_username if mention else None
        return await self.send(person, command_text(name, args, username))

    async def press(self, person: Person, label: str) -> str:
        message, data = self._find_button(label)
        return self._api.press(person.user, self._state, message, data)


class Channel(ChatView):
    """A channel the bot administers; ``post`` queues a ``channel_post``."""

    async def post(self, text: str) -> JSONDict:
        message = self._api.incoming(self._state, None, {"text": text})
        return self._api.enqueue(self._state, "channel_post", message)
