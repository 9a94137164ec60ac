"""Running the Alembic migrations from code, so the bot and ``alembic`` use one configuration."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

_PROJECT = Path(__file__).resolve().parent.parent.parent


def alembic_config(database_url: str) -> Config:
    """The project's Alembic configuration pointed at ``database_url``."""
    config = Config(str(_PROJECT / "alembic.ini"))
    config.set_main_option("script_location", str(_PROJECT / "migrations"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def upgrade_to_head(database_url: str) -> None:
    """Bring the schema up to date; a no-op when it already is.

    Runs its own event loop (Alembic's async environment), so call it before the bot's loop
    starts or from a worker thread.
    """
    command.upgrade(alembic_config(database_url), "head")
