"""Thin handlers: turn a Telegram update into an Incoming, let the conversation decide, and hand
the chat to the sender.

What a turn says is in the outbox once the turn has committed; the sender sends it in the
background, so the update's slot is free at once and no per-chat wait ever holds one. Answering
a button's callback is best effort: after a restart or under load Telegram may already call the
query too old, which must never stop the reply.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import replace

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import metrics
from bot.conversation import parsing
from bot.conversation.admin import AdminDesk
from bot.conversation.engine import Conversations
from bot.conversation.turn import Incoming
from bot.i18n import supported
from bot.telegram import callbacks
from bot.telegram.sender import Sender
from bot.texts import Texts, texts_for

log = logging.getLogger(__name__)


def _command(message: Message) -> tuple[str, str]:
    """("start", "clinic42") from "/start@BackCheckBot clinic42"."""
    head, _, payload = (message.text or "").partition(" ")
    return head.lstrip("/").split("@", 1)[0], payload.strip()


async def _answer(query: CallbackQuery, notice: str | None) -> None:
    try:
        await query.answer(notice)
    except TelegramError as error:
        log.info("a button's answer was not taken: %s", type(error).__name__)


def _words(language_code: str | None) -> Texts:
    """What is said without the database (a stale tap, an apology) is said in the language of
    the person's Telegram app: their stored choice is out of reach there."""
    return texts_for(supported(language_code))


async def _close(question: Message) -> None:
    """Take the buttons off an answered question. Cosmetic: if Telegram refuses (the message
    is too old to edit, or was already closed), the stale-button check still protects it."""
    with contextlib.suppress(TelegramError):
        await question.edit_reply_markup(reply_markup=None)


class Handlers:
    def __init__(self, conversations: Conversations, admin_desk: AdminDesk, sender: Sender) -> None:
        self._conversations = conversations
        self._admin_desk = admin_desk
        self._sender = sender

    async def private_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        started = time.monotonic()
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        metrics.UPDATES.labels("message").inc()
        if message.chat_id != user.id:
            log.warning(
                "update %s: a message from another person's chat, ignored", update.update_id
            )
            return
        incoming = Incoming(
            user_id=user.id,
            chat_id=message.chat_id,
            unsupported=True,
            language_code=user.language_code,
        )
        if message.text is not None and message.text.startswith("/"):
            command, payload = _command(message)
            incoming = replace(incoming, command=command, payload=payload, unsupported=False)
        elif message.text is not None:
            text = parsing.clean_text(message.text)
            incoming = replace(incoming, text=text, unsupported=False)
        elif message.location is not None:
            location = (message.location.latitude, message.location.longitude)
            incoming = replace(incoming, location=location, unsupported=False)
        if self._admin_desk.serves(incoming):
            reports = await self._admin_desk.answer(incoming)
            await self._sender.send_directly(message.chat_id, reports)
            return
        try:
            reply = await self._conversations.handle(incoming, self._sender.claimant())
        except Exception:
            await self._apologise(message.chat_id, user.language_code)
            raise
        self._sender.after_turn(
            message.chat_id, claimed=reply.claimed, waiting=reply.waiting, started=started
        )

    async def button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        started = time.monotonic()
        query = update.callback_query
        if query is None:
            return
        metrics.UPDATES.labels("button").inc()
        message = query.message
        language_code = query.from_user.language_code
        decoded = callbacks.decode(query.data)
        if decoded is None or message is None or message.chat.type != ChatType.PRIVATE:
            await _answer(query, _words(language_code).STALE_BUTTON)
            return
        if message.chat.id != query.from_user.id:
            # A private chat is one person's: a tap from anyone else is forged (Telegram's own
            # updates cannot carry one; a forged webhook request could).
            log.warning("update %s: a button of another person's chat, ignored", update.update_id)
            await _answer(query, _words(language_code).STALE_BUTTON)
            return
        question_number, value = decoded
        incoming = Incoming(
            user_id=query.from_user.id,
            chat_id=message.chat.id,
            button_question=question_number,
            button_value=value,
            language_code=language_code,
        )
        try:
            reply = await self._conversations.handle(incoming, self._sender.claimant())
        except Exception:
            await _answer(query, _words(language_code).COULD_NOT_SAVE)
            await self._apologise(message.chat.id, language_code)
            raise

        async def answer() -> None:
            await _answer(query, reply.notice)

        async def close() -> None:
            if reply.close_question and isinstance(message, Message):
                await _close(message)

        self._sender.after_turn(
            message.chat.id,
            claimed=reply.claimed,
            waiting=reply.waiting,
            first=answer,
            then=close,
            started=started,
        )

    async def membership(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A person blocked the bot ("kicked") or unblocked it: stop or resume owing them."""
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        metrics.UPDATES.labels("membership").inc()
        blocked = change.new_chat_member.status == ChatMemberStatus.BANNED
        await self._conversations.membership(change.from_user.id, blocked=blocked)

    async def outside_private_chat(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        """Health conversations stay out of groups: say so, and do nothing else."""
        message = update.effective_message
        if message is None:
            return
        user = update.effective_user
        words = _words(user.language_code if user is not None else None)
        await message.reply_text(words.PRIVATE_ONLY.format(username=context.bot.username))

    async def _apologise(self, chat_id: int, language_code: str | None) -> None:
        """The answer could not be stored: say so, without the database (it is not), in the
        language of the person's Telegram app."""
        try:
            await self._sender.bot.send_message(chat_id, _words(language_code).COULD_NOT_SAVE)
        except TelegramError as error:
            log.warning("the apology was not delivered either: %s", type(error).__name__)
