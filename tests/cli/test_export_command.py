"""``python -m bot export PATH`` refuses to write pseudonyms it could not key like the bot's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_export_without_a_pseudonym_key_stops_with_one_line(tmp_path: Path) -> None:
    environment = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    for name in ("TELEGRAM_BOT_TOKEN", "ADMIN_PSEUDONYM_SECRET"):
        environment.pop(name, None)
    environment["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'backcheck.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "export", str(tmp_path / "export.csv")],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        "backcheck: configuration error: ADMIN_PSEUDONYM_SECRET (or TELEGRAM_BOT_TOKEN) is not set"
    )
    assert not (tmp_path / "export.csv").exists()
