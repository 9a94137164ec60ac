"""What the bot did against the local Bot API: calls, sent messages, uploads, answers.

Also the plain records the server keeps while it works (multipart file parts as received,
callback queries awaiting their answer), so that every module of the server can share them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

JSONDict = dict[str, Any]
MessageKind = Literal["text", "photo", "document"]


class ApiError(Exception):
    """An error answer, shaped like Telegram's ``{"ok": false, "error_code": ..., ...}``."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def to_json(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        parameters: JSONDict = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: {reason}")


@dataclass(eq=False)
class ApiCall:
    """One request the bot made. Unpacks as ``method, params = call``.

    ``status`` is the HTTP status answered (200, or the error / injected fault);
    ``files`` names the multipart parts that carried uploads.
    """

    method: str
    params: JSONDict
    at: float
    status: int = 0
    files: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Any]:
        return iter((self.method, self.params))


@dataclass(frozen=True)
class UploadPart:
    """One multipart file part as received."""

    data: bytes
    filename: str | None
    mime_type: str | None


# The multipart file parts of one request, by form field name.
Files = dict[str, UploadPart]


@dataclass(eq=False)
class UploadedFile:
    """A file the bot uploaded (multipart) or a person sent; served back by getFile."""

    data: bytes | None
    filename: str | None
    mime_type: str | None
    file_id: str
    file_unique_id: str
    file_path: str
    url: str | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent to a chat, as it is now (after edits).

    ``text`` is the text after entity parsing (HTML / MarkdownV2 markup removed), or the
    caption of a photo or document ("" when there is none).
    """

    chat_id: int
    message_id: int
    kind: MessageKind
    text: str
    date: int
    sent_at: float
    reply_markup: JSONDict | None = None
    entities: list[JSONDict] | None = None
    parse_mode: str | None = None
    raw_text: str | None = None
    file: UploadedFile | None = None
    edits: int = 0
    edit_date: int | None = None
    deleted: bool = False
    params: JSONDict = field(default_factory=dict)

    @property
    def file_bytes(self) -> bytes | None:
        return self.file.data if self.file else None

    @property
    def filename(self) -> str | None:
        return self.file.filename if self.file else None

    @property
    def mime_type(self) -> str | None:
        return self.file.mime_type if self.file else None

    @property
    def inline_keyboard(self) -> list[list[JSONDict]]:
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    @property
    def button_labels(self) -> list[str]:
        return [str(button.get("text")) for row in self.inline_keyboard for button in row]

    def button(self, label: str) -> JSONDict | None:
        for row in self.inline_keyboard:
            for button in row:
                if button.get("text") == label:
                    return button
        return None


@dataclass(eq=False)
class CallbackAnswer:
    """An answerCallbackQuery the server accepted."""

    query_id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    at: float


@dataclass(eq=False)
class PendingQuery:
    """A callback query a person's button press queued, until answerCallbackQuery takes it."""

    user_id: int
    chat_id: int
    message_id: int
    data: str
    created_at: float
