"""Logging for a process that handles health data: quiet about content, loud about faults.

An exception's message can carry what a person wrote (a database driver quotes the value it
could not store; SQLAlchemy's ``hide_parameters`` cannot reach the driver's own words), so a
logged traceback keeps every frame, the file, line and function, and each exception's type,
but never its message.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal

QUIET_LIBRARIES = (
    "httpx",
    "httpcore",
    "aiohttp.client",
    "apscheduler.executors.default",
    "telegram",
    "sqlalchemy",
    "aiosqlite",
    "asyncio",
)
"""Kept at WARNING whatever level the process logs at: httpx logs every request URL at INFO
and aiohttp's client may name one (Telegram URLs contain the bot token), python-telegram-bot
logs whole updates (what a person wrote) at DEBUG, SQLAlchemy's INFO is every statement,
aiosqlite's DEBUG every call."""

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class WithoutMessages(logging.Formatter):
    """Tracebacks with each exception's type and where it was raised, never its message."""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = None  # another formatter may have cached the text with messages
        return super().format(record)

    def formatException(self, ei: ExcInfo) -> str:
        chain: list[BaseException] = []
        current = ei[1]
        while current is not None and all(current is not seen for seen in chain):
            chain.append(current)
            current = current.__cause__ or current.__context__
        blocks = [
            "Traceback (most recent call last):\n"
            + "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
            + f"{type(error).__module__}.{type(error).__qualname__}"
            for error in reversed(chain)
        ]
        return "\n\nWhile handling the error above:\n\n".join(blocks)


class JsonLines(WithoutMessages):
    """One JSON object a line (``LOG_FORMAT=json``), for a log aggregator: time, level,
    logger, event, and the update id or pseudonym a line carries (``extra=``), never more."""

    FIELDS = ("update_id", "pseudonym")

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        for name in self.FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(log_format: Literal["text", "json"] = "text", level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format=FORMAT)
    formatter = JsonLines() if log_format == "json" else WithoutMessages(FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    quiet_libraries()


def quiet_libraries() -> None:
    """:data:`QUIET_LIBRARIES` at WARNING, so no level of the process's logging shows them."""
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
