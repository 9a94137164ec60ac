"""``python -m bot webhook``: the composition root of a web process.

Telegram posts each update to a secret path; the process checks the secret header, stores the
update and answers 200 at once, then handles it (:mod:`bot.telegram.webhook`). Beside that it
does what ``run`` does (the due queue's tick, the digest, retention) and serves ``/healthz``,
``/readyz`` and ``/metrics``. Any number of web processes can share one PostgreSQL database
behind one HTTPS endpoint: the inbox keeps each person's updates in order, and the queue's
leases keep each message to one sender.

On SIGTERM (every deploy) the server stops taking posts first (Telegram posts again what it
could not deliver, to another process or to this one's successor), then the updates being
handled finish and the rest are handed back, then the outbox winds down.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from datetime import timedelta

from apscheduler.triggers.interval import IntervalTrigger
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.error import TelegramError

from bot.config import Settings
from bot.runtime.health import Health, embedded_server, health_routes
from bot.runtime.process import parts, reaching_telegram, until_stopped, wind_down
from bot.telegram.app import build_application, set_command_menu
from bot.telegram.webhook import SECRET_HEADER, WebhookInbox, webhook_path

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5.0
"""How often a web process takes up updates nobody is handling, and beats for /readyz."""
SWEEP_JOB = "inbox-sweep"
LARGEST_UPDATE = 1_000_000
"""Bytes: an update is a few kilobytes (a message of 4,096 characters and its entities)."""


def web_app(webhook: WebhookInbox, secret: str, health: Health) -> Starlette:
    """The webhook's route and the health routes."""

    async def telegram(request: Request) -> Response:
        offered = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(offered.encode(), secret.encode()):
            log.warning("a post to the webhook without the right secret, refused")
            return Response(status_code=403)
        if int(request.headers.get("content-length") or 0) > LARGEST_UPDATE:
            return Response(status_code=413)
        body = await request.body()
        if len(body) > LARGEST_UPDATE:
            return Response(status_code=413)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past reason
            return Response(status_code=400)
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return Response(status_code=400)
        try:
            await webhook.receive(payload)
        except Exception:
            # Not stored: an error status makes Telegram post it again.
            log.exception("update %s could not be stored", payload["update_id"])
            return Response(status_code=503)
        return Response(status_code=200)

    routes = [Route(webhook_path(secret), telegram, methods=["POST"]), *health_routes(health)]
    return Starlette(routes=routes)


async def run_webhook(settings: Settings) -> None:
    """Serve the webhook and send what is owed until SIGINT or SIGTERM."""
    public_url, secret = settings.require_webhook()
    async with parts(settings) as process:
        application = build_application(
            settings, process.sessions, process.clock, process.sender, polling=False
        )
        lease = settings.queue.lease + timedelta(seconds=settings.database.retry_seconds)
        webhook = WebhookInbox(application, process.sessions, process.clock, lease)
        health = Health(process.sessions, settings, process.clock, SWEEP_SECONDS)
        server = embedded_server(
            web_app(webhook, secret.get_secret_value(), health),
            settings.web.host,
            settings.web.port,
        )
        scheduler = process.scheduler()

        registered = False

        async def register() -> None:
            """Tell Telegram where to post; until it answers, try again at each sweep (the
            process serves meanwhile: another one may have registered the same URL)."""
            nonlocal registered
            try:
                await application.bot.set_webhook(
                    public_url + webhook_path(secret.get_secret_value()),
                    secret_token=secret.get_secret_value(),
                    allowed_updates=Update.ALL_TYPES,
                    max_connections=settings.web.max_connections,
                )
                await set_command_menu(application, settings.admin.ids, settings.admin.language)
            except TelegramError as error:
                log.warning("the webhook is not registered yet: %s", type(error).__name__)
                return
            registered = True

        async def sweep() -> None:
            health.beat()
            if not registered:
                await register()
            await webhook.sweep()

        scheduler.add_job(sweep, IntervalTrigger(seconds=SWEEP_SECONDS), id=SWEEP_JOB)
        async with reaching_telegram(application, process.stop):
            await application.start()
            process.sender.start()
            scheduler.start()
            serving = asyncio.get_running_loop().create_task(server.serve())
            stopping = asyncio.get_running_loop().create_task(until_stopped(process.stop))
            try:
                try:
                    await sweep()  # what an earlier process left open
                except Exception as error:  # the database may still be starting
                    log.warning(
                        "the first sweep failed (%s); the next tries again", type(error).__name__
                    )
                await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                server.should_exit = True
                await asyncio.gather(serving, return_exceptions=True)
                await webhook.stop()
                await application.stop()
                await wind_down(process, scheduler)
