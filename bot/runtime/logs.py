"""Logging for a process that handles health data: quiet about content, loud about faults."""

from __future__ import annotations

import logging

QUIET_LIBRARIES = ("httpx", "httpcore", "apscheduler.executors.default")
"""httpx logs every request URL at INFO, and Telegram URLs contain the bot token."""


def configure(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
