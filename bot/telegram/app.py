"""The Application factory: one place where every handler is registered, in order.

Order matters: group -1 answers outside private chats and stops there; then the bot's own
membership (blocked or unblocked), buttons, and every private message. Edited messages match
no handler (``UpdateType.MESSAGE`` is new messages only) and are ignored, as Telegram bots
conventionally do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest
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
from telegram.request import BaseRequest

from bot.clock import Clock
from bot.config import Settings
from bot.conversation.admin import ADMIN_COMMANDS, AdminDesk
from bot.conversation.commands import COMMANDS
from bot.conversation.engine import Conversations
from bot.schedule.digest import DailyDigest
from bot.schedule.dispatcher import Dispatcher
from bot.schedule.jobs import build_scheduler
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.delivery import Delivery
from bot.telegram.errors import ErrorReporter
from bot.telegram.handlers import Handlers
from bot.telegram.ratelimit import ChatRateLimiter, without_limits
from bot.telegram.updates import PerPersonUpdates

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE


def file_url(api_base_url: str) -> str:
    """The file endpoint beside a Bot API base URL (``.../bot`` -> ``.../file/bot``)."""
    root, _, last = api_base_url.rstrip("/").rpartition("/")
    return f"{root}/file/{last}"


async def set_command_menu(application: Application, admin_ids: Iterable[int]) -> None:  # type: ignore[type-arg]
    """The menu people see is the table the handlers run: they cannot disagree. Admins see
    the operators' commands too, in their own chat only (a private chat's id is the user's)."""
    menu = [BotCommand(command.name, command.description) for command in COMMANDS]
    await application.bot.set_my_commands(menu)
    admin_menu = [
        *menu,
        *(BotCommand(command.name, command.description) for command in ADMIN_COMMANDS),
    ]
    for admin_id in sorted(admin_ids):
        try:
            await application.bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(admin_id))
        except BadRequest as error:
            # An admin who has not started the bot yet has no chat: their commands still work.
            log.warning("admin %s has no chat with the bot yet: %s", admin_id, error.message)


def _default_limiter(settings: Settings) -> ChatRateLimiter:
    return ChatRateLimiter() if settings.telegram.rate_limits else without_limits()


def build_application(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    request: BaseRequest | None = None,
    rate_limiter: ChatRateLimiter | None = None,
    run_schedule: bool = False,
) -> Application:  # type: ignore[type-arg]
    """The bot. ``run_schedule`` starts the due queue's clock with the application (a live
    process); tests and the demo drive :class:`Dispatcher` themselves with a moved clock.
    ``rate_limiter`` defaults to Telegram's limits; tests and benchmarks pass their own.
    ``request`` defaults to :class:`AiohttpRequest` for everything but ``getUpdates``."""
    token = settings.require_token().get_secret_value()
    dispatcher = Dispatcher(sessions, settings, clock)
    digest = DailyDigest(sessions, settings, clock)
    scheduler: list[AsyncIOScheduler] = []

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        await set_command_menu(application, settings.admin.ids)
        if run_schedule:
            scheduler.append(
                build_scheduler(
                    application.bot,
                    dispatcher,
                    digest,
                    settings.admin.digest_time.hour,
                    settings.admin.digest_time.minute,
                )
            )
            scheduler[0].start()

    async def post_shutdown(_application: Application) -> None:  # type: ignore[type-arg]
        for running in scheduler:
            running.shutdown(wait=False)

    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.api_base_url)
        .base_file_url(file_url(settings.telegram.api_base_url))
        .rate_limiter(rate_limiter or _default_limiter(settings))
        .concurrent_updates(PerPersonUpdates())
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .request(request or AiohttpRequest())
    )
    application = builder.build()
    conversations = Conversations(sessions, settings, clock)
    delivery = Delivery(sessions, clock, settings.admin.alert_chat_id)
    handlers = Handlers(conversations, AdminDesk(sessions, settings, clock), delivery)

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
    application.add_handler(
        ChatMemberHandler(handlers.membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE, handlers.private_message))
    application.add_error_handler(ErrorReporter(settings.admin.alert_chat_id))
    return application
