"""The command line: ``python -m bot <command>``.

Every command reads the settings first, so a misconfigured deployment stops with one line that
names the variable (exit code 2) before it touches the database or Telegram.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings

EXIT_CONFIG_ERROR = 2


def _rules(settings: Settings, arguments: argparse.Namespace) -> int:
    from bot.care.rules import format_rule_table, format_safety_net_table
    from bot.countries import country_sheet, country_table
    from bot.i18n import supported
    from bot.signoff import language_sheet, languages_table
    from bot.texts import texts_for

    print(format_rule_table())
    print("After an escalation (safety-netting):\n")
    print(format_safety_net_table())
    if arguments.language:
        print(language_sheet(settings, arguments.language))
    else:
        print("Languages (python -m bot rules --language XX for each one's exact texts):\n")
        print(languages_table())
    print()
    if arguments.country:
        words = texts_for(supported(arguments.language))
        print(country_sheet(settings, arguments.country, words))
    else:
        print("Emergency numbers by country (from the person's time zone):\n")
        print(country_table())
    return 0


def _flows(_settings: Settings, _arguments: argparse.Namespace) -> int:
    from bot.conversation.flows import mermaid

    print(mermaid())
    return 0


def _migrate(settings: Settings, _arguments: argparse.Namespace) -> int:
    from bot.db.migrate import upgrade_to_head

    upgrade_to_head(settings.database.url)
    return 0


def _run(settings: Settings, _arguments: argparse.Namespace) -> int:
    """Go live: long polling against TELEGRAM_API_BASE_URL with the configured token."""
    import asyncio

    from bot.db.migrate import upgrade_to_head
    from bot.runtime import logs
    from bot.runtime.live import run_polling

    settings.require_token()
    logs.configure(settings.log.format)
    upgrade_to_head(settings.database.url)
    asyncio.run(run_polling(settings))
    return 0


def _worker(settings: Settings, arguments: argparse.Namespace) -> int:
    """Send what the due queue owes, without answering updates: add these to scale out sends.

    ``--until-idle`` drains what is due now and exits (for batch runs and tests); otherwise
    APScheduler ticks until the process is stopped.
    """
    import asyncio

    from bot.db.migrate import upgrade_to_head
    from bot.runtime import logs
    from bot.runtime.worker import run_worker

    settings.require_token()
    logs.configure(settings.log.format)
    upgrade_to_head(settings.database.url)
    asyncio.run(run_worker(settings, until_idle=arguments.until_idle))
    return 0


def _webhook(settings: Settings, _arguments: argparse.Namespace) -> int:
    """Go live behind HTTPS: Telegram posts updates to WEB_PUBLIC_URL; several processes may
    serve one PostgreSQL database."""
    import asyncio

    from bot.db.migrate import upgrade_to_head
    from bot.runtime import logs
    from bot.runtime.web import run_webhook

    settings.require_token()
    settings.require_webhook()
    logs.configure(settings.log.format)
    upgrade_to_head(settings.database.url)
    asyncio.run(run_webhook(settings))
    return 0


def _requeue(settings: Settings, _arguments: argparse.Namespace) -> int:
    """Owe again, now, every message that was given up (and every due row that failed)."""
    import asyncio

    from bot.runtime.maintenance import requeue_failed

    messages, rows = asyncio.run(requeue_failed(settings))
    print(f"{messages} messages and {rows} due rows owed again")
    return 0


def _demo(_settings: Settings, _arguments: argparse.Namespace) -> int:
    """The real bot, offline, with a simulated person: needs no token and no network."""
    import asyncio
    import tempfile

    from bot.runtime.demo import run_demo

    asyncio.run(run_demo(print, Path(tempfile.gettempdir()) / "backcheck-demo"))
    return 0


def _export(settings: Settings, arguments: argparse.Namespace) -> int:
    """The operators' pseudonymous export to a file, for data sets too large for Telegram."""
    import asyncio

    from bot.insight.export import export_to_file

    settings.require_pseudonym_key()
    rows = asyncio.run(export_to_file(settings, arguments.path))
    print(f"{rows} check-ins written to {arguments.path}")
    return 0


COMMANDS = {
    "rules": (
        _rules,
        "print the care rule table (id, level, trigger, source) and the safety-netting rules",
    ),
    "flows": (_flows, "print every conversation flow as a Mermaid diagram (as in the README)"),
    "migrate": (_migrate, "bring the database schema up to date"),
    "run": (_run, "go live: long polling with TELEGRAM_BOT_TOKEN"),
    "webhook": (_webhook, "go live behind HTTPS: a webhook on $PORT, health and metrics"),
    "worker": (_worker, "send what the due queue owes, without polling (--until-idle: drain)"),
    "requeue": (_requeue, "owe again every message given up (FAILED), to be sent now"),
    "export": (_export, "write the pseudonymous check-in CSV (as /export) to PATH"),
    "demo": (_demo, "two weeks of follow-up with a simulated person, offline, as a transcript"),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="BackCheck: follow-up after an acute back-muscle strain, on Telegram.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_handler, help_text) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text)
        if name == "rules":
            command.add_argument(
                "--country", metavar="XX", help="what a person in country XX is told"
            )
            command.add_argument(
                "--language",
                metavar="XX",
                help="each red flag's question and the escalation texts in language XX "
                "(es, de, pt-BR ...), for a clinician's sign-off",
            )
        if name == "worker":
            command.add_argument("--until-idle", action="store_true", help="drain, then exit")
        if name == "export":
            command.add_argument("path", type=Path, help="where to write the CSV")
    arguments = parser.parse_args(argv)
    try:
        settings = load_settings()
        handler, _help = COMMANDS[arguments.command]
        return handler(settings, arguments)
    except ConfigError as error:
        print(f"backcheck: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR


if __name__ == "__main__":
    sys.exit(main())
