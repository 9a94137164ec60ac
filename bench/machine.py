"""What every benchmark shares: a fresh database per run, and the machine and versions it ran on
(printed with the figures, BENCHMARKS.md's rule)."""

from __future__ import annotations

import asyncio
import contextlib
import platform
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path

import proc_stats
from sqlalchemy.ext.asyncio import create_async_engine

PG_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PACKAGES = (
    "python-telegram-bot",
    "SQLAlchemy",
    "aiosqlite",
    "asyncpg",
    "httpx",
    "aiohttp",
    "APScheduler",
)


@contextlib.contextmanager
def fresh_database(kind: str, prefix: str) -> Iterator[str]:
    """A new empty database (SQLite file or PostgreSQL database), dropped afterwards."""
    if kind == "sqlite":
        directory = tempfile.mkdtemp(prefix=f"backcheck-{prefix}-")
        try:
            yield f"sqlite+aiosqlite:///{directory}/{prefix}.db"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    name = f"backcheck_{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def pg_admin(statement: str) -> str | None:
    """One statement on the server's maintenance database, outside a transaction."""
    engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            result = await connection.exec_driver_sql(statement)
            return str(result.scalar()) if result.returns_rows else None
    finally:
        await engine.dispose()


def code_version(tree: Path) -> str:
    """The commit of a checkout, and whether its bot/ has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(tree), "status", "--porcelain", "--", "bot"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" + uncommitted changes in bot/" if dirty else "")


def machine_lines(databases: Sequence[str]) -> list[str]:
    """The CPU, OS, Python, databases and library versions, as Markdown list items."""

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    lines = [
        f"- CPU: {proc_stats.cpu_model()}, {proc_stats.cores()} cores available, "
        f"{proc_stats.memory_total_gib():.1f} GiB RAM",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- SQLite {sqlite3.sqlite_version}",
    ]
    if "postgresql" in databases:
        server_version = asyncio.run(pg_admin("SHOW server_version"))
        lines.append(f"- PostgreSQL {server_version} (127.0.0.1, same machine)")
    lines.append("- " + ", ".join(f"{name} {version(name)}" for name in PACKAGES))
    return lines
