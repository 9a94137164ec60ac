"""The house in layers: every import of ``bot/`` points down the order the README writes."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

from tests.support.imports import cycles, layer_of, read_imports, readme_layers, upward_imports

REPO = Path(__file__).resolve().parents[1]
BOT = REPO / "bot"
README = (REPO / "README.md").read_text()
LAYERS = readme_layers(README)
FAKE_TELEGRAM = "bot.fake_telegram"


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    assert upward_imports(read_imports(BOT), LAYERS) == []


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "bot"
    shutil.copytree(BOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    pain = copy / "care" / "pain.py"
    pain.write_text(pain.read_text() + "\nfrom bot.runtime.dispatcher import Dispatcher\n")
    assert upward_imports(read_imports(copy), LAYERS) == ["bot.care.pain -> bot.runtime.dispatcher"]


def test_no_import_cycle_anywhere_in_the_package() -> None:
    assert cycles(read_imports(BOT)) == []


def test_an_import_cycle_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "bot"
    shutil.copytree(BOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    types = copy / "db" / "types.py"  # the models import their column types
    types.write_text(types.read_text() + "\nfrom bot.db.models import Base\n")
    assert cycles(read_imports(copy)) == [["bot.db.models", "bot.db.types"]]


def test_every_module_of_the_bot_is_in_a_layer_or_the_fake_telegram() -> None:
    unplaced = [
        module
        for module in read_imports(BOT)
        if module != "bot"
        and layer_of(module, LAYERS) is None
        and not module.startswith(FAKE_TELEGRAM)
    ]
    assert unplaced == []


def test_the_fake_telegram_stands_beside_the_bot() -> None:
    imports = read_imports(BOT)
    its_own = {m: t for m, t in imports.items() if m.startswith(FAKE_TELEGRAM)}
    assert {
        t for targets in its_own.values() for t in targets if not t.startswith(FAKE_TELEGRAM)
    } == set()
    users = {
        m
        for m, targets in imports.items()
        if not m.startswith(FAKE_TELEGRAM) and any(t.startswith(FAKE_TELEGRAM) for t in targets)
    }
    assert users == {"bot.runtime.demo"}


def test_the_readme_layout_names_every_module() -> None:
    named = set(re.findall(r"^\| `(bot/[\w/]+\.py)` \|", README, re.M))
    modules = {
        str(path.relative_to(REPO)) for path in BOT.rglob("*.py") if path.name != "__init__.py"
    }
    assert sorted(modules - named) == []
    assert sorted(named - modules) == []


def _private_telegram_names(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "telegram":
            names = [*(node.module or "").split("."), *(alias.name for alias in node.names)]
            found += [f"{node.module}: {name}" for name in names if name.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [
                alias.name
                for alias in node.names
                if alias.name.split(".")[0] == "telegram" and "._" in alias.name
            ]
        elif isinstance(node, ast.Attribute) and node.attr in PTB_PRIVATE_HOOKS:
            found.append(node.attr)
    return found


PTB_PRIVATE_HOOKS = {"_post", "_run_request", "_retry_after", "_do_post", "_request_wrapper"}
"""Private members of python-telegram-bot's Bot, request and limiter classes that a bot might
be tempted to call; the send path uses their public methods instead."""


def test_no_module_uses_a_private_name_of_python_telegram_bot() -> None:
    offenders = {
        str(path.relative_to(REPO)): names
        for path in BOT.rglob("*.py")
        if (names := _private_telegram_names(path))
    }
    assert offenders == {}


def test_a_private_name_of_python_telegram_bot_is_caught(tmp_path: Path) -> None:
    module = tmp_path / "send.py"
    module.write_text(
        "from telegram._utils.types import ODVInput\n"
        "from telegram.ext import AIORateLimiter\n"
        "async def send(bot):\n"
        "    await bot._post('sendMessage', {})\n"
    )
    assert _private_telegram_names(module) == ["telegram._utils.types: _utils", "_post"]
