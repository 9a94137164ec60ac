"""The Bot API methods the local server implements, with Telegram's checks and error texts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from telegram.constants import BotCommandLimit, CallbackQueryLimit

from bot.fake_telegram.models import ApiError, CallbackAnswer, JSONDict, SentMessage, bad_request
from bot.fake_telegram.validation import (
    check_caption,
    check_message_text,
    check_reply_markup,
    same_inline_markup,
)

if TYPE_CHECKING:
    from bot.fake_telegram.chats import ChatState
    from bot.fake_telegram.models import Files, MessageKind, UploadedFile
    from bot.fake_telegram.world import BotApiState

__all__ = ["METHODS", "MethodSpec", "bad_request", "scope_key"]

_BLOCKED = "Forbidden: bot was blocked by the user"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


@dataclass(frozen=True)
class MethodSpec:
    name: str
    handler: Callable[[BotApiState, JSONDict, Files], Any]

    @property
    def key(self) -> str:
        return self.name.lower()


# ----------------------------------------------------------------- helpers


def _int(params: JSONDict, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"invalid {name} specified")
    return value


def _chat(api: BotApiState, params: JSONDict) -> ChatState:
    raw = params.get("chat_id")
    if raw is None or raw == "":
        raise bad_request("chat_id is empty")
    state = api.chats.get(raw) if isinstance(raw, int) else api.usernames.get(str(raw).lower())
    if state is None:
        raise bad_request("chat not found")
    if state.blocked:
        raise ApiError(HTTPStatus.FORBIDDEN, _BLOCKED)
    return state


def _editable(api: BotApiState, params: JSONDict) -> tuple[ChatState, SentMessage]:
    if params.get("inline_message_id"):
        # Inline messages are not simulated: no bot here ever sends one.
        raise bad_request("message to edit not found")
    state = _chat(api, params)
    message_id = _int(params, "message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = state.find(message_id)
    if message is None:
        raise bad_request("message to edit not found")
    return state, message


def _mark_edited(api: BotApiState, message: SentMessage) -> JSONDict:
    message.edits += 1
    message.edit_date = api.date()
    return api.message_json(message)


def _same_content(
    message: SentMessage, text: str, raw: Any, mode: str | None, entities: list[JSONDict] | None
) -> bool:
    """Whether an edit changes nothing Telegram can see: text and formatting.

    Formatting is compared through the markup that produced it (entities are not computed
    here), so text without markup compares equal whatever the parse mode.
    """

    def formatting(plain: str, source: Any, parse_mode: str | None) -> Any:
        return None if source == plain else (source, (parse_mode or "").lower())

    return (
        text == message.text
        and (entities or None) == (message.entities or None)
        and formatting(text, raw, mode)
        == formatting(message.text, message.raw_text, message.parse_mode)
    )


def _record_send(
    api: BotApiState,
    state: ChatState,
    kind: MessageKind,
    text: str,
    params: JSONDict,
    *,
    entities_key: str,
    raw_text: str | None,
    reply_markup: JSONDict | None,
    upload: UploadedFile | None = None,
) -> JSONDict:
    at = api.now()
    entities = params.get(entities_key)
    message = SentMessage(
        chat_id=state.chat_id,
        message_id=state.new_message_id(),
        kind=kind,
        text=text,
        date=api.date(),
        sent_at=at,
        reply_markup=reply_markup,
        entities=entities if isinstance(entities, list) else None,
        parse_mode=params.get("parse_mode") or None,
        raw_text=raw_text,
        file=upload,
        params=params,
    )
    state.add(message)
    api.sends.record(state.chat_id, at)
    return api.message_json(message)


def _reply_target(state: ChatState, params: JSONDict) -> None:
    reply = params.get("reply_parameters")
    target = (
        reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
    )
    allow_missing = bool(
        params.get("allow_sending_without_reply")
        or (isinstance(reply, dict) and reply.get("allow_sending_without_reply"))
    )
    if target is None or allow_missing:
        return
    if not isinstance(target, int) or (target not in state.by_id and target not in state.incoming):
        raise bad_request("message to be replied not found")


def _upload(
    api: BotApiState, params: JSONDict, files: Files, field: str, folder: str
) -> UploadedFile:
    part = files.get(field)
    value = params.get(field)
    if part is None and isinstance(value, str) and value.startswith("attach://"):
        part = files.get(value.removeprefix("attach://"))
    if part is not None:
        return api.new_upload(part.data, part.filename, part.mime_type, folder)
    if isinstance(value, str) and value:
        known = api.files.get(value)
        if known is not None:
            return known
        if re.match(r"https?://\S+$", value):
            return api.new_upload(None, value.rsplit("/", 1)[-1] or None, None, folder, url=value)
        raise bad_request("wrong file identifier/HTTP URL specified")
    raise bad_request(f"there is no {field} in the request")


def scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
    scope = scope or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise bad_request("BOT_COMMAND_SCOPE_INVALID")
    if scope["type"].startswith("chat") and "chat_id" not in scope:
        raise bad_request("chat_id is empty")
    return json.dumps(scope, sort_keys=True), str(language_code or "")


# ----------------------------------------------------------------- methods


def get_me(api: BotApiState, params: JSONDict, files: Files) -> JSONDict:
    return {
        **api.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(api: BotApiState, params: JSONDict, files: Files) -> list[JSONDict]:
    if api.webhook.get("url"):
        raise ApiError(
            HTTPStatus.CONFLICT,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    allowed = params.get("allowed_updates")
    return await api.updates.get_updates(
        _int(params, "offset"),
        _int(params, "limit"),
        _int(params, "timeout"),
        allowed if isinstance(allowed, list) else None,
    )


def send_message(api: BotApiState, params: JSONDict, files: Files) -> JSONDict:
    state = _chat(api, params)
    raw = params.get("text")
    text = check_message_text(raw, params.get("parse_mode"))
    markup = check_reply_markup(params.get("reply_markup"))
    _reply_target(state, params)
    api.sends.check(state.chat_id, api.now(), paid=params.get("allow_paid_broadcast") is True)
    return _record_send(
        api, state, "text", text, params, entities_key="entities", raw_text=raw, reply_markup=markup
    )


def _send_media(
    api: BotApiState, params: JSONDict, files: Files, kind: MessageKind, folder: str
) -> JSONDict:
    state = _chat(api, params)
    raw = params.get("caption")
    caption = check_caption(raw, params.get("parse_mode"))
    markup = check_reply_markup(params.get("reply_markup"))
    _reply_target(state, params)
    upload = _upload(api, params, files, kind, folder)
    api.sends.check(state.chat_id, api.now(), paid=params.get("allow_paid_broadcast") is True)
    return _record_send(
        api,
        state,
        kind,
        caption,
        params,
        entities_key="caption_entities",
        raw_text=raw if isinstance(raw, str) else None,
        reply_markup=markup,
        upload=upload,
    )


def send_photo(api: BotApiState, params: JSONDict, files: Files) -> JSONDict:
    return _send_media(api, params, files, "photo", "photos")


def send_document(api: BotApiState, params: JSONDict, files: Files) -> JSONDict:
    return _send_media(api, params, files, "document", "documents")


def edit_message_text(api: BotApiState, params: JSONDict, files: Files) -> JSONDict:
    _state, message = _editable(api, params)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    raw = params.get("text")
    text = check_message_text(raw, params.get("parse_mode"))
    # Telegram drops the inline keyboard when an edit does not repeat it.
    markup = check_reply_markup(params.get("reply_markup"), inline_only=True)
    entities = params.get("entities") if isinstance(params.get("entities"), list) else None
    mode = params.get("parse_mode") or None
    if _same_content(message, text, raw, mode, entities) and same_inline_markup(
        markup, message.reply_markup
    ):
        raise bad_request(_NOT_MODIFIED)
    message.text, message.raw_text, message.entities = text, raw, entities
    message.parse_mode = mode
    message.reply_markup = markup
    return _mark_edited(api, message)


def edit_message_caption(api: BotApiState, params: JSONDict, files: Files) -> JSONDict:
    _state, message = _editable(api, params)
    if message.kind == "text":
        raise bad_request("there is no caption in the message to edit")
    raw = params.get("caption")
    caption = check_caption(raw, params.get("parse_mode"))
    markup = check_reply_markup(params.get("reply_markup"), inline_only=True)
    entities = params.get("caption_entities")
    entities = entities if isinstance(entities, list) else None
    mode = params.get("parse_mode") or None
    if _same_content(message, caption, raw, mode, entities) and same_inline_markup(
        markup, message.reply_markup
    ):
        raise bad_request(_NOT_MODIFIED)
    message.text, message.raw_text, message.reply_markup = caption, raw, markup
    message.entities, message.parse_mode = entities, mode
    return _mark_edited(api, message)


def edit_message_reply_markup(api: BotApiState, params: JSONDict, files: Files) -> JSONDict:
    _state, message = _editable(api, params)
    markup = check_reply_markup(params.get("reply_markup"), inline_only=True)
    if same_inline_markup(markup, message.reply_markup):
        raise bad_request(_NOT_MODIFIED)
    message.reply_markup = markup
    return _mark_edited(api, message)


def delete_message(api: BotApiState, params: JSONDict, files: Files) -> bool:
    state = _chat(api, params)
    message_id = _int(params, "message_id")
    message = state.find(message_id) if message_id is not None else None
    if message is not None:
        message.deleted = True
        return True
    if message_id is not None and state.incoming.pop(message_id, None) is not None:
        return True
    raise bad_request("message to delete not found")


def answer_callback_query(api: BotApiState, params: JSONDict, files: Files) -> bool:
    query_id = str(params.get("callback_query_id") or "")
    query = api.queries.pop(query_id, None)
    now = api.now()
    if query is None or now - query.created_at > api.callback_query_ttl:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if isinstance(text, str) and len(text) > CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    api.callback_answers.append(
        CallbackAnswer(
            query_id=query_id,
            user_id=query.user_id,
            chat_id=query.chat_id,
            message_id=query.message_id,
            data=query.data,
            text=text if isinstance(text, str) else None,
            show_alert=bool(params.get("show_alert")),
            url=params.get("url"),
            cache_time=_int(params, "cache_time"),
            at=now,
        )
    )
    return True


def send_chat_action(api: BotApiState, params: JSONDict, files: Files) -> bool:
    _chat(api, params)
    if params.get("action") not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


def set_my_commands(api: BotApiState, params: JSONDict, files: Files) -> bool:
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > BotCommandLimit.MAX_COMMAND_NUMBER:
        raise bad_request("commands must be an Array of at most 100 BotCommand")
    stored: list[JSONDict] = []
    for entry in commands:
        command = entry.get("command") if isinstance(entry, dict) else None
        description = entry.get("description") if isinstance(entry, dict) else None
        if not isinstance(command, str) or not _COMMAND.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        stored.append({"command": command, "description": description})
    key = scope_key(params.get("scope"), params.get("language_code"))
    if stored:
        api.commands_by_scope[key] = stored
    else:
        api.commands_by_scope.pop(key, None)
    return True


def get_my_commands(api: BotApiState, params: JSONDict, files: Files) -> list[JSONDict]:
    key = scope_key(params.get("scope"), params.get("language_code"))
    return list(api.commands_by_scope.get(key, []))


def delete_my_commands(api: BotApiState, params: JSONDict, files: Files) -> bool:
    api.commands_by_scope.pop(scope_key(params.get("scope"), params.get("language_code")), None)
    return True


async def set_webhook(api: BotApiState, params: JSONDict, files: Files) -> bool:
    url = params.get("url") or ""
    if not isinstance(url, str):
        raise bad_request("bad webhook: invalid URL")
    if url and not re.match(r"https?://[^/\s]+", url):
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    await api.stop_webhook()
    if params.get("drop_pending_updates"):
        api.updates.drop_all()
    if not url:
        api.webhook = {}
        return True
    api.updates.set_allowed(params.get("allowed_updates"))
    api.webhook = {
        "url": url,
        "secret_token": params.get("secret_token"),
        "max_connections": _int(params, "max_connections") or 40,
        "allowed_updates": params.get("allowed_updates"),
    }
    api.start_webhook(url)
    return True


async def delete_webhook(api: BotApiState, params: JSONDict, files: Files) -> bool:
    await api.stop_webhook()
    if params.get("drop_pending_updates"):
        api.updates.drop_all()
    api.webhook = {}
    return True


def get_webhook_info(api: BotApiState, params: JSONDict, files: Files) -> JSONDict:
    webhook = api.webhook
    info: JSONDict = {
        "url": webhook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(api.updates),
    }
    for key in ("max_connections", "allowed_updates", "last_error_date", "last_error_message"):
        if webhook.get(key) is not None:
            info[key] = webhook[key]
    return info


def get_file(api: BotApiState, params: JSONDict, files: Files) -> JSONDict:
    upload = api.files.get(str(params.get("file_id") or ""))
    if upload is None or upload.data is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": upload.file_id,
        "file_unique_id": upload.file_unique_id,
        "file_size": upload.size,
        "file_path": upload.file_path,
    }


def _accept(api: BotApiState, params: JSONDict, files: Files) -> bool:
    return True


def get_chat_menu_button(api: BotApiState, params: JSONDict, files: Files) -> JSONDict:
    return {"type": "commands"}


def _specs(
    *pairs: tuple[str, Callable[[BotApiState, JSONDict, Files], Any]],
) -> dict[str, MethodSpec]:
    return {name.lower(): MethodSpec(name, handler) for name, handler in pairs}


# Telegram matches method names case-insensitively; keys are lower-case.
METHODS: dict[str, MethodSpec] = _specs(
    ("getMe", get_me),
    ("getUpdates", get_updates),
    ("sendMessage", send_message),
    ("sendPhoto", send_photo),
    ("sendDocument", send_document),
    ("editMessageText", edit_message_text),
    ("editMessageCaption", edit_message_caption),
    ("editMessageReplyMarkup", edit_message_reply_markup),
    ("deleteMessage", delete_message),
    ("answerCallbackQuery", answer_callback_query),
    ("sendChatAction", send_chat_action),
    ("setMyCommands", set_my_commands),
    ("getMyCommands", get_my_commands),
    ("deleteMyCommands", delete_my_commands),
    ("setWebhook", set_webhook),
    ("deleteWebhook", delete_webhook),
    ("getWebhookInfo", get_webhook_info),
    ("getFile", get_file),
    # Accepted and recorded so a bot's post_init can set them; nothing here shows them.
    ("setMyDescription", _accept),
    ("setMyShortDescription", _accept),
    ("setMyName", _accept),
    ("setChatMenuButton", _accept),
    ("getChatMenuButton", get_chat_menu_button),
)
