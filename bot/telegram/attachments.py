"""Sending a picture or file, its message's text as the caption.

A caption never exceeds Telegram's limit: a longer text was made a message of its own when the
turn said it (:meth:`bot.conversation.turn.Turn.attach`). A chart's caption is its description,
which is what a screen reader reads out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import InputFile
from telegram.ext import ExtBot

from bot.conversation.turn import Attachment, AttachmentKind, Outgoing
from bot.insight.documents import Document
from bot.telegram.ratelimit import Lane

Draw = Callable[[Document], Awaitable[bytes]]
"""Draws a person's document from the database (the outbox's sender provides it)."""


async def _input_file(attachment: Attachment, draw: Draw) -> InputFile:
    content = attachment.content
    if isinstance(content, Path):
        # Streamed from disk by the HTTP client, never read whole into memory.
        handle = content.open("rb")
        return InputFile(handle, filename=attachment.filename, read_file_handle=False)
    if isinstance(content, Document):
        return InputFile(await draw(content), filename=attachment.filename)
    return InputFile(await asyncio.to_thread(content), filename=attachment.filename)


async def send_attachment(
    bot: ExtBot[Lane],
    chat_id: int,
    message: Outgoing,
    draw: Draw,
    lane: Lane | None,
    *,
    paid: bool = False,
) -> Any:
    attachment = message.attachment
    assert attachment is not None
    upload = await _input_file(attachment, draw)
    caption, paid_for = message.text or None, paid or None
    try:
        if attachment.kind is AttachmentKind.PHOTO:
            return await bot.send_photo(
                chat_id,
                upload,
                caption=caption,
                allow_paid_broadcast=paid_for,
                rate_limit_args=lane,
            )
        return await bot.send_document(
            chat_id, upload, caption=caption, allow_paid_broadcast=paid_for, rate_limit_args=lane
        )
    finally:
        _discard(attachment, upload)


def _discard(attachment: Attachment, upload: InputFile) -> None:
    """A written file was made for this one message: close and remove it, sent or not."""
    if isinstance(attachment.content, Path):
        content = upload.input_file_content
        if not isinstance(content, bytes):
            content.close()
        with contextlib.suppress(FileNotFoundError):
            attachment.content.unlink()
