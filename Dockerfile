# BackCheck's image: `python -m bot webhook` by default; the same image runs `worker` and
# `migrate` (docs/operations.md). Nothing secret is baked in: the token, the webhook secret and
# the database password come from the environment at run time.

# Build: the exact locked versions, each checked against its hash, into a virtual environment
# that the runtime stage copies whole.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# requirements-runtime.lock: requirements.lock's versions without pytest, mypy and ruff.
COPY requirements-runtime.lock /tmp/requirements-runtime.lock
RUN pip install --require-hashes --no-deps -r /tmp/requirements-runtime.lock
# The project last, so a code change does not reinstall the dependencies. Editable, as `make`
# installs it: the migrations are found beside the package (bot/db/migrate.py), in /app.
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY migrations ./migrations
COPY bot ./bot
RUN pip install --no-deps -e .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8080 \
    DATABASE_URL=sqlite+aiosqlite:////data/backcheck.db \
    MPLCONFIGDIR=/opt/matplotlib
# A user of its own, with a number, so an orchestrator can check it is not root. /data is the
# only place it can write: a SQLite database there is on a volume, not in the image.
RUN groupadd --gid 10001 backcheck \
    && useradd --uid 10001 --gid backcheck --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin backcheck \
    && install -d -o backcheck -g backcheck -m 0700 /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# Matplotlib's font cache, built once here rather than at every start in a throwaway folder.
RUN python -c "import matplotlib.font_manager" && chmod -R a+rX /opt/matplotlib
WORKDIR /app
USER 10001:10001
EXPOSE 8080
# Liveness only (/healthz): a process that is up but not ready (/readyz) must not be restarted
# for it; readiness is for the load balancer and the monitoring. The slim image has no curl, so
# Python asks. This is the webhook's port (WEB_PORT, else PORT); a worker or `run` serves it on
# WEB_HEALTH_PORT instead, and is given its own check (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('WEB_PORT') or os.environ.get('PORT') or '8080'; urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]
# SIGTERM stops the claims and drains sends in flight; give it 15 s (`docker stop -t 15`).
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "webhook"]
