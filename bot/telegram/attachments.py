"""Sending a picture or file: the message's text rides along as its caption when it fits.

A chart's caption is its description, which is what a screen reader reads out; a text longer
than Telegram allows for a caption follows the file as a message of its own instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from telegram import Bot, InputFile
from telegram.constants import MessageLimit

from bot.conversation.turn import Attachment, AttachmentKind, Outgoing


async def _input_file(attachment: Attachment) -> InputFile:
    content = attachment.content
    if isinstance(content, Path):
        # Streamed from disk by the HTTP client, never read whole into memory.
        handle = content.open("rb")
        return InputFile(handle, filename=attachment.filename, read_file_handle=False)
    return InputFile(await asyncio.to_thread(content), filename=attachment.filename)


async def send_attachment(bot: Bot, chat_id: int, message: Outgoing) -> None:
    attachment = message.attachment
    assert attachment is not None
    fits = len(message.text) <= MessageLimit.CAPTION_LENGTH
    caption = message.text if fits else None
    upload = await _input_file(attachment)
    try:
        if attachment.kind is AttachmentKind.PHOTO:
            await bot.send_photo(chat_id, upload, caption=caption)
        else:
            await bot.send_document(chat_id, upload, caption=caption)
    finally:
        _discard(attachment, upload)
    if not fits:
        await bot.send_message(chat_id, message.text)


def _discard(attachment: Attachment, upload: InputFile) -> None:
    """A written file was made for this one message: close and remove it, sent or not."""
    if isinstance(attachment.content, Path):
        content = upload.input_file_content
        if not isinstance(content, bytes):
            content.close()
        with contextlib.suppress(FileNotFoundError):
            attachment.content.unlink()
