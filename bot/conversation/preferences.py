"""The time-zone and check-in-time questions, asked at enrolment and again in /settings.

The questions are the same in both flows; what a chosen value does is not (kept for the end of
enrolment, or saved onto the person at once), so each flow subclasses them with its own step
names and its own :meth:`chosen`.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import time
from zoneinfo import ZoneInfo

from pydantic import Field

from bot import care
from bot.conversation import parsing
from bot.conversation.flow import Answers, Step, goto, question, rows_of
from bot.conversation.turn import Button, Outgoing, Turn
from bot.timezones import COMMON_ZONES, ZoneMatch, zone_from_location, zone_from_text, zone_label

CHECKIN_CHOICES = (time(8, 0), time(9, 0), time(12, 0), time(18, 0), time(20, 0))
ZONE_BUTTONS_PER_ROW = 2
TIME_BUTTONS_PER_ROW = 3


class ZoneAnswers(Answers):
    """What the time-zone questions keep: the places a typed name matched, (zone, place)."""

    zone_matches: list[tuple[str, str]] = Field(default_factory=list)


def offered_zones(default_zone: str) -> tuple[str, ...]:
    """The deployment's default zone first, then the common ones."""
    return (default_zone, *(zone for zone in COMMON_ZONES if zone != default_zone))


def announce_zone(turn: Turn, zone_name: str) -> None:
    """Confirm the zone with the local time in it, and take the reply keyboard away."""
    local_time = turn.now.astimezone(ZoneInfo(zone_name)).strftime("%H:%M")
    turn.say(
        turn.texts.ZONE_SET.format(zone=zone_name.replace("_", " "), local_time=local_time),
        remove_reply_keyboard=True,
    )


class ZoneQuestion(Step):
    """Typed city or zone, a tapped zone name (the reply keyboard sends it as text), a location."""

    @abstractmethod
    async def several(self, turn: Turn, matches: list[ZoneMatch]) -> None:
        """A typed place matched several zones: keep them and ask which."""

    @abstractmethod
    async def chosen(self, turn: Turn, zone_name: str) -> None:
        """One zone: what the flow does with it."""

    async def ask(self, turn: Turn) -> Outgoing:
        labels = [zone_label(zone) for zone in offered_zones(turn.settings.care.default_timezone)]
        rows = [
            tuple(labels[i : i + ZONE_BUTTONS_PER_ROW])
            for i in range(0, len(labels), ZONE_BUTTONS_PER_ROW)
        ]
        return Outgoing(
            turn.texts.ZONE_QUESTION,
            question_number=turn.conversation_row().question_number,
            location_keyboard=((turn.texts.ZONE_SHARE_LOCATION,), *rows),
        )

    async def on_text(self, turn: Turn, text: str) -> None:
        offered = offered_zones(turn.settings.care.default_timezone)
        tapped = next((zone for zone in offered if zone_label(zone) == text.strip()), None)
        matches = [ZoneMatch(tapped, tapped)] if tapped else zone_from_text(text)
        if not matches:
            turn.say(turn.texts.ZONE_NOT_FOUND)
        elif len(matches) == 1:
            await self.chosen(turn, matches[0].zone)
        else:
            await self.several(turn, matches)

    async def on_location(self, turn: Turn, latitude: float, longitude: float) -> None:
        zone = zone_from_location(latitude, longitude)
        if zone is None:
            turn.say(turn.texts.ZONE_NOT_FOUND)
        else:
            await self.chosen(turn, zone)


class ZonePickQuestion(Step):
    """A typed place that matched several zones ("Portland"): which one?"""

    @abstractmethod
    def matches(self, turn: Turn) -> list[tuple[str, str]]:
        """The (zone, place) pairs kept by the zone question."""

    @abstractmethod
    def zone_question(self) -> type[ZoneQuestion]:
        """The flow's zone question: a tapped place is chosen there, a new name is typed there."""

    async def ask(self, turn: Turn) -> Outgoing:
        places = (place for _zone, place in self.matches(turn))
        buttons = (Button(place, str(index)) for index, place in enumerate(places))
        return question(turn, turn.texts.ZONE_PICK, rows_of(buttons, 1))

    async def on_button(self, turn: Turn, value: str) -> bool:
        matches = self.matches(turn)
        if not value.isdigit() or int(value) >= len(matches):
            return False
        await self.zone_question()().chosen(turn, matches[int(value)][0])
        return True

    async def on_text(self, turn: Turn, text: str) -> None:
        await goto(turn, self.zone_question())
        await self.zone_question()().on_text(turn, text)


class CheckinTimeQuestion(Step):
    """The daily check-in time: one of the usual times, or a typed one within the allowed hours."""

    @abstractmethod
    async def chosen(self, turn: Turn, chosen: time) -> None:
        """What the flow does with the time."""

    async def ask(self, turn: Turn) -> Outgoing:
        buttons = []
        for choice in CHECKIN_CHOICES:
            label = choice.strftime("%H:%M")
            if choice == care.DEFAULT_CHECKIN_TIME:
                label += turn.texts.TIME_DEFAULT_MARK
            buttons.append(Button(label, choice.strftime("%H:%M")))
        return question(turn, turn.texts.TIME_QUESTION, rows_of(buttons, TIME_BUTTONS_PER_ROW))

    async def on_button(self, turn: Turn, value: str) -> bool:
        chosen = parsing.checkin_time(value)
        if chosen is None or chosen not in CHECKIN_CHOICES:
            return False
        await self.chosen(turn, chosen)
        return True

    async def on_text(self, turn: Turn, text: str) -> None:
        chosen = parsing.checkin_time(text)
        if chosen is None:
            turn.say(turn.texts.TIME_INVALID)
            return
        await self.chosen(turn, chosen)
