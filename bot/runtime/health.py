"""Health and metrics over HTTP: what a platform probes and what an operator graphs.

``/healthz`` says the process runs (a platform restarts it when it stops answering).
``/readyz`` says it can do its work: the database answers, its periodic job still ticks (a
stuck event loop or a dead scheduler would stop it), and no escalation has been owed longer
than ``WEB_READY_ESCALATION_AGE`` (a person told to call the emergency number must not wait on
a process that looks fine). ``/metrics`` is Prometheus's text: the counters of
:mod:`bot.metrics`, and gauges of the shared queue read from the database at each scrape.

The web process serves these beside the webhook; ``run`` and ``worker`` serve them on
``WEB_HEALTH_PORT`` with a small server of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass, field
from datetime import timedelta

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot import metrics
from bot.care.levels import Level
from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import reading
from bot.db.models import (
    DueMessage,
    DueStatus,
    Escalation,
    InboxUpdate,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0
"""Seconds the readiness probe waits for the database before calling it away."""
STALE_BEATS = 3
"""Beats missed before the periodic job counts as stuck."""
ESCALATIONS_GRAPHED = timedelta(days=30)


@dataclass
class Health:
    """A process's readiness, from its database, its periodic job and the queue it serves."""

    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    clock: Clock
    beat_seconds: float
    """How often the process's periodic job calls :meth:`beat`."""
    last_beat: float = field(default_factory=time.monotonic)

    def beat(self) -> None:
        """The periodic job ran (the scheduler and the event loop are alive)."""
        self.last_beat = time.monotonic()

    async def readiness(self) -> dict[str, bool]:
        """Each check and whether it passes."""
        checks = {"ticking": time.monotonic() - self.last_beat < STALE_BEATS * self.beat_seconds}
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                oldest = await self._oldest_owed_escalation()
        except Exception as error:
            log.warning("not ready: the database did not answer (%s)", type(error).__name__)
            checks |= {"database": False, "escalations": False}
            return checks
        bound = self.settings.web.ready_escalation_age
        checks |= {"database": True, "escalations": oldest is None or oldest < bound}
        return checks

    async def _oldest_owed_escalation(self) -> float | None:
        async with reading(self.sessions) as session:
            await session.execute(text("SELECT 1"))
            created = await session.scalar(
                select(func.min(OutboxMessage.created_at)).where(
                    OutboxMessage.kind == OutboxKind.ESCALATION,
                    OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.CLAIMED)),
                )
            )
        if created is None:
            return None
        return (self.clock.now() - created).total_seconds()

    async def refresh(self) -> None:
        """Set the gauges of :mod:`bot.metrics` from the database (before each scrape)."""
        now = self.clock.now()
        owed = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)
        async with reading(self.sessions) as session:
            by_kind = {
                row.kind: row
                for row in await session.execute(
                    select(
                        OutboxMessage.kind,
                        func.count().label("rows"),
                        func.min(OutboxMessage.created_at).label("oldest"),
                    )
                    .where(OutboxMessage.status.in_(owed))
                    .group_by(OutboxMessage.kind)
                )
            }
            given_up = {
                kind: count
                for kind, count in await session.execute(
                    select(OutboxMessage.kind, func.count())
                    .where(OutboxMessage.status == OutboxStatus.FAILED)
                    .group_by(OutboxMessage.kind)
                )
            }
            due = await session.scalar(
                select(func.count()).where(
                    DueMessage.status == DueStatus.PENDING, DueMessage.due_at <= now
                )
            )
            escalations = await session.execute(
                select(Escalation.level, Escalation.outcome, func.count())
                .where(Escalation.created_at >= now - ESCALATIONS_GRAPHED)
                .group_by(Escalation.level, Escalation.outcome)
            )
            open_updates = await session.scalar(
                select(func.count()).where(InboxUpdate.handled_at.is_(None))
            )
        for kind in OutboxKind:
            row = by_kind.get(kind)
            metrics.OWED.labels(kind.value).set(row.rows if row else 0)
            age = (now - row.oldest).total_seconds() if row else 0.0
            metrics.OLDEST_OWED.labels(kind.value).set(max(age, 0.0))
            metrics.GIVEN_UP.labels(kind.value).set(given_up.get(kind, 0))
        metrics.DUE.set(due or 0)
        metrics.ESCALATIONS.clear()
        for level, outcome, count in escalations:
            outcome_label = outcome.value if outcome is not None else "none"
            metrics.ESCALATIONS.labels(Level(level).name, outcome_label).set(count)
        metrics.INBOX_OPEN.set(open_updates or 0)


def health_routes(health: Health) -> list[Route]:
    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(_request: Request) -> Response:
        checks = await health.readiness()
        return JSONResponse(checks, status_code=200 if all(checks.values()) else 503)

    async def metrics_page(_request: Request) -> Response:
        try:
            await health.refresh()
        except Exception as error:
            # The process's own counters are still worth a scrape without the database.
            log.warning("metrics without the queue's gauges: %s", type(error).__name__)
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_page),
    ]


class EmbeddedServer(uvicorn.Server):
    """Uvicorn inside a process that handles SIGTERM and SIGINT itself: the process decides
    when the server stops (``should_exit``), after its own wind-down order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def embedded_server(app: Starlette, host: str, port: int) -> EmbeddedServer:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # the process's logging, not uvicorn's
        access_log=False,  # paths and addresses are not the operator's business in the log
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    return EmbeddedServer(config)


BEAT_SECONDS = 5.0
BEAT_JOB = "health-beat"


@contextlib.asynccontextmanager
async def health_server(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    scheduler: AsyncIOScheduler,
) -> AsyncIterator[None]:
    """Serve the health routes on ``WEB_HEALTH_PORT`` while the block runs (nothing when it is
    not set), beating with ``scheduler``."""
    port = settings.web.health_port
    if port is None:
        yield
        return
    health = Health(sessions, settings, clock, BEAT_SECONDS)

    async def beat() -> None:
        health.beat()

    scheduler.add_job(beat, IntervalTrigger(seconds=BEAT_SECONDS), id=BEAT_JOB)
    server = embedded_server(Starlette(routes=health_routes(health)), settings.web.host, port)
    serving = asyncio.get_running_loop().create_task(server.serve())
    try:
        yield
    finally:
        server.should_exit = True
        await serving
