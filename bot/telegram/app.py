"""The Application factory: one place where every handler is registered, in order.

Order matters: group -1 answers outside private chats and stops there; then the bot's own
membership (blocked or unblocked), buttons, and every private message. Edited messages match
no handler (``UpdateType.MESSAGE`` is new messages only) and are ignored, as Telegram bots
conventionally do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import metrics
from bot.clock import Clock
from bot.config import Settings
from bot.conversation.admin import ADMIN_COMMANDS, AdminDesk
from bot.conversation.commands import COMMANDS
from bot.conversation.engine import Conversations
from bot.i18n import SOURCE_LANGUAGE, languages, telegram_language_code
from bot.telegram.errors import ErrorReporter
from bot.telegram.handlers import Handlers
from bot.telegram.sender import Sender
from bot.telegram.updates import PerPersonUpdates
from bot.texts import Texts, texts_for

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE


def command_menu(words: Texts) -> list[BotCommand]:
    """The people's commands, described in one language."""
    return [BotCommand(command.name, words.COMMANDS[command.name]) for command in COMMANDS]


async def set_command_menu(
    application: Application,  # type: ignore[type-arg]
    admin_ids: Iterable[int],
    admin_language: str,
) -> None:
    """The menu people see is the table the handlers run: they cannot disagree. Each language
    BackCheck speaks has its menu, which Telegram shows to people whose app is set to it
    (English to everyone else). Admins see the operators' commands too, in their own chat
    only (a private chat's id is the user's), in ``ADMIN_LANGUAGE``.

    The menu is a convenience: the commands work without it. A menu Telegram does not take
    (an outage, an admin who has not opened the chat yet) is logged and the process goes on,
    with the next start setting it again."""
    bot = application.bot

    async def set_menu(menu: list[BotCommand], where: str, **scope: Any) -> None:
        try:
            await bot.set_my_commands(menu, **scope)
        except TelegramError as error:
            log.warning("the command menu (%s) was not set: %s", where, type(error).__name__)

    for language in languages():
        code = None if language == SOURCE_LANGUAGE else telegram_language_code(language)
        await set_menu(command_menu(texts_for(language)), language, language_code=code)
    words = texts_for(admin_language)
    admin_menu = [
        *command_menu(words),
        *(
            BotCommand(command.name, words.ADMIN_COMMANDS[command.name])
            for command in ADMIN_COMMANDS
        ),
    ]
    for admin_id in sorted(admin_ids):
        # An admin who has not started the bot yet has no chat: their commands still work.
        await set_menu(admin_menu, f"admin {admin_id}", scope=BotCommandScopeChat(admin_id))


def build_application(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    sender: Sender,
    *,
    polling: bool = True,
) -> Application:  # type: ignore[type-arg]
    """The bot's handlers on the sender's bot; what they owe is sent by ``sender``. Without
    ``polling`` the Application has no Updater: updates come from the webhook's inbox. The
    composition roots set the command menu (:func:`set_command_menu`) once it has started.

    Nothing here ticks the due queue: the composition roots of :mod:`bot.runtime` put the
    Application, the sender and the scheduler together, and tests drive them with a moved clock.
    """

    updates = PerPersonUpdates()
    sender.replies_first(updates)
    builder = (
        ApplicationBuilder()
        .bot(sender.bot)
        .concurrent_updates(updates)
        .job_queue(None)  # the due queue is BackCheck's own (bot.runtime), never one job a person
    )
    application = (builder if polling else builder.updater(None)).build()
    conversations = Conversations(sessions, settings, clock)
    handlers = Handlers(conversations, AdminDesk(sessions, settings, clock), sender)

    async def outside_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command in a group gets one line pointing to the private chat; anything else, and
        every channel post (a reply there would be public), gets nothing."""
        metrics.UPDATES.labels("other").inc()
        message = update.message
        if message is not None and (message.text or "").startswith("/"):
            await handlers.outside_private_chat(update, context)
        raise ApplicationHandlerStop

    application.add_handler(
        MessageHandler(
            ~PRIVATE & (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST),
            outside_private,
        ),
        group=-1,
    )
    application.add_handler(
        ChatMemberHandler(handlers.membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE, handlers.private_message))
    application.add_error_handler(
        ErrorReporter(settings.admin.alert_chat_id, texts_for(settings.admin.language))
    )
    return application
