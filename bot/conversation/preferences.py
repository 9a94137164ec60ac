"""Time zone and check-in time: asked at enrolment and changed in /settings.

The same steps serve both; ``flow`` in the conversation's answers says where a chosen value
goes (into the enrolment being built, or straight onto the person).
"""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from bot import care, texts
from bot.conversation import parsing
from bot.conversation.checkin import next_checkin_text
from bot.conversation.enrolment import complete_enrolment
from bot.conversation.flow import Step, finish, goto, question
from bot.conversation.turn import Button, Outgoing, Turn
from bot.db import repository
from bot.queue.plan import replan
from bot.timezones import COMMON_ZONES, ZoneMatch, zone_from_location, zone_from_text, zone_label

CHECKIN_CHOICES = (time(8, 0), time(9, 0), time(12, 0), time(18, 0), time(20, 0))
ZONE_BUTTONS_PER_ROW = 2
ENROL = "enrol"
SETTINGS = "settings"


def offered_zones(default_zone: str) -> tuple[str, ...]:
    """The deployment's default zone first, then the common ones."""
    return (default_zone, *(zone for zone in COMMON_ZONES if zone != default_zone))


class Zone(Step):
    """Typed city or zone, a tapped zone name (the reply keyboard sends it as text), a location."""

    name = "zone"

    async def ask(self, turn: Turn) -> Outgoing:
        labels = [zone_label(zone) for zone in offered_zones(turn.settings.care.default_timezone)]
        rows = [
            tuple(labels[i : i + ZONE_BUTTONS_PER_ROW])
            for i in range(0, len(labels), ZONE_BUTTONS_PER_ROW)
        ]
        return Outgoing(
            texts.ZONE_QUESTION,
            question_number=turn.conversation_row().question_number,
            location_keyboard=((texts.ZONE_SHARE_LOCATION,), *rows),
        )

    async def on_text(self, turn: Turn, text: str) -> None:
        offered = offered_zones(turn.settings.care.default_timezone)
        tapped = next((zone for zone in offered if zone_label(zone) == text.strip()), None)
        matches = [ZoneMatch(tapped, tapped)] if tapped else zone_from_text(text)
        if not matches:
            turn.say(texts.ZONE_NOT_FOUND)
        elif len(matches) == 1:
            await zone_chosen(turn, matches[0].zone)
        else:
            turn.remember(zone_matches=[[match.zone, match.place] for match in matches])
            await goto(turn, ZonePick.name)

    async def on_location(self, turn: Turn, latitude: float, longitude: float) -> None:
        zone = zone_from_location(latitude, longitude)
        if zone is None:
            turn.say(texts.ZONE_NOT_FOUND)
        else:
            await zone_chosen(turn, zone)


class ZonePick(Step):
    """A typed place that matched several zones ("Portland"): which one?"""

    name = "zone_pick"

    def _matches(self, turn: Turn) -> list[list[str]]:
        matches = turn.answers.get("zone_matches", [])
        assert isinstance(matches, list)
        return [[str(zone), str(place)] for zone, place in matches]

    async def ask(self, turn: Turn) -> Outgoing:
        buttons = tuple(
            (Button(place, str(index)),) for index, (_zone, place) in enumerate(self._matches(turn))
        )
        return question(turn, texts.ZONE_PICK, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        matches = self._matches(turn)
        if not value.isdigit() or int(value) >= len(matches):
            return False
        await zone_chosen(turn, matches[int(value)][0])
        return True

    async def on_text(self, turn: Turn, text: str) -> None:
        await goto(turn, Zone.name)
        await Zone().on_text(turn, text)


async def zone_chosen(turn: Turn, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    local_time = turn.now.astimezone(zone).strftime("%H:%M")
    turn.say(
        texts.ZONE_SET.format(zone=zone_name.replace("_", " "), local_time=local_time),
        remove_reply_keyboard=True,
    )
    if turn.answers.get("flow") == ENROL:
        turn.remember(zone=zone_name)
        await goto(turn, CheckinTime.name)
        return
    turn.require_person().timezone = zone_name
    await settings_saved(turn)


class CheckinTime(Step):
    name = "checkin_time"

    async def ask(self, turn: Turn) -> Outgoing:
        buttons = []
        for choice in CHECKIN_CHOICES:
            label = choice.strftime("%H:%M")
            if choice == care.DEFAULT_CHECKIN_TIME:
                label += texts.TIME_DEFAULT_MARK
            buttons.append(Button(label, choice.strftime("%H:%M")))
        return question(turn, texts.TIME_QUESTION, (tuple(buttons[:3]), tuple(buttons[3:])))

    async def on_button(self, turn: Turn, value: str) -> bool:
        chosen = parsing.checkin_time(value)
        if chosen is None or chosen not in CHECKIN_CHOICES:
            return False
        await self._accept(turn, chosen)
        return True

    async def on_text(self, turn: Turn, text: str) -> None:
        chosen = parsing.checkin_time(text)
        if chosen is None:
            turn.say(texts.TIME_INVALID)
            return
        await self._accept(turn, chosen)

    async def _accept(self, turn: Turn, chosen: time) -> None:
        if turn.answers.get("flow") == ENROL:
            turn.remember(checkin_time=chosen.isoformat(timespec="minutes"))
            await complete_enrolment(turn)
            return
        turn.require_person().checkin_time = chosen
        await settings_saved(turn)


async def settings_saved(turn: Turn) -> None:
    """Owe the messages the new setting gives, and say when the next check-in comes."""
    person = turn.require_person()
    episode = await repository.current_episode(turn.session, person.id)
    await replan(turn.session, person, episode, turn.now)
    turn.say(texts.SETTINGS_SAVED.format(next_checkin=await next_checkin_text(turn)))
    await finish(turn)
