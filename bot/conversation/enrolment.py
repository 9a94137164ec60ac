"""Enrolment: consent, age, the red-flag screen, the strain itself, time zone and check-in time.

Answers wait in the conversation row until the last question; only then are the person's
settings and the episode written. Red flags are the exception: they escalate the moment they
are tapped, before the rest of enrolment (CARE-RULES.md: EMERGENCY is sent "at once").
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot import care, texts
from bot.conversation import parsing
from bot.conversation.escalate import escalate
from bot.conversation.flow import PainStep, Step, finish, goto, pain_buttons, question
from bot.conversation.schedule_text import when_text
from bot.conversation.turn import Button, Outgoing, Turn
from bot.db import repository
from bot.db.models import DueKind, Episode, EpisodeStatus, Escalation, Person, PersonStatus
from bot.queue.plan import replan

ONSET_AGO: dict[str, timedelta] = {
    "hours": timedelta(0),
    "yesterday": timedelta(hours=24),
    "2-3d": timedelta(hours=60),
    "4-7d": timedelta(days=5, hours=12),
    "1-6w": timedelta(weeks=2),
}
"""How long ago each onset button places the start of the pain.

The middle of each range, except two that err towards recent: "in the last few hours" counts
from now (ice a few hours longer is harmless, heat on a strain still in its first 48 hours is
what the seed article advises against), and "1-6 weeks" is read as two weeks (the later the
onset, the longer the person is followed and asked about red flags).
"""
LONG_STANDING_DAYS = 42
"""More than six weeks of pain is not an acute strain: the seed article sends it to a doctor."""
ONSET_HOUR = time(12, 0)
"""A typed date has no hour; midday is the least wrong guess for the 48-hour ice period."""


def _buttons(labels: dict[str, str], per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(label, value) for value, label in labels.items()]
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


class Consent(Step):
    name = "consent"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(
            turn,
            texts.WELCOME.format(emergency=turn.settings.care.emergency_number),
            _buttons({"yes": texts.CONSENT_YES, "no": texts.CONSENT_NO}, per_row=2),
        )

    async def on_button(self, turn: Turn, value: str) -> bool:
        person = turn.require_person()
        if value == "no":
            await turn.forget_person()
            turn.say(texts.DECLINED)
            return True
        if value != "yes":
            return False
        person.consent_at = turn.now
        person.consent_version = texts.CONSENT_VERSION
        referral = turn.answers.get("referral")
        if isinstance(referral, str) and person.referral_source is None:
            person.referral_source = referral
        await goto(turn, Age.name)
        return True


class Age(Step):
    name = "age"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, texts.AGE_QUESTION, _buttons(texts.AGE_LABELS, per_row=3))

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in texts.AGE_LABELS:
            return False
        band = care.AgeBand(value)
        if not care.can_enrol(band):
            # Nothing about a child is kept: the person row and its answers go.
            await turn.forget_person()
            turn.say(texts.UNDER_16.format(emergency=turn.settings.care.emergency_number))
            return True
        turn.require_person().age_band = band.value
        await goto(turn, History.name)
        return True


class History(Step):
    name = "history"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, texts.HISTORY_QUESTION, _buttons(texts.HISTORY_LABELS))

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in texts.HISTORY_LABELS:
            return False
        turn.remember(history=value, flags=[], group=0, group_chosen=[])
        await goto(turn, RedFlagScreen.name)
        return True


class RedFlagScreen(Step):
    """One screen per red-flag group; each tapped flag escalates at once."""

    name = "red_flags"

    def _group(self, turn: Turn) -> care.RedFlagGroup:
        index = turn.answers.get("group", 0)
        assert isinstance(index, int)
        return care.ENROLMENT_GROUPS[index]

    def _chosen(self, turn: Turn) -> list[str]:
        chosen = turn.answers.get("group_chosen", [])
        assert isinstance(chosen, list)
        return [str(flag) for flag in chosen]

    async def ask(self, turn: Turn) -> Outgoing:
        group, chosen = self._group(turn), self._chosen(turn)
        open_flags = [flag for flag in group.flags if flag.value not in chosen]
        questions = "\n".join(f"• {texts.RED_FLAG_QUESTIONS[flag]}" for flag in open_flags)
        buttons = [(Button(texts.RED_FLAG_LABELS[flag], flag.value),) for flag in open_flags]
        if chosen:
            labels = ", ".join(texts.RED_FLAG_LABELS[care.RedFlag(flag)] for flag in chosen)
            text = texts.RED_FLAG_GROUP_MORE.format(chosen=labels, questions=questions)
            buttons.append((Button(texts.THATS_ALL, "done"),))
        else:
            first = turn.answers.get("group", 0) == 0
            intro = f"{texts.RED_FLAG_INTRO}\n" if first else ""
            text = texts.RED_FLAG_GROUP_PROMPT.format(intro=intro, questions=questions)
            buttons.append((Button(texts.NONE_OF_THESE, "none"),))
        return question(turn, text, tuple(buttons))

    async def on_button(self, turn: Turn, value: str) -> bool:
        group, chosen = self._group(turn), self._chosen(turn)
        if value in {"none", "done"}:
            await self._next_group(turn)
            return True
        flag = next((f for f in group.flags if f.value == value and value not in chosen), None)
        if flag is None:
            return False
        flags = turn.answers.get("flags", [])
        assert isinstance(flags, list)
        turn.remember(flags=[*flags, flag.value], group_chosen=[*chosen, flag.value])
        await escalate(turn, care.red_flag_escalations([flag]), episode_id=None)
        if len(chosen) + 1 == len(group.flags):
            await self._next_group(turn)
        else:
            await goto(turn, self.name)
        return True

    async def _next_group(self, turn: Turn) -> None:
        index = turn.answers.get("group", 0)
        assert isinstance(index, int)
        if index + 1 < len(care.ENROLMENT_GROUPS):
            turn.remember(group=index + 1, group_chosen=[])
            await goto(turn, self.name)
        else:
            await goto(turn, Onset.name)


class Onset(Step):
    name = "onset"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, texts.ONSET_QUESTION, _buttons(texts.ONSET_LABELS))

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value == "date":
            await goto(turn, OnsetDate.name)
        elif value == "6w+":
            await _long_standing(turn, "more than 6 weeks ago")
        elif value in ONSET_AGO:
            turn.remember(onset_at=(turn.now - ONSET_AGO[value]).isoformat())
            await goto(turn, Mechanism.name)
        else:
            return False
        return True


class OnsetDate(Step):
    name = "onset_date"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, texts.ONSET_DATE_QUESTION, ())

    async def on_text(self, turn: Turn, text: str) -> None:
        zone = ZoneInfo(turn.settings.care.default_timezone)
        today = turn.now.astimezone(zone).date()
        onset_date = parsing.calendar_date(text, today)
        if onset_date is None:
            turn.say(texts.ONSET_DATE_INVALID)
        elif onset_date > today:
            turn.say(texts.ONSET_DATE_FUTURE)
        elif (today - onset_date).days > LONG_STANDING_DAYS:
            await _long_standing(turn, onset_date.isoformat())
        else:
            turn.remember(onset_date=onset_date.isoformat())
            await goto(turn, Mechanism.name)


async def _long_standing(turn: Turn, when: str) -> None:
    """Pain for more than six weeks: told to see a doctor, not followed as an acute strain."""
    person = turn.require_person()
    escalation = care.Escalation(
        "TR-PERSIST-42",
        care.rule("TR-PERSIST-42").level,
        {"onset": when, "at": "enrolment"},
    )
    await escalate(turn, [escalation], episode_id=None)
    turn.escalations.clear()  # the long-standing text below carries the same advice
    person.status = PersonStatus.INELIGIBLE
    turn.say(texts.LONG_STANDING)
    await finish(turn)


class Mechanism(Step):
    name = "mechanism"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, texts.MECHANISM_QUESTION, _buttons(texts.MECHANISM_LABELS))

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in texts.MECHANISM_LABELS:
            return False
        turn.remember(mechanism=value)
        if value == "trauma":
            flags = turn.answers.get("flags", [])
            assert isinstance(flags, list)
            turn.remember(flags=[*flags, care.RedFlag.TRAUMA.value])
            await escalate(turn, care.red_flag_escalations([care.RedFlag.TRAUMA]), episode_id=None)
        await goto(turn, Pain.name)
        return True


class Pain(PainStep):
    name = "pain"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, texts.PAIN_QUESTION, pain_buttons())

    async def accept(self, turn: Turn, score: int) -> None:
        turn.remember(pain=score)
        await goto(turn, Activity.name)


class Activity(Step):
    name = "activity"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, texts.ACTIVITY_QUESTION, _buttons(texts.ACTIVITY_LABELS, 3))

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in texts.ACTIVITY_LABELS:
            return False
        turn.remember(activity=value, flow="enrol")
        await goto(turn, "zone")
        return True


async def complete_enrolment(turn: Turn) -> None:
    """The last answer is in: write the person's settings and the episode, then advise."""
    person = turn.require_person()
    answers = turn.answers
    zone = ZoneInfo(str(answers["zone"]))
    checkin_time = time.fromisoformat(str(answers["checkin_time"]))
    onset_at = _onset(answers, zone, turn.now)
    baseline = int(str(answers["pain"]))
    activity = care.Activity(str(answers["activity"]))
    first_episode = answers.get("history") == "first"
    earlier = list(
        await turn.session.scalars(select(Episode.onset_at).where(Episode.person_id == person.id))
    )
    episode = Episode(
        person_id=person.id,
        onset_at=onset_at,
        mechanism=str(answers["mechanism"]),
        activity=activity.value,
        severity=care.severity(baseline, activity).value,
        baseline_pain=baseline,
        protocol=turn.settings.care.care_protocol.value,
        first_episode=first_episode and not earlier,
        enrolment_red_flags=_strings(answers.get("flags")),
        milestones_done=[],
        status=EpisodeStatus.ACTIVE,
        started_at=turn.now,
    )
    person.timezone = zone.key
    person.checkin_time = checkin_time
    person.status = PersonStatus.ACTIVE
    person.missed_in_a_row = 0
    turn.session.add(episode)
    await turn.session.flush()
    # Red flags tapped during enrolment were recorded before the episode existed.
    await turn.session.execute(
        update(Escalation)
        .where(Escalation.person_id == person.id, Escalation.episode_id.is_(None))
        .values(episode_id=episode.id)
    )
    found: list[care.Escalation] = []
    age = care.age_escalation(care.AgeBand(str(person.age_band)), episode.first_episode)
    if age is not None:
        found.append(age)
    recurrent = care.recurrent_escalation(
        onset_at,
        [moment for moment in earlier if moment < onset_at],
        reported_within_year=answers.get("history") == "recent",
    )
    if recurrent is not None:
        found.append(recurrent)
    await escalate(turn, found, episode_id=episode.id)
    await replan(turn.session, person, episode, turn.now)
    turn.say(await enrolled_text(turn, person, episode, zone))
    await finish(turn)


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _onset(answers: dict[str, object], zone: ZoneInfo, now: datetime) -> datetime:
    if "onset_at" in answers:
        return datetime.fromisoformat(str(answers["onset_at"]))
    typed = datetime.combine(
        datetime.fromisoformat(str(answers["onset_date"])).date(), ONSET_HOUR, tzinfo=zone
    )
    return min(typed.astimezone(now.tzinfo), now)


async def enrolled_text(turn: Turn, person: Person, episode: Episode, zone: ZoneInfo) -> str:
    protocol = care.Protocol(episode.protocol)
    phase = care.phase_at(
        onset_at=episode.onset_at,
        now=turn.now,
        protocol=protocol,
        baseline_pain=episode.baseline_pain,
        latest_pain=None,
        recovered=False,
    )
    steps = []
    first = await repository.next_owed(turn.session, person.id, DueKind.CHECKIN)
    if first is not None:
        steps.append(texts.NEXT_CHECKIN.format(when=when_text(first, zone, turn.now)))
    if care.needs_switch_message(protocol) and phase is care.Phase.ICE:
        switch = care.switch_at(episode.onset_at, zone)
        when = when_text(switch, zone, turn.now)
        steps.append(texts.NEXT_SWITCH.format(when=when[0].upper() + when[1:]))
    return texts.ENROLLED.format(
        phase_advice=texts.phase_advice(phase, protocol),
        medicines=texts.MEDICINES,
        next_steps="\n".join(steps),
    )
