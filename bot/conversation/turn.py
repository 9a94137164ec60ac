"""One update's worth of conversation: what came in, the rows it touches, what goes out.

A :class:`Turn` lives inside one database transaction that holds the person's lock. Steps read
and change rows through it and queue what to say; nothing is sent until the transaction has
committed, so a reply never speaks of an answer that was not saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import Conversation, Person
from bot.texts import Contacts

IDLE = "idle"
"""The step of a person who is not being asked anything."""


@dataclass(frozen=True)
class Button:
    label: str
    value: str


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    """Shown inline in the chat: charts."""
    DOCUMENT = "document"
    """Kept as a file the person can forward or print: summaries, exports."""


@dataclass(frozen=True)
class Attachment:
    """A picture or file sent with a message, whose text becomes its caption.

    ``content`` is either a function that draws the file, called after the turn's transaction
    has committed and away from the event loop (drawing takes a few hundred milliseconds, and
    no person's lock should wait for it), or a temporary file already written, which is
    streamed to Telegram and then removed.
    """

    kind: AttachmentKind
    filename: str
    content: Callable[[], bytes] | Path


@dataclass(frozen=True)
class Outgoing:
    """One message to send. ``buttons`` are the live answers to the current question."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    question_number: int = 0
    location_keyboard: tuple[tuple[str, ...], ...] = ()
    """Reply-keyboard rows; a row starting with the share-location label asks for a location."""
    remove_reply_keyboard: bool = False
    escalation_ids: tuple[int, ...] = ()
    """The escalations this message delivers: marked sent once Telegram accepts it."""
    admin_alert: str | None = None
    """A pseudonymous line for the operators' alert chat, sent once this message is delivered."""
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Incoming:
    """What a person did, reduced to what the conversation needs."""

    user_id: int
    chat_id: int
    command: str | None = None
    payload: str = ""
    text: str | None = None
    button_question: int | None = None
    button_value: str | None = None
    location: tuple[float, float] | None = None
    unsupported: bool = False

    @property
    def is_button(self) -> bool:
        return self.button_value is not None


@dataclass
class Turn:
    """The context one step works in, and what it has decided to say."""

    session: AsyncSession
    settings: Settings
    now: datetime
    incoming: Incoming
    person: Person | None
    conversation: Conversation | None
    escalations: list[Outgoing] = field(default_factory=list)
    """Escalation messages: always sent before anything else this turn says."""
    messages: list[Outgoing] = field(default_factory=list)
    notice: str | None = None
    """A short toast answering a button tap."""
    close_question: bool = False
    """Whether the tapped question's buttons should be removed."""
    moves: list[tuple[str, str]] = field(default_factory=list)
    """Every move between steps this turn made, (from, to): checked against the flows' tables
    before the turn commits."""

    @property
    def contacts(self) -> Contacts:
        return Contacts(
            emergency_number=self.settings.care.emergency_number,
            urgent_care=self.settings.care.urgent_care_text,
        )

    @property
    def step(self) -> str:
        return self.conversation.step if self.conversation else IDLE

    def conversation_row(self) -> Conversation:
        """The person's conversation, created on first use."""
        if self.conversation is None:
            self.conversation = Conversation(
                person_id=self.require_person().id,
                step=IDLE,
                answers={},
                question_number=0,
                updated_at=self.now,
            )
            self.session.add(self.conversation)
        return self.conversation

    @property
    def outgoing(self) -> list[Outgoing]:
        return [*self.escalations, *self.messages]

    def say(self, text: str, *, remove_reply_keyboard: bool = False) -> None:
        self.messages.append(Outgoing(text, remove_reply_keyboard=remove_reply_keyboard))

    def attach(self, text: str, attachment: Attachment) -> None:
        self.messages.append(Outgoing(text, attachment=attachment))

    async def forget_person(self) -> None:
        """Delete every row about the person: the schema cascades from ``people``."""
        person = self.require_person()
        await self.session.execute(delete(Person).where(Person.id == person.id))
        self.moves.append((self.step, IDLE))
        self.session.expunge_all()
        self.person = self.conversation = None

    def require_person(self) -> Person:
        assert self.person is not None, "this step needs an enrolled person"
        return self.person
