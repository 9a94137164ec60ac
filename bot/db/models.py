"""The data model: every piece of state BackCheck has lives in these tables.

Conversation progress, schedules and outgoing messages are rows, not memory, so that a restart
or a second worker continues exactly where the last one stopped (ARCHITECTURE principle 3).
Every row about a person hangs off ``people`` with ``ON DELETE CASCADE``: erasing a person is
one delete.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db.types import UTCDateTime

# Alembic needs stable constraint names to alter tables in SQLite's batch mode.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


def _enum(enum_class: type[StrEnum]) -> Enum:
    """A portable enum column: plain text on both databases, values as written in the code."""
    return Enum(
        enum_class,
        native_enum=False,
        length=24,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class PersonStatus(StrEnum):
    ENROLLING = "enrolling"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    INELIGIBLE = "ineligible"


class EpisodeStatus(StrEnum):
    ACTIVE = "active"
    RECOVERED = "recovered"
    ENDED = "ended"


class CheckInStatus(StrEnum):
    SENT = "sent"
    ANSWERED = "answered"
    MISSED = "missed"


class DueKind(StrEnum):
    """What a queued message is; the order of delivery follows ``DUE_PRIORITY``."""

    ESCALATION = "escalation"
    CHECKIN = "checkin"
    REMINDER = "reminder"
    SWITCH = "switch"
    TIP = "tip"
    END = "end"
    """The end of the acute follow-up at day 84 (TR-CHRONIC-84)."""
    FOLLOW_UP = "follow_up"
    """ES-FOLLOW-UP: did the person get help after an EMERGENCY or URGENT escalation? Keyed by
    the newest escalation it asks about, so it is owed once per escalation."""


DUE_PRIORITY = {
    DueKind.ESCALATION: 0,
    DueKind.FOLLOW_UP: 1,
    DueKind.SWITCH: 1,
    DueKind.CHECKIN: 2,
    DueKind.REMINDER: 3,
    DueKind.END: 3,
    DueKind.TIP: 4,
}
"""Lower goes first: escalations outrank any backlog (ARCHITECTURE principle 5)."""


class DueStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Person(Base):
    """Someone who has started the bot. Before consent only what is needed to answer is kept."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    checkin_time: Mapped[time | None] = mapped_column(Time)
    consent_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(16))
    age_band: Mapped[str | None] = mapped_column(String(8))
    referral_source: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[PersonStatus] = mapped_column(_enum(PersonStatus))
    missed_in_a_row: Mapped[int] = mapped_column(SmallInteger, default=0)
    blocked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    episodes: Mapped[list[Episode]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )


class Episode(Base):
    """One back strain, from its onset to the end of follow-up."""

    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    onset_at: Mapped[datetime]
    mechanism: Mapped[str] = mapped_column(String(24))
    activity: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    baseline_pain: Mapped[int] = mapped_column(SmallInteger)
    protocol: Mapped[str] = mapped_column(String(16))
    first_episode: Mapped[bool] = mapped_column(Boolean)
    enrolment_red_flags: Mapped[list[str]]
    milestones_done: Mapped[list[str]]
    status: Mapped[EpisodeStatus] = mapped_column(_enum(EpisodeStatus))
    started_at: Mapped[datetime]
    recovered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="episodes")


class CheckIn(Base):
    """A day's check-in: asked (scheduled or on demand) and, when answered, its answers."""

    __tablename__ = "check_ins"
    __table_args__ = (
        UniqueConstraint("episode_id", "slot"),
        # /stats: check-ins sent in a window and how many were answered, from the index alone.
        Index("ix_check_ins_sent_at_answered_at", "sent_at", "answered_at"),
        # /stats: the pain scores at day 7 and 14, from the index alone (not a scan of them all).
        Index("ix_check_ins_day_status_pain", "day", "status", "pain"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(String(16))
    day: Mapped[int] = mapped_column(SmallInteger)
    due_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    status: Mapped[CheckInStatus] = mapped_column(_enum(CheckInStatus))
    pain: Mapped[int | None] = mapped_column(SmallInteger)
    red_flags: Mapped[list[str]]
    walked: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class EscalationOutcome(StrEnum):
    """What a person answered when asked whether they got help (ES-FOLLOW-UP)."""

    GOT_HELP = "got_help"
    NOT_YET = "not_yet"
    FINE = "fine"
    NO_ANSWER = "no_answer"
    """Asked, and no answer came before the next check-in or a newer escalation."""


class Escalation(Base):
    """A safety message the rules required: which rule, on what facts, and when it went out;
    then what came of it (ES-FOLLOW-UP's answer), or that it was withdrawn as a mistaken tap
    (ES-MISTAP: the row stays, for the operators and the doctor's summary)."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    # Indexed for the export's join, and for ON DELETE SET NULL: PostgreSQL does not index a
    # foreign key by itself, so each deleted check-in would scan every escalation.
    check_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("check_ins.id", ondelete="SET NULL"), index=True
    )
    rule_id: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(SmallInteger)
    facts: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None]
    outcome: Mapped[EscalationOutcome | None] = mapped_column(_enum(EscalationOutcome))
    outcome_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]


class DueMessage(Base):
    """A message the bot owes someone: the due queue.

    The unique key (person, kind, slot) makes owing the same message twice impossible, whatever
    number of workers schedule it; ``lease_until`` lets another worker take a row whose claimer
    died.
    """

    __tablename__ = "due_messages"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "slot"),
        # The claim reads pending rows in delivery order: escalations first, then by due time.
        Index("ix_due_messages_claim", "status", "priority", "due_at"),
        # "Is anything due?" (every idle tick) and the due rows' range, in one index probe.
        Index("ix_due_messages_status_due_at", "status", "due_at"),
        # One person's pending rows (replanned at every check-in): without it SQLite's planner
        # took the status index and walked every pending row of everyone, a whole wave's worth,
        # inside the turn's write transaction.
        Index("ix_due_messages_person_pending", "person_id", "status", "kind", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[DueKind] = mapped_column(_enum(DueKind))
    slot: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(index=True)
    priority: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[DueStatus] = mapped_column(_enum(DueStatus))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    lease_until: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]]
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class OutboxKind(StrEnum):
    """What an outbox message is: it decides the order of delivery and the rate it goes at."""

    ESCALATION = "escalation"
    """A safety message: first in every claim, retried until delivered or the person blocks us."""
    REPLY = "reply"
    """An answer to what a person just sent: never paced by the bulk limit."""
    FOLLOW_UP = "follow_up"
    """ES-FOLLOW-UP's question after an escalation: safety-netting, so retried like an
    escalation for as long as it takes, but never sent in the person's quiet hours."""
    ALERT = "alert"
    """A line for the operators' alert chat (never in the way of a person's message)."""
    SCHEDULED = "scheduled"
    """What the due queue owed at a time (check-ins, reminders, tips): sent at the bulk rate."""


OUTBOX_PRIORITY = {
    OutboxKind.ESCALATION: 0,
    OutboxKind.REPLY: 1,
    OutboxKind.FOLLOW_UP: 1,
    OutboxKind.ALERT: 2,
    OutboxKind.SCHEDULED: 3,
}
"""Lower goes first when a claim has to choose (ARCHITECTURE principle 5)."""


class OutboxStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    """Given up: can be owed again with ``python -m bot requeue``."""
    CANCELLED = "cancelled"
    """Not to be sent: the person blocked the bot."""


class OutboxMessage(Base):
    """A message the bot has decided to send, written in the same transaction as what caused it.

    Each chat's messages go out in ``id`` order; a message is sent only when every earlier one
    to the same chat is settled (sent, failed or cancelled). ``payload`` is the message in the
    conversation's own terms (text, buttons, document to draw); the Telegram edge turns it into
    a request when it sends it.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_claim", "status", "priority", "due_at"),
        # A chat's earlier messages still in flight: probed for every message a claim considers.
        Index("ix_outbox_chat_status", "chat_id", "status", "id"),
        Index("ix_outbox_claimed_by", "claimed_by", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    """None for the operators' chat: their alerts are pseudonymous and outlive an erasure."""
    kind: Mapped[OutboxKind] = mapped_column(_enum(OutboxKind))
    priority: Mapped[int] = mapped_column(SmallInteger)
    payload: Mapped[dict[str, Any]]
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    """Sends that failed for a reason of Telegram's (5xx, time-out); a 429 is not one."""
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class Digest(Base):
    """One row per day whose figures reached the admins: the first worker to insert it sends."""

    __tablename__ = "digests"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime]


class Conversation(Base):
    """Which question a person is on, and the answers given so far in this conversation.

    ``question_number`` counts the questions asked; every button carries the number of its
    question, so a tap on an older question (or the same button twice) is recognised as stale
    and changes nothing.
    """

    __tablename__ = "conversations"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]]
    question_number: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class InboxUpdate(Base):
    """An update Telegram posted to the webhook, stored before Telegram is answered.

    Telegram delivers at least once: the ``update_id`` key makes a redelivery a no-op. Any web
    process may receive any update; a sender's updates are handled in ``update_id`` order by
    one process at a time, under a lease like the outbox's, so two taps of the same person that
    reached two processes are never handled side by side or out of order. Once handled, the
    payload (which holds what the person typed and their name) is cleared; the row itself is
    kept a day to recognise redeliveries.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        # Open updates only (a day of handled ones is kept beside them): a sender's oldest,
        # probed for every update, and the sweep's and the metrics' look at all of them.
        Index(
            "ix_inbox_open",
            "sender_id",
            "update_id",
            postgresql_where=text("handled_at IS NULL"),
            sqlite_where=text("handled_at IS NULL"),
        ),
        Index("ix_inbox_received_at", "received_at"),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sender_id: Mapped[int] = mapped_column(BigInteger)
    """The Telegram user (or chat) the update comes from; 0 for an update with neither."""
    payload: Mapped[dict[str, Any] | None]
    received_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    lease_until: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]
