"""What an operator graphs: the process's counters and gauges, in Prometheus's format.

Counters count what this process did (each process has its own; Prometheus adds them up);
gauges of what is owed are read from the database by :func:`bot.runtime.health.refresh`, so
every process reports the same shared queue. Labels carry kinds, levels and outcomes, never a
person.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "backcheck_updates_handled",
    "Updates from Telegram handled, by kind (message, button, membership; other: from a "
    "group or channel, answered with one line or not at all).",
    ["kind"],
    registry=REGISTRY,
)
MESSAGES_SENT = Counter(
    "backcheck_messages_sent",
    "Messages Telegram accepted, by outbox kind (reply, escalation, scheduled, alert).",
    ["kind"],
    registry=REGISTRY,
)
SEND_ERRORS = Counter(
    "backcheck_send_errors",
    "Sends Telegram did not accept, by outbox kind and error (429, 403, 400, 5xx, timeout).",
    ["kind", "error"],
    registry=REGISTRY,
)
REPLY_LATENCY = Histogram(
    "backcheck_reply_latency_seconds",
    "From a handler taking an update to the last message of the turn's reply sent (a turn "
    "whose reply waits behind a failing message is not timed).",
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
ESCALATIONS = Gauge(
    "backcheck_escalations",
    "Escalations of the last 30 days, by level and outcome (none: no answer recorded yet).",
    ["level", "outcome"],
    registry=REGISTRY,
)
OWED = Gauge(
    "backcheck_owed_messages",
    "Outbox messages owed (pending or claimed), by kind.",
    ["kind"],
    registry=REGISTRY,
)
OLDEST_OWED = Gauge(
    "backcheck_oldest_owed_seconds",
    "Age of the oldest message owed, by kind (0 when none is owed).",
    ["kind"],
    registry=REGISTRY,
)
GIVEN_UP = Gauge(
    "backcheck_given_up_messages",
    "Outbox messages given up (refused by Telegram, or failing for six hours), by kind, until "
    "`python -m bot requeue` owes them again; an alert given up is one the operators never saw.",
    ["kind"],
    registry=REGISTRY,
)
DUE = Gauge(
    "backcheck_due_rows",
    "Due-queue rows whose time has come and that are not decided yet.",
    registry=REGISTRY,
)
INBOX_OPEN = Gauge(
    "backcheck_inbox_open_updates",
    "Webhook updates stored and not handled yet.",
    registry=REGISTRY,
)

SERIES = (
    "backcheck_updates_handled_total",
    "backcheck_messages_sent_total",
    "backcheck_send_errors_total",
    "backcheck_reply_latency_seconds",
    "backcheck_escalations",
    "backcheck_owed_messages",
    "backcheck_oldest_owed_seconds",
    "backcheck_given_up_messages",
    "backcheck_due_rows",
    "backcheck_inbox_open_updates",
)
"""Every series ``/metrics`` exposes, as PromQL names them (the dashboard's panels use these)."""
