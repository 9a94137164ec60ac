"""The deployment files say what docs/operations.md promises: the image runs unprivileged from the
hash-checked lock with no secret inside, compose and the Procfile run the right commands, and
the Grafana dashboard graphs exactly the series the bot exposes.

The files are read as text: the checks need no Docker and no YAML library (PyYAML is not a
dependency), and a change that breaks one of these promises fails here before a deploy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.metrics import SERIES

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "docker-compose.yml"
PROCFILE = REPO / "Procfile"
DASHBOARD = REPO / "docs" / "grafana-dashboard.json"
DOCKERIGNORE = REPO / ".dockerignore"

SECRET_NAMES = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD", re.IGNORECASE)
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


# Dockerfile


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, with continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in dockerfile.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    parsed = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        parsed.append((keyword.upper(), arguments.strip()))
    return parsed


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text())


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(index for index, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def test_every_stage_is_based_on_python_3_11_slim(dockerfile: list[tuple[str, str]]) -> None:
    bases = [arguments.split()[0] for keyword, arguments in dockerfile if keyword == "FROM"]
    assert bases
    assert all(base == "python:3.11-slim" for base in bases), bases


def test_dependencies_come_from_the_lock_with_their_hashes(
    dockerfile: list[tuple[str, str]],
) -> None:
    runs = [arguments for keyword, arguments in dockerfile if keyword == "RUN"]
    lock_installs = [
        run for run in runs if "pip install" in run and "requirements-runtime.lock" in run
    ]
    assert len(lock_installs) == 1, runs
    assert "--require-hashes" in lock_installs[0]
    assert "--no-deps" in lock_installs[0]
    project_installs = [run for run in runs if "pip install" in run and run is not lock_installs[0]]
    assert project_installs, "the project itself is installed after the lock"
    assert all("--no-deps" in run for run in project_installs), project_installs
    assert runs.index(lock_installs[0]) < runs.index(project_installs[0])


def test_the_process_runs_as_a_user_that_is_not_root(dockerfile: list[tuple[str, str]]) -> None:
    stage = final_stage(dockerfile)
    keywords = [keyword for keyword, _ in stage]
    assert "USER" in keywords
    assert "CMD" in keywords
    users = [arguments for keyword, arguments in stage if keyword == "USER"]
    last_user_at = max(index for index, keyword in enumerate(keywords) if keyword == "USER")
    assert last_user_at < keywords.index("CMD")
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, users


def test_the_default_command_is_the_webhook_on_port_8080(
    dockerfile: list[tuple[str, str]],
) -> None:
    stage = final_stage(dockerfile)
    commands = [json.loads(arguments) for keyword, arguments in stage if keyword == "CMD"]
    assert commands[-1] == ["python", "-m", "bot", "webhook"]
    assert ("EXPOSE", "8080") in stage
    assert ("WORKDIR", "/app") in stage


def test_the_health_check_asks_healthz_on_the_port_with_python(
    dockerfile: list[tuple[str, str]],
) -> None:
    checks = [
        arguments for keyword, arguments in final_stage(dockerfile) if keyword == "HEALTHCHECK"
    ]
    assert len(checks) == 1
    check = checks[0]
    assert "/healthz" in check
    assert "urllib.request" in check
    assert "PORT" in check
    assert "curl" not in check  # not in the slim image
    assert "wget" not in check


def test_no_secret_is_baked_into_the_image(dockerfile: list[tuple[str, str]]) -> None:
    for keyword, arguments in dockerfile:
        if keyword in {"ENV", "ARG", "LABEL"}:
            names = re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)", arguments)
            assert not [name for name in names if SECRET_NAMES.search(name)], arguments
            assert not re.search(r"://[^/\s:@]+:[^@\s]+@", arguments), "a URL with a password"
        if keyword in {"COPY", "ADD"}:
            assert ".env" not in arguments.split(), arguments


def test_the_build_context_leaves_out_data_secrets_and_caches() -> None:
    ignored = set(DOCKERIGNORE.read_text().split())
    assert {".venv", ".git", ".env", "*.db", "*.db-wal", "*.db-shm", "__pycache__"} <= ignored
    assert {".mypy_cache", ".ruff_cache", ".pytest_cache", "*.csv"} <= ignored


# docker-compose.yml, read by indentation: a top-level key, services two spaces in.


def compose_services(text: str) -> dict[str, str]:
    """Each service's name and the text of its block."""
    services: dict[str, list[str]] = {}
    inside = False
    current: str | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            inside = line.rstrip() == "services:"
            current = None
            continue
        if not inside:
            continue
        name = re.fullmatch(r"  ([A-Za-z0-9_.-]+):\s*", line)
        if name:
            current = name.group(1)
            services[current] = []
        elif current is not None:
            services[current].append(line)
    return {name: "\n".join(lines) for name, lines in services.items()}


@pytest.fixture(scope="module")
def services() -> dict[str, str]:
    return compose_services(COMPOSE.read_text())


def command_of(block: str) -> str:
    found = re.search(r"^    command:\s*(.+)$", block, re.MULTILINE)
    assert found, block
    return " ".join(json.loads(found.group(1)))


def test_compose_runs_postgres_migrate_web_and_worker(services: dict[str, str]) -> None:
    assert set(services) == {"postgres", "migrate", "web", "worker"}
    postgres = services["postgres"]
    assert re.search(r"^    image:\s*postgres:15\s*$", postgres, re.MULTILINE)
    assert "pg_isready" in postgres
    assert re.search(r"^      - postgres-data:/var/lib/postgresql/data\s*$", postgres, re.M)
    assert command_of(services["migrate"]) == "python -m bot migrate"
    assert command_of(services["web"]) == "python -m bot webhook"
    assert command_of(services["worker"]) == "python -m bot worker"


def test_the_bot_services_run_the_image_built_from_the_lock(services: dict[str, str]) -> None:
    """web, worker and migrate are the Dockerfile's image (the hash-checked lock), one tag."""
    images = set()
    for name in ("migrate", "web", "worker"):
        block = services[name]
        assert re.search(r"^    build:\s*\.\s*$", block, re.MULTILINE), name
        image = re.search(r"^    image:\s*(\S+)\s*$", block, re.MULTILINE)
        assert image, name
        images.add(image.group(1))
    assert len(images) == 1, images


def test_the_bot_services_read_secrets_from_env_and_use_the_postgres_service(
    services: dict[str, str],
) -> None:
    for name in ("migrate", "web", "worker"):
        block = services[name]
        assert re.search(r"^    env_file:\s*\.env\s*$", block, re.MULTILINE), name
        url = re.search(r"^      DATABASE_URL:\s*(\S+)\s*$", block, re.MULTILINE)
        assert url, name
        assert re.fullmatch(
            r"postgresql\+asyncpg://backcheck:\$\{POSTGRES_PASSWORD\}@postgres/\w+", url.group(1)
        )
        assert not SECRET_NAMES.search(
            " ".join(re.findall(r"^      ([A-Z_]+):", block, re.MULTILINE))
        ), f"{name} sets a secret in the compose file instead of .env"


def test_web_and_worker_start_after_the_migration_succeeded(services: dict[str, str]) -> None:
    for name in ("web", "worker"):
        assert re.search(
            r"^      migrate:\n        condition: service_completed_successfully$",
            services[name],
            re.MULTILINE,
        ), name
    assert re.search(
        r"^      postgres:\n        condition: service_healthy$", services["migrate"], re.M
    )


def test_the_web_port_and_the_worker_health_port(services: dict[str, str]) -> None:
    assert re.search(r'^      - "8080:8080"$', services["web"], re.MULTILINE)
    worker = services["worker"]
    assert re.search(r'^      WEB_HEALTH_PORT:\s*"8081"$', worker, re.MULTILINE)
    assert "127.0.0.1:8081/healthz" in worker


# Procfile


def test_the_procfile_migrates_on_release_then_runs_web_and_worker() -> None:
    lines = [line for line in PROCFILE.read_text().splitlines() if line.strip()]
    assert dict(line.split(": ", 1) for line in lines) == {
        "release": "python -m bot migrate",
        "web": "python -m bot webhook",
        "worker": "python -m bot worker",
    }


# The Grafana dashboard

PROMQL_WORDS = frozenset(
    {
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "and",
        "or",
        "unless",
        "offset",
        "bool",
        "sum",
        "min",
        "max",
        "avg",
        "count",
        "topk",
        "bottomk",
        "quantile",
        "rate",
        "irate",
        "increase",
        "delta",
        "idelta",
        "deriv",
        "histogram_quantile",
        "clamp_min",
        "clamp_max",
        "abs",
        "vector",
        "scalar",
        "time",
        "max_over_time",
        "min_over_time",
        "avg_over_time",
        "le",
    }
)


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # inside collapsed rows


def metric_names(expr: str) -> set[str]:
    """The series an expression reads: identifiers outside label matchers, ranges, grouping
    clauses and strings, that are not PromQL's own words."""
    bare = re.sub(r'"[^"]*"', "", expr)
    bare = re.sub(r"\{[^}]*\}", "", bare)
    bare = re.sub(r"\[[^\]]*\]", "", bare)
    bare = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", "", bare)
    words = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", bare))
    return {word for word in words if word not in PROMQL_WORDS}


def as_series(name: str) -> str:
    """A histogram's _bucket, _sum and _count are one series in SERIES."""
    if name in SERIES:
        return name
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and name.removesuffix(suffix) in SERIES:
            return name.removesuffix(suffix)
    return name


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def expressions(dashboard: dict[str, Any]) -> list[str]:
    return [
        target["expr"]
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
        if "expr" in target
    ]


def test_the_dashboard_reads_prometheus_through_a_variable(dashboard: dict[str, Any]) -> None:
    assert 36 <= dashboard["schemaVersion"] <= 41
    variables = {var["name"]: var for var in dashboard["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    for panel in panels(dashboard):
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
            assert panel["targets"], panel["title"]


def test_every_expression_reads_only_series_the_bot_exposes(dashboard: dict[str, Any]) -> None:
    for expr in expressions(dashboard):
        names = {as_series(name) for name in metric_names(expr)}
        assert names, expr
        assert names <= set(SERIES), f"{expr!r} reads {sorted(names - set(SERIES))}"


def test_every_series_the_bot_exposes_is_on_a_panel(dashboard: dict[str, Any]) -> None:
    graphed = {as_series(name) for expr in expressions(dashboard) for name in metric_names(expr)}
    assert set(SERIES) <= graphed, sorted(set(SERIES) - graphed)


def test_reply_latency_quantiles_come_from_the_histogram(dashboard: dict[str, Any]) -> None:
    quantiles = [expr for expr in expressions(dashboard) if "histogram_quantile" in expr]
    levels = {re.findall(r"histogram_quantile\(([\d.]+),", expr)[0] for expr in quantiles}
    assert levels == {"0.5", "0.99"}
    for expr in quantiles:
        assert "rate(backcheck_reply_latency_seconds_bucket[" in expr
        assert re.search(r"by \(le\)", expr), expr


def test_the_escalation_age_has_a_line_at_60_seconds(dashboard: dict[str, Any]) -> None:
    ages = [
        panel
        for panel in panels(dashboard)
        if any("backcheck_oldest_owed_seconds" in t["expr"] for t in panel.get("targets", []))
    ]
    assert ages
    for panel in ages:
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert {"color": "red", "value": 60} in steps, panel["title"]


def test_the_matcher_sees_a_stray_series() -> None:
    """The check above would pass vacuously if the extraction found nothing."""
    assert metric_names('sum by (kind) (rate(up{job="x"}[5m]))') == {"up"}
    assert metric_names("histogram_quantile(0.99, sum by (le) (rate(a_bucket[1m])))") == {
        "a_bucket"
    }


def _pins(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", path.read_text(), re.MULTILINE))


def test_the_images_lock_is_the_development_locks_versions_without_the_tools() -> None:
    runtime, everything = (
        _pins(REPO / "requirements-runtime.lock"),
        _pins(REPO / "requirements.lock"),
    )
    assert runtime
    assert {name: everything.get(name) for name in runtime} == runtime
    assert {"pytest", "mypy", "ruff", "hypothesis"} <= set(everything) - set(runtime)
    assert {"python-telegram-bot", "sqlalchemy", "uvicorn", "starlette"} <= set(runtime)
