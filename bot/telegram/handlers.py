"""Thin handlers: turn a Telegram update into an Incoming, let the conversation decide, reply."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import texts
from bot.conversation.admin import AdminDesk
from bot.conversation.engine import Conversations
from bot.conversation.turn import Incoming
from bot.telegram import callbacks
from bot.telegram.delivery import Delivery


def _command(message: Message) -> tuple[str, str]:
    """("start", "clinic42") from "/start@BackCheckBot clinic42"."""
    head, _, payload = (message.text or "").partition(" ")
    return head.lstrip("/").split("@", 1)[0], payload.strip()


async def _close(question: Message) -> None:
    """Take the buttons off an answered question. Cosmetic: if Telegram refuses (the message
    is too old to edit, or was already closed), the stale-button check still protects it."""
    with contextlib.suppress(BadRequest):
        await question.edit_reply_markup(reply_markup=None)


class Handlers:
    def __init__(
        self, conversations: Conversations, admin_desk: AdminDesk, delivery: Delivery
    ) -> None:
        self._conversations = conversations
        self._admin_desk = admin_desk
        self._delivery = delivery

    async def private_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        incoming = Incoming(user_id=user.id, chat_id=message.chat_id, unsupported=True)
        if message.text is not None and message.text.startswith("/"):
            command, payload = _command(message)
            incoming = replace(incoming, command=command, payload=payload, unsupported=False)
        elif message.text is not None:
            incoming = replace(incoming, text=message.text, unsupported=False)
        elif message.location is not None:
            location = (message.location.latitude, message.location.longitude)
            incoming = replace(incoming, location=location, unsupported=False)
        if self._admin_desk.serves(incoming):
            messages = await self._admin_desk.answer(incoming)
        else:
            messages = (await self._conversations.handle(incoming)).messages
        await self._delivery.send(context.bot, message.chat_id, messages)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        decoded = callbacks.decode(query.data)
        if decoded is None or message is None or message.chat.type != ChatType.PRIVATE:
            await query.answer(texts.STALE_BUTTON)
            return
        question_number, value = decoded
        incoming = Incoming(
            user_id=query.from_user.id,
            chat_id=message.chat.id,
            button_question=question_number,
            button_value=value,
        )
        reply = await self._conversations.handle(incoming)
        await query.answer(reply.notice)
        await self._delivery.send(context.bot, message.chat.id, reply.messages)
        if reply.close_question and isinstance(message, Message):
            await _close(message)

    async def membership(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A person blocked the bot ("kicked") or unblocked it: stop or resume owing them."""
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        blocked = change.new_chat_member.status == ChatMemberStatus.BANNED
        await self._conversations.membership(change.from_user.id, blocked=blocked)

    async def outside_private_chat(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        """Health conversations stay out of groups: say so, and do nothing else."""
        message = update.effective_message
        if message is None:
            return
        await message.reply_text(texts.PRIVATE_ONLY.format(username=context.bot.username))
