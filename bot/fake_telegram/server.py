"""A local Telegram Bot API server on loopback, for end-to-end tests, the demo and benchmarks.

The real bot (python-telegram-bot's ``Application`` and ``Bot``) talks real HTTP to it. It keeps
everything the bot did (calls, messages per chat, uploads, callback answers), lets tests act as
people, injects faults, and answers errors with Telegram's own codes and descriptions.

State lives in one event loop and is only touched between awaits, so it needs no locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from bot.fake_telegram import methods
from bot.fake_telegram.chats import ChatState
from bot.fake_telegram.faults import Faults
from bot.fake_telegram.limits import RateLimits, SendLog, max_in_window
from bot.fake_telegram.models import (
    ApiCall,
    ApiError,
    CallbackAnswer,
    Files,
    JSONDict,
    PendingQuery,
    SentMessage,
    UploadedFile,
    UploadPart,
)
from bot.fake_telegram.person import Channel, Group, Person
from bot.fake_telegram.updates import UpdateQueue

_LOGGER = logging.getLogger(__name__)

_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
        "max_connections",
        "user_id",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_MAX_UPLOAD = 50 * 1024 * 1024
_WEBHOOK_RETRY = 0.05
_CALLBACK_QUERY_TTL = 15.0


def _normalize(raw: dict[str, Any]) -> JSONDict:
    """Form values arrive as strings (nested objects JSON-encoded); give them their types."""
    params: JSONDict = {}
    for key, value in raw.items():
        if isinstance(value, bytes | bytearray):
            value = bytes(value).decode("utf-8", "replace")
        if isinstance(value, str):
            if key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise methods.bad_request(f"can't parse {key} JSON object") from None
            elif key in _INT_FIELDS:
                with contextlib.suppress(ValueError):  # "@channelusername" stays a string
                    value = int(value)
            elif key in _BOOL_FIELDS:
                value = value.lower() in ("true", "1")
        params[key] = value
    return params


class FakeTelegram:
    """The local Bot API server and the test-facing view of everything that went through it.

    ``now`` (monotonic seconds) stamps sends, rate accounting and callback-query age;
    ``wall_clock`` (Unix seconds) gives the ``date`` of messages and updates.

    The method handlers and the simulated people get this object typed as the protocols in
    :mod:`bot.fake_telegram.world`; the members those name are public for that reason.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "BackCheckBot",
        *,
        bot_first_name: str = "BackCheck",
        now: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        enforce_limits: bool = False,
        limits: RateLimits | None = None,
        callback_query_ttl: float = _CALLBACK_QUERY_TTL,
        record_calls: bool = True,
    ) -> None:
        bot_id, _, _secret = token.partition(":")
        if not bot_id.isdigit():
            raise ValueError("a bot token looks like '<digits>:<secret>'")
        self.token = token
        self.bot_username = bot_username
        self.bot_user: JSONDict = {
            "id": int(bot_id),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        # Public: the method handlers stamp sends and callback answers with it, and a test may
        # swap it for a clock of its own.
        self.now = now
        self._wall_clock = wall_clock
        self.callback_query_ttl = callback_query_ttl
        self.record_calls = record_calls

        self.calls: list[ApiCall] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.faults = Faults(spec.name for spec in methods.METHODS.values())
        self.updates = UpdateQueue()
        self.sends = SendLog((limits or RateLimits()) if enforce_limits else None)
        self.commands_by_scope: dict[tuple[str, str], list[JSONDict]] = {}
        self.webhook: JSONDict = {}
        self.in_flight = 0
        """Requests being answered right now: a killed client's slow sends are still answered
        (and delivered) after it is gone, as on Telegram."""

        # Public for the method handlers: they look up the chat a request names (by id or
        # @username), the file a request names, and the callback query being answered.
        self.chats: dict[int, ChatState] = {}
        self.usernames: dict[str, ChatState] = {}
        self.files: dict[str, UploadedFile] = {}
        self.queries: dict[str, PendingQuery] = {}
        self._people: dict[int, Person] = {}
        self._views: dict[int, Group | Channel] = {}
        self._files_by_path: dict[str, UploadedFile] = {}
        self._ids = itertools.count(1)
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._host = "127.0.0.1"
        self._webhook_task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._activity: asyncio.Event | None = None

    # ----------------------------------------------------------------- lifecycle

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=_MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("the local Bot API is already running")
        self._closing = asyncio.Event()
        self.updates.reopen()
        runner = web.AppRunner(self._make_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self._port = int(sockets[0].getsockname()[1]) if sockets else port
        self._host = host
        self._runner = runner

    async def stop(self) -> None:
        self._closing.set()
        self.updates.close()
        await self.stop_webhook()
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the local Bot API is not started")
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For python-telegram-bot's ``base_url`` (it appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For python-telegram-bot's ``base_file_url`` (it appends the token)."""
        return f"{self.url}/file/bot"

    # ----------------------------------------------------------------- people and chats

    def person(
        self,
        user_id: int,
        first_name: str = "Alex",
        language_code: str | None = "en",
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> Person:
        """A user with a private chat to the bot (chat id = user id); same id, same Person."""
        existing = self._people.get(user_id)
        if existing is not None:
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat: JSONDict = {"id": user_id, "type": "private", "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username)):
            if value:
                user[key] = value
                chat[key] = value
        if language_code:
            user["language_code"] = language_code
        person = Person(self, self._register(chat), user)
        self._people[user_id] = person
        return person

    def group(self, chat_id: int = -100123, title: str = "Clinic staff") -> Group:
        """A group (supergroup when the id starts with -100) the bot is a member of."""
        view = self._views.get(chat_id)
        if isinstance(view, Group):
            return view
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        group = Group(self, self._register({"id": chat_id, "type": kind, "title": title}))
        self._views[chat_id] = group
        return group

    def channel(
        self, chat_id: int = -100456, title: str = "BackCheck news", username: str | None = None
    ) -> Channel:
        view = self._views.get(chat_id)
        if isinstance(view, Channel):
            return view
        chat: JSONDict = {"id": chat_id, "type": "channel", "title": title}
        if username:
            chat["username"] = username
        channel = Channel(self, self._register(chat))
        self._views[chat_id] = channel
        return channel

    def _register(self, chat: JSONDict) -> ChatState:
        chat_id = int(chat["id"])
        if chat_id in self.chats:
            raise ValueError(f"chat {chat_id} already exists")
        state = ChatState(chat)
        self.chats[chat_id] = state
        if chat.get("username"):
            self.usernames[f"@{chat['username']}".lower()] = state
        return state

    def chat_state(self, chat_id: int) -> ChatState:
        state = self.chats.get(chat_id)
        if state is None:
            raise KeyError(f"no chat {chat_id} on the local Bot API")
        return state

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages to a chat, oldest first (deleted ones have ``deleted=True``)."""
        return list(self.chat_state(chat_id).messages)

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        message = self.chat_state(chat_id).by_id.get(message_id)
        if message is None:
            raise KeyError(f"the bot sent no message {message_id} to chat {chat_id}")
        return message

    def mark(self, chat_id: int) -> int:
        return len(self.chat_state(chat_id).messages)

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        what: str = "the condition",
    ) -> None:
        """Wait until ``condition()`` holds, re-checked after every request the server answers.

        For effects that are not new messages: a callback answer, an edit, a command menu.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"waited {timeout}s for {what}; last calls: {self._recent_calls()}"
                )
            if self._activity is None:
                self._activity = asyncio.Event()
            event = self._activity
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await event.wait()

    def _recent_calls(self, count: int = 5) -> list[str]:
        return [f"{call.method} -> {call.status}" for call in self.calls[-count:]]

    def _touch(self) -> None:
        event, self._activity = self._activity, None
        if event is not None:
            event.set()

    # ----------------------------------------------------------------- updates

    def take_updates(self) -> list[JSONDict]:
        """Pop every queued update (as dicts) without getUpdates, e.g. for process_update."""
        return self.updates.take_all()

    @property
    def pending_updates(self) -> list[JSONDict]:
        return self.updates.pending

    async def wait_until_updates_consumed(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every queued update was delivered and confirmed (by a later offset)."""
        await self.updates.wait_empty(timeout)

    # ----------------------------------------------------------------- accounting

    def calls_to(self, method: str) -> list[ApiCall]:
        key = method.lower()
        return [call for call in self.calls if call.method.lower() == key]

    def send_times(self, chat_id: int | None = None) -> list[float]:
        """``now()`` of each successful send* to a chat (or to all chats), in order."""
        return self.sends.all_times() if chat_id is None else self.sends.times(chat_id)

    def max_sends_in_window(self, chat_id: int | None = None, window: float = 1.0) -> int:
        """The most sends within any ``window`` seconds, to one chat or overall."""
        return max_in_window(self.send_times(chat_id), window)

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The command menu stored by setMyCommands for a scope and language."""
        return list(self.commands_by_scope.get(methods.scope_key(scope, language_code), []))

    def file(self, file_id: str) -> UploadedFile:
        return self.files[file_id]

    # ----------------------------------------------------------------- for handlers and people

    def date(self) -> int:
        """The ``date`` (Unix seconds) the handlers and people stamp messages and updates with."""
        return int(self._wall_clock())

    def incoming(self, state: ChatState, sender: JSONDict | None, content: JSONDict) -> JSONDict:
        """A message a person (or, with no ``sender``, the channel) sends to a chat.

        Public for the simulated people; it is kept so the bot can reply to it or delete it.
        """
        message: JSONDict = {
            "message_id": state.new_message_id(),
            "date": self.date(),
            "chat": state.chat,
        }
        if sender is None:
            message["sender_chat"] = state.chat
        else:
            message["from"] = sender
        message.update(content)
        state.incoming[message["message_id"]] = message
        return message

    def enqueue(self, state: ChatState, kind: str, payload: JSONDict) -> JSONDict:
        """Queue an update for the bot; public for the simulated people.

        The chat's mark moves to the end of the bot's messages, so waiting for replies counts
        from this action.
        """
        state.mark = len(state.messages)
        update = self.updates.put(kind, payload)
        self._touch()
        return update

    def press(self, user: JSONDict, state: ChatState, message: SentMessage, data: str) -> str:
        """Queue the callback query of a tap on ``message``; returns its id.

        Public for the simulated people; the query waits in ``queries`` for answerCallbackQuery.
        """
        if message.deleted:
            raise AssertionError(f"message {message.message_id} was deleted by the bot")
        query_id = str(4_000_000_000_000_000 + next(self._ids))
        self.queries[query_id] = PendingQuery(
            int(user["id"]), state.chat_id, message.message_id, data, self.now()
        )
        payload: JSONDict = {
            "id": query_id,
            "from": user,
            "message": self.message_json(message),
            "chat_instance": str(abs(state.chat_id) * 7 + 1),
            "data": data,
        }
        self.enqueue(state, "callback_query", payload)
        return query_id

    def new_upload(
        self,
        data: bytes | None,
        filename: str | None,
        mime_type: str | None,
        folder: str,
        url: str | None = None,
    ) -> UploadedFile:
        """Keep a file under a fresh file id and path, so getFile and a resend by id find it.

        Public for the send handlers (the bot's uploads) and the simulated people (theirs).
        """
        n = next(self._ids)
        suffix = "." + filename.rsplit(".", 1)[1] if filename and "." in filename else ""
        upload = UploadedFile(
            data=data,
            filename=filename,
            mime_type=mime_type,
            file_id=f"BQACAgIAAxkBAAI{n:010d}",
            file_unique_id=f"AgAD{n:08d}",
            file_path=f"{folder}/file_{n}{suffix}",
            url=url,
        )
        self.files[upload.file_id] = upload
        self._files_by_path[upload.file_path] = upload
        return upload

    def photo_sizes(self, upload: UploadedFile) -> list[JSONDict]:
        """The PhotoSize list of a photo; every size's file id leads to the same upload.

        Public for the simulated people, whose photos are shown the way the bot's are.
        """
        sizes: list[JSONDict] = []
        for suffix, width, height in (("s", 90, 68), ("m", 320, 240), ("x", 800, 600)):
            file_id = f"{upload.file_id}{suffix}"
            self.files[file_id] = upload
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": f"{upload.file_unique_id}{suffix}",
                    "width": width,
                    "height": height,
                    "file_size": upload.size,
                }
            )
        return sizes

    def document_json(self, upload: UploadedFile) -> JSONDict:
        """The Document object of an upload.

        Public for the simulated people, whose documents are shown the way the bot's are.
        """
        document: JSONDict = {
            "file_id": upload.file_id,
            "file_unique_id": upload.file_unique_id,
            "file_size": upload.size,
        }
        if upload.filename:
            document["file_name"] = upload.filename
        if upload.mime_type:
            document["mime_type"] = upload.mime_type
        return document

    def message_json(self, message: SentMessage) -> JSONDict:
        """The Bot API Message object for one of the bot's messages, as it is now."""
        chat = self.chats[message.chat_id].chat
        body: JSONDict = {"message_id": message.message_id, "date": message.date, "chat": chat}
        if chat["type"] == "channel":
            body["sender_chat"] = chat
        else:
            body["from"] = self.bot_user
        if message.edit_date is not None:
            body["edit_date"] = message.edit_date
        if message.kind == "text":
            body["text"] = message.text
            if message.entities:
                body["entities"] = message.entities
        else:
            if message.file is not None:
                if message.kind == "photo":
                    body["photo"] = self.photo_sizes(message.file)
                else:
                    body["document"] = self.document_json(message.file)
            if message.text:
                body["caption"] = message.text
                if message.entities:
                    body["caption_entities"] = message.entities
        if message.reply_markup and message.inline_keyboard:
            body["reply_markup"] = message.reply_markup
        return body

    # ----------------------------------------------------------------- HTTP

    @staticmethod
    def _json_response(body: JSONDict, status: int = HTTPStatus.OK) -> web.Response:
        return web.Response(
            body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            status=status,
            content_type="application/json",
        )

    def _error_response(self, error: ApiError) -> web.Response:
        return self._json_response(error.to_json(), error.status)

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, Files]:
        raw: dict[str, Any] = dict(request.query) if request.query_string else {}
        files: Files = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise methods.bad_request("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise methods.bad_request("can't parse JSON object")
                raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadPart(
                            value.file.read(), value.filename, value.content_type
                        )
                    else:
                        raw[key] = value
        return _normalize(raw), files

    async def _handle_method(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        try:
            return await self._answer_method(request)
        finally:
            self.in_flight -= 1

    async def _answer_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error_response(ApiError(HTTPStatus.UNAUTHORIZED, "Unauthorized"))
        spec = methods.METHODS.get(request.match_info["method"].lower())
        if spec is None:
            return self._error_response(ApiError(HTTPStatus.NOT_FOUND, "Not Found"))
        try:
            params, files = await self._read_params(request)
        except ApiError as error:
            return self._error_response(error)
        call = ApiCall(spec.name, params, self.now(), files=tuple(files))
        if self.record_calls:
            self.calls.append(call)
        try:
            if self.faults:
                chat_id = params.get("chat_id")
                fault = self.faults.take(spec.key, chat_id if isinstance(chat_id, int) else None)
                if fault is not None:
                    if fault.delay:
                        await self._sleep(fault.delay)
                    injected = fault.error()
                    if injected is not None:
                        raise injected
            result = spec.handler(self, params, files)
            if isinstance(result, Awaitable):
                result = await result
        except ApiError as error:
            call.status = error.status
            self._touch()
            return self._error_response(error)
        except Exception as exc:  # a bug here must reach the test, not hang the bot
            _LOGGER.exception("local Bot API failed on %s", spec.name)
            call.status = int(HTTPStatus.INTERNAL_SERVER_ERROR)
            return self._error_response(
                ApiError(HTTPStatus.INTERNAL_SERVER_ERROR, f"Internal Server Error: {exc!r}")
            )
        call.status = int(HTTPStatus.OK)
        self._touch()
        return self._json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=HTTPStatus.UNAUTHORIZED)
        upload = self._files_by_path.get(request.match_info["path"])
        if upload is None or upload.data is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.Response(
            body=upload.data, content_type=upload.mime_type or "application/octet-stream"
        )

    async def _sleep(self, delay: float) -> None:
        """Sleep, but wake at once when the server stops."""
        try:
            async with asyncio.timeout(delay):
                await self._closing.wait()
        except TimeoutError:
            pass

    # ----------------------------------------------------------------- webhook delivery

    def start_webhook(self, url: str) -> None:
        """Deliver queued updates to ``url``; public for setWebhook's handler."""
        host = urlsplit(url).hostname or ""
        if host not in _LOOPBACK_HOSTS:
            # Stored for getWebhookInfo, never contacted: these tests stay on loopback.
            return
        self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook(url))

    async def stop_webhook(self) -> None:
        """Stop webhook delivery; public for setWebhook's and deleteWebhook's handlers."""
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_webhook(self, url: str) -> None:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        secret = self.webhook.get("secret_token")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        while not self._closing.is_set():
            update = self.updates.first_deliverable()
            if update is None:
                await self.updates.wait_changed(None)
                continue
            try:
                async with self._http.post(url, json=update, headers=headers) as response:
                    delivered = response.status < 300
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.webhook["last_error_message"] = repr(exc)
                self.webhook["last_error_date"] = self.date()
                delivered = False
            if delivered:
                self.updates.confirm(update["update_id"] + 1)
            else:
                await self._sleep(_WEBHOOK_RETRY)
