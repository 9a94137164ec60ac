"""One update's worth of conversation: what came in, the rows it touches, what goes out.

A :class:`Turn` lives inside one database transaction that holds the person's lock. Steps read
and change rows through it and queue what to say; what they say is written to the outbox in the
same transaction (:meth:`Turn.letters`) and sent once it has committed, so a reply never speaks
of an answer that was not saved, and a crash never loses one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.constants import MessageLimit

from bot.config import Settings
from bot.countries import contacts_for
from bot.db.models import Conversation, OutboxKind, Person
from bot.i18n import supported
from bot.insight.documents import Document
from bot.queue.outbox import Letter
from bot.texts import Contacts, Texts, texts_for

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

    ``content`` is drawn after the turn's transaction has committed and away from the event
    loop (drawing takes a few hundred milliseconds, and no person's lock should wait for it):
    a :class:`Document` a person asked for, which the outbox keeps and draws when it sends; or,
    for the operators' reports, which are sent at once, a function that draws the file or a
    temporary file already written, streamed to Telegram and then removed.
    """

    kind: AttachmentKind
    filename: str
    content: Document | Callable[[], bytes] | Path


@dataclass(frozen=True)
class Outgoing:
    """One message to send. ``buttons`` are the live answers to the current question."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    question_number: int = 0
    location_keyboard: tuple[tuple[str, ...], ...] = ()
    """Reply-keyboard rows; the first button asks for the person's location (its label is the
    catalogue's ``ZONE_SHARE_LOCATION``, in the person's language), the others are typed."""
    remove_reply_keyboard: bool = False
    escalation_ids: tuple[int, ...] = ()
    """The escalations this message delivers: marked sent once Telegram accepts it."""
    admin_alert: str | None = None
    """A pseudonymous line for the operators' alert chat, owed after this message."""
    escalation_note: str | None = None
    """An escalation's pseudonymous description: what the operators are told if it cannot be
    delivered."""
    attachment: Attachment | None = None

    def to_payload(self) -> dict[str, Any]:
        """The message as the outbox keeps it (JSON); :meth:`from_payload` reads it back."""
        payload: dict[str, Any] = {"text": self.text}
        if self.buttons:
            payload["buttons"] = [[[b.label, b.value] for b in row] for row in self.buttons]
            payload["question"] = self.question_number
        if self.location_keyboard:
            payload["keyboard"] = [list(row) for row in self.location_keyboard]
        if self.remove_reply_keyboard:
            payload["remove_keyboard"] = True
        if self.escalation_ids:
            payload["escalation_ids"] = list(self.escalation_ids)
        if self.escalation_note is not None:
            payload["escalation_note"] = self.escalation_note
        if self.attachment is not None:
            content = self.attachment.content
            if not isinstance(content, Document):
                raise TypeError("only a Document can wait in the outbox")
            payload["attachment"] = {
                "kind": self.attachment.kind.value,
                "filename": self.attachment.filename,
                "document": content.to_json(),
            }
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Outgoing:
        attachment = payload.get("attachment")
        return cls(
            text=str(payload["text"]),
            buttons=tuple(
                tuple(Button(str(label), str(value)) for label, value in row)
                for row in payload.get("buttons", ())
            ),
            question_number=int(payload.get("question", 0)),
            location_keyboard=tuple(tuple(row) for row in payload.get("keyboard", ())),
            remove_reply_keyboard=bool(payload.get("remove_keyboard", False)),
            escalation_ids=tuple(int(i) for i in payload.get("escalation_ids", ())),
            escalation_note=payload.get("escalation_note"),
            attachment=None
            if attachment is None
            else Attachment(
                AttachmentKind(attachment["kind"]),
                str(attachment["filename"]),
                Document.from_json(attachment["document"]),
            ),
        )


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
    language_code: str | None = None
    """The language the person's Telegram app is set to (``User.language_code``), if known."""

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
    emergencies: list[Outgoing] = field(default_factory=list)
    """EMERGENCY messages raised this turn (not re-sent ones): ES-HOLD stops the exchange."""
    erased: bool = False
    """The turn deleted a person: once it commits, their bytes are wiped where the database
    allows (:func:`bot.db.engine.erase_traces`)."""
    moves: list[tuple[str, str]] = field(default_factory=list)
    """Every move between steps this turn made, (from, to): checked against the flows' tables
    before the turn commits."""

    @property
    def texts(self) -> Texts:
        """The words of this person's language: the one stored on them (taken from their app
        at /start, or chosen), English if none; before there is a person, their app's."""
        if self.person is not None:
            return texts_for(self.person.language)
        return texts_for(supported(self.incoming.language_code))

    @property
    def operators_texts(self) -> Texts:
        """The words of the operators' alerts and notes (``ADMIN_LANGUAGE``)."""
        return texts_for(self.settings.admin.language)

    @property
    def contacts(self) -> Contacts:
        """The numbers this person is told: their country's, or the deployment's."""
        zone = self.person.timezone if self.person is not None else None
        return contacts_for(self.settings, zone, self.texts)

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

    def letters(self, kind: OutboxKind) -> list[Letter]:
        """What this turn says, for the outbox: escalations first, then the other messages as
        ``kind``, then the operators' alerts, each after the message it is about."""
        person_id = self.person.id if self.person is not None else None
        chat_id = self.incoming.chat_id
        letters = [
            Letter(chat_id, person_id, OutboxKind.ESCALATION, message.to_payload())
            for message in self.escalations
        ]
        letters += [
            Letter(chat_id, person_id, kind, message.to_payload())
            for message in _together(self.messages)
        ]
        alert_chat = self.settings.admin.alert_chat_id
        if alert_chat is not None:
            letters += [
                Letter(alert_chat, None, OutboxKind.ALERT, {"text": message.admin_alert})
                for message in self.outgoing
                if message.admin_alert is not None
            ]
        return letters

    def say(self, text: str, *, remove_reply_keyboard: bool = False) -> None:
        self.messages.append(Outgoing(text, remove_reply_keyboard=remove_reply_keyboard))

    def attach(self, text: str, attachment: Attachment) -> None:
        """A picture or file with ``text`` as its caption, or, when ``text`` is longer than a
        caption may be, followed by it as a message of its own."""
        if len(text) <= MessageLimit.CAPTION_LENGTH:
            self.messages.append(Outgoing(text, attachment=attachment))
        else:
            self.messages += [Outgoing("", attachment=attachment), Outgoing(text)]

    async def forget_person(self) -> None:
        """Delete every row about the person: the schema cascades from ``people``."""
        person = self.require_person()
        await self.session.execute(delete(Person).where(Person.id == person.id))
        self.erased = True
        self.moves.append((self.step, IDLE))
        self.session.expunge_all()
        self.person = self.conversation = None

    def require_person(self) -> Person:
        assert self.person is not None, "this step needs an enrolled person"
        return self.person


def _together(messages: list[Outgoing]) -> list[Outgoing]:
    """Consecutive messages as one where that reads the same: a plain message (no buttons, no
    keyboard, no file) runs into the next one, whose buttons it then shares. A turn that says
    "Please tap a button" and asks again costs one send, not two a second apart."""
    joined: list[Outgoing] = []
    for message in messages:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and _plain(previous)
            and message.attachment is None
            and len(previous.text) + 2 + len(message.text) <= MessageLimit.MAX_TEXT_LENGTH
        ):
            joined[-1] = replace(message, text=f"{previous.text}\n\n{message.text}")
        else:
            joined.append(message)
    return joined


def _plain(message: Outgoing) -> bool:
    return not (
        message.buttons
        or message.location_keyboard
        or message.remove_reply_keyboard
        or message.attachment is not None
        or message.escalation_ids
        or message.admin_alert is not None
    )
