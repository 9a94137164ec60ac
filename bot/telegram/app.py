"""The Application factory: one place where every handler is registered, in order.

Order matters: group -1 answers outside private chats and stops there; then buttons,
commands, text, locations, and finally anything else a person can send. Edited messages match
no handler (``UpdateType.MESSAGE`` is new messages only) and are ignored, as Telegram bots
conventionally do.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.clock import Clock
from bot.config import Settings
from bot.conversation.commands import COMMANDS
from bot.conversation.engine import Conversations
from bot.telegram.delivery import Delivery
from bot.telegram.errors import ErrorReporter
from bot.telegram.handlers import Handlers

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE


def file_url(api_base_url: str) -> str:
    """The file endpoint beside a Bot API base URL (``.../bot`` -> ``.../file/bot``)."""
    root, _, last = api_base_url.rstrip("/").rpartition("/")
    return f"{root}/file/{last}"


async def set_command_menu(application: Application) -> None:  # type: ignore[type-arg]
    """The menu people see is the table the handlers run: they cannot disagree."""
    await application.bot.set_my_commands(
        [BotCommand(command.name, command.description) for command in COMMANDS]
    )


def build_application(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    request: BaseRequest | None = None,
) -> Application:  # type: ignore[type-arg]
    token = settings.require_token().get_secret_value()
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.api_base_url)
        .base_file_url(file_url(settings.telegram.api_base_url))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(set_command_menu)
    )
    if request is not None:
        builder = builder.request(request)
    application = builder.build()
    conversations = Conversations(sessions, settings, clock)
    delivery = Delivery(sessions, clock, settings.admin.alert_chat_id)
    handlers = Handlers(conversations, delivery)

    async def outside_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
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
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE, handlers.private_message))
    application.add_error_handler(ErrorReporter(settings.admin.alert_chat_id))
    return application
