"""Running ``python -m bot`` as an operator would: a separate process, its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def environment(*, without: Iterable[str] = (), **values: str) -> dict[str, str]:
    """This process's environment without the variables named in ``without``, with ``values``
    set, and the repository importable."""
    dropped = set(without)
    chosen = {name: value for name, value in os.environ.items() if name not in dropped}
    return {**chosen, **values, "PYTHONPATH": str(REPO)}


def run_bot(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` in ``cwd`` (where it looks for a ``.env`` file)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
