"""Enrolment: consent, age, the red-flag screen, the strain itself, time zone and check-in time.

Answers wait in the conversation row until the last question; only then are the person's
settings and the episode written. Red flags are the exception: they escalate the moment they
are tapped, before the rest of enrolment (CARE-RULES.md: EMERGENCY is sent "at once"). The
flow's table, :data:`ENROLMENT`, is at the end of the module.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy import select, update

from bot import care, texts
from bot.conversation import parsing
from bot.conversation.escalate import closing_words, escalate, highest_said
from bot.conversation.flow import (
    END,
    Flow,
    PainStep,
    Step,
    button_rows,
    finish,
    goto,
    pain_buttons,
    question,
)
from bot.conversation.language import LanguageQuestion
from bot.conversation.preferences import (
    CheckinTimeQuestion,
    ZoneAnswers,
    ZonePickQuestion,
    ZoneQuestion,
    announce_zone,
)
from bot.conversation.turn import Button, Outgoing, Turn
from bot.db import repository
from bot.db.models import DueKind, Episode, EpisodeStatus, Escalation, Person, PersonStatus
from bot.queue.plan import replan
from bot.timezones import ZoneMatch

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


class EnrolmentAnswers(ZoneAnswers):
    """What enrolment keeps until its last answer, when the person and the episode are written."""

    referral: str | None = None
    """The deep-link payload of the first /start (``t.me/bot?start=CODE``)."""
    history: str | None = None
    flags: list[str] = Field(default_factory=list)
    """Every red flag tapped during enrolment (each escalated when tapped)."""
    group: int = 0
    """Which red-flag screen is showing."""
    group_chosen: list[str] = Field(default_factory=list)
    """The flags tapped on that screen so far."""
    onset_at: datetime | None = None
    onset_date: date | None = None
    """A typed date of onset (no hour): see :data:`ONSET_HOUR`."""
    mechanism: str | None = None
    pain: int | None = None
    activity: str | None = None
    zone: str | None = None
    checkin_time: time | None = None


class Consent(Step):
    name = "consent"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(
            turn,
            turn.texts.WELCOME.format(emergency=turn.contacts.emergency_number),
            (
                *button_rows({"yes": turn.texts.CONSENT_YES, "no": turn.texts.CONSENT_NO}, 2),
                (Button(turn.texts.LANGUAGE_OTHER, "language"),),
            ),
        )

    async def on_button(self, turn: Turn, value: str) -> bool:
        person = turn.require_person()
        if value == "language":
            await goto(turn, EnrolmentLanguage)
            return True
        if value == "no":
            await turn.forget_person()
            turn.say(turn.texts.DECLINED)
            return True
        if value != "yes":
            return False
        person.consent_at = turn.now
        person.consent_version = texts.CONSENT_VERSION
        referral = ENROLMENT.answers(turn).referral
        if referral is not None and person.referral_source is None:
            person.referral_source = referral
        await goto(turn, Age)
        return True


class EnrolmentLanguage(LanguageQuestion):
    """Another language than the app's, chosen before consent: the welcome again, in it."""

    name = "enrolment_language"

    async def chosen(self, turn: Turn) -> None:
        await goto(turn, Consent)


class Age(Step):
    name = "age"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(
            turn, turn.texts.AGE_QUESTION, button_rows(turn.texts.AGE_LABELS, per_row=3)
        )

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in turn.texts.AGE_LABELS:
            return False
        band = care.AgeBand(value)
        if not care.can_enrol(band):
            # Nothing about a child is kept: the person row and its answers go.
            await turn.forget_person()
            turn.say(turn.texts.UNDER_16.format(emergency=turn.contacts.emergency_number))
            return True
        turn.require_person().age_band = band.value
        await goto(turn, History)
        return True


class History(Step):
    name = "history"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, turn.texts.HISTORY_QUESTION, button_rows(turn.texts.HISTORY_LABELS))

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in turn.texts.HISTORY_LABELS:
            return False
        answers = ENROLMENT.answers(turn)
        answers.history = value
        answers.flags, answers.group, answers.group_chosen = [], 0, []
        ENROLMENT.keep(turn, answers)
        await goto(turn, RedFlagScreen)
        return True


class RedFlagScreen(Step):
    """One screen per red-flag group; each tapped flag escalates at once."""

    name = "red_flags"

    async def ask(self, turn: Turn) -> Outgoing:
        answers = ENROLMENT.answers(turn)
        group, chosen = care.ENROLMENT_GROUPS[answers.group], answers.group_chosen
        open_flags = [flag for flag in group.flags if flag.value not in chosen]
        questions = "\n".join(f"• {turn.texts.RED_FLAG_QUESTIONS[flag]}" for flag in open_flags)
        buttons = [(Button(turn.texts.RED_FLAG_LABELS[flag], flag.value),) for flag in open_flags]
        if chosen:
            labels = ", ".join(turn.texts.RED_FLAG_LABELS[care.RedFlag(flag)] for flag in chosen)
            text = turn.texts.RED_FLAG_GROUP_MORE.format(chosen=labels, questions=questions)
            buttons.append((Button(turn.texts.THATS_ALL, "done"),))
        else:
            intro = f"{turn.texts.RED_FLAG_INTRO}\n" if answers.group == 0 else ""
            text = turn.texts.RED_FLAG_GROUP_PROMPT.format(intro=intro, questions=questions)
            buttons.append((Button(turn.texts.NONE_OF_THESE, "none"),))
        return question(turn, text, tuple(buttons))

    async def on_button(self, turn: Turn, value: str) -> bool:
        answers = ENROLMENT.answers(turn)
        group, chosen = care.ENROLMENT_GROUPS[answers.group], answers.group_chosen
        if value in {"none", "done"}:
            await self._next_group(turn, answers)
            return True
        flag = next((f for f in group.flags if f.value == value and value not in chosen), None)
        if flag is None:
            return False
        answers.flags = [*answers.flags, flag.value]
        answers.group_chosen = [*chosen, flag.value]
        ENROLMENT.keep(turn, answers)
        await escalate(turn, care.red_flag_escalations([flag]), episode_id=None)
        if len(answers.group_chosen) == len(group.flags):
            await self._next_group(turn, answers)
        else:
            await goto(turn, RedFlagScreen)
        return True

    async def _next_group(self, turn: Turn, answers: EnrolmentAnswers) -> None:
        if answers.group + 1 < len(care.ENROLMENT_GROUPS):
            answers.group, answers.group_chosen = answers.group + 1, []
            ENROLMENT.keep(turn, answers)
            await goto(turn, RedFlagScreen)
        else:
            await goto(turn, Onset)


class Onset(Step):
    name = "onset"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, turn.texts.ONSET_QUESTION, button_rows(turn.texts.ONSET_LABELS))

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value == "date":
            await goto(turn, OnsetDate)
        elif value == "6w+":
            await _long_standing(turn, "more than 6 weeks ago")
        elif value in ONSET_AGO:
            answers = ENROLMENT.answers(turn)
            answers.onset_at = turn.now - ONSET_AGO[value]
            ENROLMENT.keep(turn, answers)
            await goto(turn, Mechanism)
        else:
            return False
        return True


class OnsetDate(Step):
    name = "onset_date"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, turn.texts.ONSET_DATE_QUESTION, ())

    async def on_text(self, turn: Turn, text: str) -> None:
        zone = ZoneInfo(turn.settings.care.default_timezone)
        today = turn.now.astimezone(zone).date()
        onset_date = parsing.calendar_date(text, today)
        if onset_date is None:
            turn.say(turn.texts.ONSET_DATE_INVALID)
        elif onset_date > today:
            turn.say(turn.texts.ONSET_DATE_FUTURE)
        elif (today - onset_date).days > LONG_STANDING_DAYS:
            await _long_standing(turn, onset_date.isoformat())
        else:
            answers = ENROLMENT.answers(turn)
            answers.onset_date = onset_date
            ENROLMENT.keep(turn, answers)
            await goto(turn, Mechanism)


async def _long_standing(turn: Turn, when: str) -> None:
    """Pain for more than six weeks: told to see a doctor, not followed as an acute strain."""
    person = turn.require_person()
    escalation = care.Escalation(
        "TR-PERSIST-42",
        care.rule("TR-PERSIST-42").level,
        {"onset": when, "at": "enrolment"},
    )
    await escalate(turn, [escalation], episode_id=None)
    # The long-standing text carries the same advice: it is the escalation's message, owed and
    # marked sent like any other, and said once.
    turn.escalations[-1] = replace(turn.escalations[-1], text=turn.texts.LONG_STANDING)
    person.status = PersonStatus.INELIGIBLE
    await finish(turn)


class Mechanism(Step):
    name = "mechanism"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(
            turn, turn.texts.MECHANISM_QUESTION, button_rows(turn.texts.MECHANISM_LABELS)
        )

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in turn.texts.MECHANISM_LABELS:
            return False
        answers = ENROLMENT.answers(turn)
        answers.mechanism = value
        if value == "trauma":
            answers.flags = [*answers.flags, care.RedFlag.TRAUMA.value]
        ENROLMENT.keep(turn, answers)
        if value == "trauma":
            await escalate(turn, care.red_flag_escalations([care.RedFlag.TRAUMA]), episode_id=None)
        await goto(turn, Pain)
        return True


class Pain(PainStep):
    name = "pain"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, turn.texts.PAIN_QUESTION, pain_buttons())

    async def accept(self, turn: Turn, score: int) -> None:
        answers = ENROLMENT.answers(turn)
        answers.pain = score
        ENROLMENT.keep(turn, answers)
        await goto(turn, Activity)


class Activity(Step):
    name = "activity"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(
            turn, turn.texts.ACTIVITY_QUESTION, button_rows(turn.texts.ACTIVITY_LABELS, 3)
        )

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in turn.texts.ACTIVITY_LABELS:
            return False
        answers = ENROLMENT.answers(turn)
        answers.activity = value
        ENROLMENT.keep(turn, answers)
        await goto(turn, Zone)
        return True


class Zone(ZoneQuestion):
    name = "zone"

    async def several(self, turn: Turn, matches: list[ZoneMatch]) -> None:
        answers = ENROLMENT.answers(turn)
        answers.zone_matches = [(match.zone, match.place) for match in matches]
        ENROLMENT.keep(turn, answers)
        await goto(turn, ZonePick)

    async def chosen(self, turn: Turn, zone_name: str) -> None:
        announce_zone(turn, zone_name)
        answers = ENROLMENT.answers(turn)
        answers.zone = zone_name
        ENROLMENT.keep(turn, answers)
        await goto(turn, CheckinTime)


class ZonePick(ZonePickQuestion):
    name = "zone_pick"

    def matches(self, turn: Turn) -> list[tuple[str, str]]:
        return ENROLMENT.answers(turn).zone_matches

    def zone_question(self) -> type[ZoneQuestion]:
        return Zone


class CheckinTime(CheckinTimeQuestion):
    name = "checkin_time"

    async def chosen(self, turn: Turn, chosen: time) -> None:
        answers = ENROLMENT.answers(turn)
        answers.checkin_time = chosen
        await complete_enrolment(turn, answers)


async def complete_enrolment(turn: Turn, answers: EnrolmentAnswers) -> None:
    """The last answer is in: write the person's settings and the episode, then advise."""
    person = turn.require_person()
    # Each question below was answered before the last one could be.
    assert answers.zone is not None
    assert answers.checkin_time is not None
    assert answers.pain is not None
    assert answers.activity is not None
    assert answers.mechanism is not None
    zone = ZoneInfo(answers.zone)
    onset_at = _onset(answers, zone, turn.now)
    baseline = answers.pain
    activity = care.Activity(answers.activity)
    earlier = list(
        await turn.session.scalars(select(Episode.onset_at).where(Episode.person_id == person.id))
    )
    episode = Episode(
        person_id=person.id,
        onset_at=onset_at,
        mechanism=answers.mechanism,
        activity=activity.value,
        severity=care.severity(baseline, activity).value,
        baseline_pain=baseline,
        protocol=turn.settings.care.care_protocol.value,
        first_episode=answers.history == "first" and not earlier,
        enrolment_red_flags=list(answers.flags),
        milestones_done=[],
        status=EpisodeStatus.ACTIVE,
        started_at=turn.now,
    )
    person.timezone = zone.key
    person.checkin_time = answers.checkin_time
    person.status = PersonStatus.ACTIVE
    person.missed_in_a_row = 0
    turn.session.add(episode)
    await turn.session.flush()
    # ES-HOLD: read before the enrolment's escalations move onto the episode.
    closing = closing_words(turn, await highest_said(turn.session, person.id))
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
        reported_within_year=answers.history == "recent",
    )
    if recurrent is not None:
        found.append(recurrent)
    await escalate(turn, found, episode_id=episode.id)
    await replan(turn.session, person, episode, turn.now)
    turn.say(await enrolled_text(turn, person, episode, zone))
    if closing is not None:
        turn.say(closing)
    await finish(turn)


def _onset(answers: EnrolmentAnswers, zone: ZoneInfo, now: datetime) -> datetime:
    if answers.onset_at is not None:
        return answers.onset_at
    assert answers.onset_date is not None
    typed = datetime.combine(answers.onset_date, ONSET_HOUR, tzinfo=zone)
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
        steps.append(
            turn.texts.NEXT_CHECKIN.format(when=turn.texts.when_text(first, zone, turn.now))
        )
    if care.needs_switch_message(protocol) and phase is care.Phase.ICE:
        switch = care.switch_at(episode.onset_at, zone)
        when = turn.texts.when_text(switch, zone, turn.now)
        steps.append(turn.texts.NEXT_SWITCH.format(when=when[0].upper() + when[1:]))
    return turn.texts.ENROLLED.format(
        phase_advice=turn.texts.phase_advice(phase, protocol),
        medicines=turn.texts.MEDICINES,
        next_steps="\n".join(steps),
    )


ENROLMENT = Flow(
    "enrolment",
    EnrolmentAnswers,
    entries={Consent: "/start", Age: "/start after an earlier strain"},
    moves={
        Consent: (Age, EnrolmentLanguage, END),
        EnrolmentLanguage: (Consent,),
        Age: (History, END),
        History: (RedFlagScreen,),
        RedFlagScreen: (RedFlagScreen, Onset),
        Onset: (OnsetDate, Mechanism, END),
        OnsetDate: (Mechanism, END),
        Mechanism: (Pain,),
        Pain: (Activity,),
        Activity: (Zone,),
        Zone: (ZonePick, CheckinTime),
        ZonePick: (Zone, CheckinTime),
        CheckinTime: (END,),
    },
)
"""Declined consent, under 16 and pain for more than six weeks end enrolment early."""
