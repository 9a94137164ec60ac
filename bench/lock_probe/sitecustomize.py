"""SQLite's write lock, seen from inside the bot: a probe for ``bench/load.py --lock-probe``.

Python imports ``sitecustomize`` at start-up from the path; ``bench/load.py`` puts this folder
on the bot process's ``PYTHONPATH`` and names a file in ``BACKCHECK_LOCK_PROBE``. Nothing of the
bot is changed: SQLAlchemy's engine events (for every ``Engine``) time each write transaction
on SQLite, where BackCheck begins every one with ``BEGIN IMMEDIATE`` (``bot/db/engine.py``):

- wait: how long ``BEGIN IMMEDIATE`` took, i.e. the wait for the database's one write lock
  (SQLite's busy handler sleeps and retries until ``busy_timeout``);
- hold: from the lock taken to ``COMMIT`` or ``ROLLBACK`` asked for.

Every two seconds the transactions so far are written to that file as JSON, each as (when
``BEGIN IMMEDIATE`` was asked, wait, hold; hold null when the lock was never had): the process
may be killed rather than exit.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

_PATH = os.environ.get("BACKCHECK_LOCK_PROBE")

if _PATH:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    # (monotonic time BEGIN IMMEDIATE was asked, wait, hold or None if it failed); the clock
    # is CLOCK_MONOTONIC, the same in every process of the machine.
    _done: list[tuple[float, float, float | None]] = []

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            conn.info["probe_asked"] = time.monotonic()

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            conn.info["probe_locked"] = time.monotonic()

    @event.listens_for(Engine, "handle_error")
    def _error(context: Any) -> None:
        if context.statement == "BEGIN IMMEDIATE" and context.connection is not None:
            asked = context.connection.info.pop("probe_asked", None)
            if asked is not None:
                _done.append((asked, time.monotonic() - asked, None))

    def _ended(conn: Any) -> None:
        asked = conn.info.pop("probe_asked", None)
        locked = conn.info.pop("probe_locked", None)
        if asked is not None and locked is not None:
            _done.append((asked, locked - asked, time.monotonic() - locked))

    event.listen(Engine, "commit", _ended)
    event.listen(Engine, "rollback", _ended)

    def _write() -> None:
        target = Path(_PATH)
        while True:
            time.sleep(2.0)
            temporary = target.with_suffix(".tmp")
            temporary.write_text(json.dumps(list(_done)))
            temporary.replace(target)

    threading.Thread(target=_write, name="lock-probe", daemon=True).start()
