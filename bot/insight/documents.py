"""The pictures and files a person asks for, drawn when they are sent rather than when asked.

A reply that carries a chart or a PDF is written to the outbox like any other, so it needs a
description that can be stored and drawn again after a restart: a :class:`Document` names what
to draw and from which rows, as of which moment. Drawing reads the rows again, in a short read
of its own, and draws away from the event loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Episode, Person
from bot.insight.doctor_summary import EnrolmentFacts, render_summary_pdf
from bot.insight.history import load_pain_history
from bot.insight.pain_chart import render_pain_chart


class DocumentKind(StrEnum):
    PAIN_CHART = "pain_chart"
    """/history: the pain chart, a picture."""
    SUMMARY = "summary"
    """/summary: the one-page PDF for a doctor."""


@dataclass(frozen=True)
class Document:
    kind: DocumentKind
    person_id: int
    episode_id: int
    as_of: datetime
    """The moment the person asked: the document shows their history as it was then."""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "person_id": self.person_id,
            "episode_id": self.episode_id,
            "as_of": self.as_of.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        return cls(
            DocumentKind(data["kind"]),
            int(data["person_id"]),
            int(data["episode_id"]),
            datetime.fromisoformat(str(data["as_of"])),
        )


class DocumentGone(LookupError):
    """The person or episode was erased before the document could be drawn."""


async def draw(session: AsyncSession, document: Document) -> bytes:
    """The document's bytes, from the rows as they are now and the moment it was asked for."""
    person = await session.get(Person, document.person_id)
    episode = await session.get(Episode, document.episode_id)
    if person is None or episode is None:
        raise DocumentGone(document.kind.value)
    history = await load_pain_history(session, person, episode, document.as_of)
    if document.kind is DocumentKind.PAIN_CHART:
        return await asyncio.to_thread(render_pain_chart, history)
    return await asyncio.to_thread(render_summary_pdf, history, EnrolmentFacts.of(episode))
