"""``python -m bot migrate`` builds the schema on a new SQLite file from the settings."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def test_migrate_creates_every_table_in_a_new_sqlite_file(tmp_path: Path) -> None:
    environment = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    environment.pop("DATABASE_URL", None)
    for _ in range(2):  # a second run is a no-op, not an error
        result = subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "backcheck.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"people", "episodes", "check_ins", "escalations", "due_messages"} <= tables
