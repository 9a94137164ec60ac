"""The message catalogue: every word BackCheck says to a person, in one place.

Advice follows ../shared/CARE-RULES.md and the seed article, phrase for phrase where it can.
Texts are short lines, one idea each, readable on a phone. They never claim to diagnose: the bot
passes on what the rules say and sends people to a doctor, an emergency department or a
pharmacist for anything it cannot judge. Emergency texts say plainly what to do now.

Texts are plain (no Markdown or HTML), so nothing a person types can break a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from bot.care import Level, Outlook, PainChange, Phase, Protocol, RedFlag, Severity

CONSENT_VERSION = "2026-11"
"""The version of the consent text below; stored with each person's consent."""


@dataclass(frozen=True)
class Contacts:
    """The deployment's numbers, put into the escalation texts."""

    emergency_number: str
    urgent_care: str


# ---------------------------------------------------------------------------------------------
# Enrolment

WELCOME = """Hello, I'm BackCheck.

I help you look after a back-muscle strain over the next weeks:
• a short check-in once a day, at a time you choose
• what helps right now (ice, heat, movement, strengthening)
• I tell you at once if something you report needs a doctor

What I'm not:
• I'm not a doctor. I don't diagnose or treat.
• I'm not an emergency service. If you think you need help now, call {emergency} now.

To do this I keep your answers: pain scores, check-ins, your time zone and check-in time.
See them any time with /history. Erase everything with /delete. More in /privacy.

Do you agree?"""

CONSENT_YES = "I agree"
CONSENT_NO = "No thanks"

DECLINED = """That's fine. I haven't kept anything about you.
If you change your mind, send /start.
The warning signs to watch for are in /redflags."""

AGE_QUESTION = "How old are you?"
AGE_LABELS = {"under-16": "Under 16", "16-49": "16 to 49", "50+": "50 or over"}

UNDER_16 = """Thank you. I'm made for people aged 16 and over, so I can't follow your back pain.
Please tell a parent or carer, and see a doctor about it.
I haven't kept anything about you.

Call {emergency} now if you have any of these:
• trouble peeing or pooing, or leaking
• numbness around your bottom or genitals
• weakness in your legs"""

HISTORY_QUESTION = "Have you had back pain like this before?"
HISTORY_LABELS = {
    "first": "No, first time",
    "recent": "Yes, in the last 12 months",
    "older": "Yes, longer ago",
}

RED_FLAG_INTRO = "A few safety questions first."

RED_FLAG_GROUP_PROMPT = """{intro}Do you have any of these?

{questions}

Tap each one that applies. If none do, tap "None of these"."""

RED_FLAG_GROUP_MORE = """You told me about: {chosen}.

Anything else from this list?

{questions}

Tap another one, or "That's all"."""

NONE_OF_THESE = "None of these"
THATS_ALL = "That's all"

RED_FLAG_QUESTIONS: Mapping[RedFlag, str] = MappingProxyType(
    {
        RedFlag.CES_BLADDER: "New trouble starting or controlling your pee, leaking, "
        "or not knowing if your bladder is full",
        RedFlag.CES_BOWEL: "Leaking from or losing control of your bowels",
        RedFlag.CES_SADDLE: "Numbness or pins and needles between your inner thighs, around "
        "your genitals, back passage or buttocks (it feels different when you wipe)",
        RedFlag.CES_SEXUAL: "New loss of feeling in your genitals, or a new change in "
        "erection or ejaculation",
        RedFlag.LEGS_BOTH: "Pain, tingling, numbness or weakness in both legs",
        RedFlag.LEG_WEAKNESS: "Severe or worsening weakness in a leg, or new trouble walking",
        RedFlag.TRAUMA: "The pain started after a serious accident or fall",
        RedFlag.CHEST: "Chest pain",
        RedFlag.FEVER: "A high temperature, or feeling very unwell",
        RedFlag.CANCER: "You have had cancer",
        RedFlag.WEIGHT: "Losing weight without trying",
        RedFlag.NIGHT: "Pain that is worse at night, or does not ease at all with rest",
        RedFlag.IMMUNE: "A weakened immune system, long-term steroid tablets, or injecting drugs",
        RedFlag.OSTEO: "Osteoporosis (fragile bones)",
    }
)

RED_FLAG_LABELS: Mapping[RedFlag, str] = MappingProxyType(
    {
        RedFlag.CES_BLADDER: "Bladder",
        RedFlag.CES_BOWEL: "Bowels",
        RedFlag.CES_SADDLE: "Numb bottom or genitals",
        RedFlag.CES_SEXUAL: "Genital or sexual change",
        RedFlag.LEGS_BOTH: "Both legs",
        RedFlag.LEG_WEAKNESS: "Leg weakness or walking",
        RedFlag.TRAUMA: "Serious fall or accident",
        RedFlag.CHEST: "Chest pain",
        RedFlag.FEVER: "Fever or very unwell",
        RedFlag.CANCER: "Had cancer",
        RedFlag.WEIGHT: "Weight loss",
        RedFlag.NIGHT: "Worse at night or at rest",
        RedFlag.IMMUNE: "Weak immunity, steroids, drugs",
        RedFlag.OSTEO: "Osteoporosis",
    }
)

ONSET_QUESTION = "When did this back pain start?"
ONSET_LABELS = {
    "hours": "In the last few hours",
    "yesterday": "Yesterday",
    "2-3d": "2-3 days ago",
    "4-7d": "4-7 days ago",
    "1-6w": "1-6 weeks ago",
    "6w+": "More than 6 weeks ago",
    "date": "I'll type the date",
}
ONSET_DATE_QUESTION = """Type the date it started, like 2026-11-20 or 20/11."""
ONSET_DATE_INVALID = """I couldn't read that as a date.
Please type it like 2026-11-20 or 20/11."""
ONSET_DATE_FUTURE = "That date is in the future. Please type the day the pain started."

LONG_STANDING = """Back pain that has lasted more than 6 weeks deserves a proper check.
Please book an appointment with a doctor or physiotherapist in the next few days.

I follow people through the first weeks of a new strain, so I won't start daily check-ins.
If you strain your back again, send /start.
The warning signs to watch for are in /redflags."""

MECHANISM_QUESTION = "How did it happen?"
MECHANISM_LABELS = {
    "lifting": "Lifting or bending",
    "twist": "A twist or sudden move",
    "sport": "Exercise or sport",
    "posture": "Sitting or posture",
    "trauma": "A serious fall or accident",
    "unknown": "Not sure",
}

PAIN_QUESTION = """How bad is your back pain right now?
0 = no pain, 10 = the worst pain you can imagine."""

ACTIVITY_QUESTION = "Can you do your usual daily activities (work, washing, dressing)?"
ACTIVITY_LABELS = {"can": "Yes", "limited": "Only some", "cannot": "No"}

ZONE_QUESTION = """Which time zone are you in? I'll check in at your local time.
Tap one, type your city (like Manchester), or share your location."""
ZONE_SHARE_LOCATION = "Share my location"
ZONE_NOT_FOUND = """I couldn't find that place.
Type a bigger city near you, a zone like Europe/London, or share your location."""
ZONE_PICK = "Which one do you mean?"
ZONE_SET = "Time zone: {zone}. Your time now: {local_time}."

TIME_QUESTION = """What time should I check in each day?
Tap one, or type a time from 08:00 to 21:00, like 19:30."""
TIME_INVALID = "Please type a time from 08:00 to 21:00, like 09:00 or 19:30."
TIME_DEFAULT_MARK = " (usual)"

ENROLLED = """You're all set.

{phase_advice}

{medicines}

What comes next:
{next_steps}

Any time: /checkin to tell me how you are, /redflags for the warning signs, /help for more."""

NEXT_CHECKIN = "• Your first check-in: {when}."
NEXT_SWITCH = "• {when}: I'll tell you when to switch from ice to heat."

# ---------------------------------------------------------------------------------------------
# Advice for each phase (CARE-RULES.md "Recovery phases"; the seed article)

PHASE_ADVICE: Mapping[Phase, str] = MappingProxyType(
    {
        Phase.ICE: """For now (the first 48 hours): ice.
• Ice for 15-20 minutes at a time, wrapped in a cloth. Never on bare skin.
• Stay gently active: short walks.
• No heavy lifting.
• Bed rest no more than a day or two.""",
        Phase.HEAT: """For now: heat and gentle movement.
• Heat for 15-20 minutes at a time. Warm, not hot. Never on bare skin.
• Never fall asleep on a heat pad.
• Walk every day.
• Posture: shoulders relaxed, feet flat on the floor, screen at eye level.
• Stand up and stretch every 30-60 minutes.""",
        Phase.STRENGTHEN: """Your pain has settled: time to start strengthening.
• Gentle core and glute exercises: deep tummy muscles, buttocks, the muscles along your spine.
• A physiotherapist can guide you, if you can see one.
• Keep walking every day.
• Don't rush back to heavy lifting.""",
        Phase.PREVENT: """To keep your back strong:
• Keep up the strengthening exercises.
• Keep to a healthy weight.
• Take movement breaks. Avoid sitting for long.
• Lift with your legs, keeping the load close to your body.
• Sleep well, on a supportive mattress.""",
    }
)

HEAT_FIRST_ADVICE = """For now: heat and gentle movement.
• Heat for 15-20 minutes at a time. Warm, not hot. Never on bare skin.
• Never fall asleep on a heat pad.
• If you prefer cold, ice wrapped in a cloth for 15-20 minutes is fine too.
• Stay gently active: short walks. No heavy lifting.
• Bed rest no more than a day or two."""

SWITCH_TO_HEAT = """It's been 48 hours: time to switch from ice to heat.
• Heat for 15-20 minutes at a time.
• Warm, not hot. Never on bare skin.
• Never fall asleep on a heat pad.
• Keep walking every day."""

MEDICINES = """Painkillers: anti-inflammatories you can buy, such as ibuprofen, can help for a short time. Follow the packet.
Ask a pharmacist first if you have stomach, kidney or heart problems, take blood thinners, are pregnant, or are over 65."""  # noqa: E501


def phase_advice(phase: Phase, protocol: Protocol) -> str:
    """The advice for ``phase``; under heat-first the acute period offers cold as the option."""
    if protocol is Protocol.HEAT_FIRST and phase is Phase.HEAT:
        return HEAT_FIRST_ADVICE
    return PHASE_ADVICE[phase]


# ---------------------------------------------------------------------------------------------
# Escalations (CARE-RULES.md "Levels of escalation")

EMERGENCY = """🚨 This needs emergency care now.

You told me: {reasons}.

Call {emergency} now, or go to the nearest emergency department.
Don't wait to see if it gets better.
Don't drive yourself.
Tell them you have back pain and what you told me.

Once you have been seen, or you are safe, tap below to carry on here."""

URGENT = """❗ Please contact a doctor today.

You told me: {reasons}.

Contact {urgent_care} and ask to be seen today.
If it gets worse, or you notice new bladder, bowel or leg problems, call {emergency} now."""

SOON = """Please book an appointment with a doctor or physiotherapist in the next few days.
{reason}"""

SOON_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "RF-AGE-50": "Back pain for the first time at 50 or over deserves a check by a doctor.",
        "TR-WORSE": "Your pain has been 2 or more points above where it started, "
        "two check-ins in a row.",
        "TR-SEVERE": "Your pain has been 8 or more on three check-ins in a row.",
        "TR-NO-IMPROVE-14": "Two weeks on, your pain hasn't clearly improved.",
        "TR-NO-IMPROVE-28": "Four weeks on, your pain is still 4 or more.",
        "TR-PERSIST-42": "Six weeks on, you still have pain. "
        "Pain that lasts longer than six weeks deserves a check.",
        "TR-CHRONIC-84": "It's been 12 weeks. Pain that carries on this long deserves a check.",
        "TR-RECURRENT": "Back strain that keeps coming back deserves a physiotherapy "
        "assessment: a physio can find out why and give you a strengthening plan.",
    }
)

CHRONIC_END = """This is the end of my daily follow-up: it covers the first 12 weeks.
Your history stays here: /history. Erase it any time with /delete."""

RECOVERED = """🎉 Your pain has been 0 or 1 three check-ins in a row. That looks like recovery.

{prevent}

I'll stop the check-ins now, and send you a tip once a week for four weeks."""

PREVENTION_TIPS: Mapping[int, str] = MappingProxyType(
    {
        1: """Weekly tip 1 of 4: keep strengthening.
Keep up gentle core and glute exercises a few times a week: deep tummy muscles, buttocks and the muscles along your spine carry the load your back took on alone.""",  # noqa: E501
        2: """Weekly tip 2 of 4: lift well.
Bend your knees, keep the load close to your body, and turn with your feet rather than twisting your back. Build up slowly before heavy lifting.""",  # noqa: E501
        3: """Weekly tip 3 of 4: keep moving.
Take a movement break every 30-60 minutes: stand, stretch, walk. Shoulders relaxed, feet flat on the floor, screen at eye level.""",  # noqa: E501
        4: """Weekly tip 4 of 4: everyday habits.
A healthy weight, a supportive mattress and good sleep, and a way to unwind (breathing, stretching, walking) all help keep back pain away.

This is the last message of your follow-up. Take care of your back. If it flares up again, send /start; the warning signs are always in /redflags.""",  # noqa: E501
    }
)

DIGEST = """BackCheck, {day}:
• enrolled: {enrolled}
• check-ins sent: {sent}, answered: {answered}
• escalations: {emergency} emergency, {urgent} urgent, {soon} soon"""

ADMIN_ALERT = "{level} escalation: person {pseudonym}, rule {rule_id}."
FOLLOW_UP_NOTE = "The follow-up question (did they get help?) after this {escalation}"
UNDELIVERED_BLOCKED = "NOT DELIVERED: {note} The person has blocked the bot."
UNDELIVERED_RETRYING = (
    "NOT DELIVERED YET: {note} Telegram failed {attempts} times ({error}); "
    "trying again every minute at most."
)
UNDELIVERED_REFUSED = (
    "NOT DELIVERED: {note} Telegram refused the message ({error}). "
    "Run `python -m bot requeue` to try again."
)


# ---------------------------------------------------------------------------------------------
# After an escalation (CARE-RULES.md "After an escalation (safety-netting)")

HOLD_LABELS = {
    "carry": "I've been seen or I'm safe: carry on",
    "mistap": "I tapped this by mistake",
}
"""ES-HOLD: the two buttons under an EMERGENCY message, the last thing said."""
HOLD_CARRY_ON = "Thank you. Let's carry on where we stopped."
MISTAP_CONFIRM = """Just to be sure. So you do NOT have this?

{questions}

If you do have it, or you are not sure, {advice}"""
MISTAP_ADVICE: Mapping[Level, str] = MappingProxyType(
    {
        Level.EMERGENCY: "get emergency care now: call {emergency}.",
        Level.URGENT: "contact {urgent_care} today.",
    }
)
MISTAP_LABELS = {"withdraw": "Right, I don't have it", "keep": "I do have it, or I'm not sure"}
MISTAP_WITHDRAWN = """Thanks, I've taken that answer back.
If it does happen, tell me at once: the warning signs are in /redflags."""
ADMIN_WITHDRAWN = (
    "WITHDRAWN: {level} escalation of person {pseudonym}, rule {rule_id}: "
    "the person confirmed they tapped it by mistake."
)
URGENT_AGAIN = """❗ Please remember: contact {urgent_care} and ask to be seen today.
If it gets worse, or you notice new bladder, bowel or leg problems, call {emergency} now."""
"""ES-HOLD for URGENT: the last words of an exchange in which URGENT was said."""
EMERGENCY_AFTER = """🚨 If any of those signs comes back or gets worse, call {emergency} now."""
"""ES-HOLD: the last words of an exchange carried on after an emergency."""


FOLLOW_UP_QUESTION = """Checking on you. Earlier you told me: {reasons}.
I asked you to {asked}.

Did you get help?"""
FOLLOW_UP_ASKED: Mapping[Level, str] = MappingProxyType(
    {
        Level.EMERGENCY: "get emergency care straight away",
        Level.URGENT: "contact a doctor that day",
    }
)
FOLLOW_UP_LABELS = {
    "got_help": "Yes, I've been seen",
    "not_yet": "Not yet",
    "fine": "I'm feeling fine now",
}
FOLLOW_UP_GOT_HELP = """Thank you for letting me know. Follow the advice you were given there.
If anything gets worse, or a warning sign comes back, get help again at once: /redflags."""
FOLLOW_UP_FINE = """Thank you for letting me know.
Signs like the ones you told me about still need a check by a doctor, even once they ease.
If any of them comes back, call {emergency} now."""
FOLLOW_UP_NOTED = "Already noted, thank you."
"""A toast: the follow-up was answered already."""


def follow_up_text(level: Level, flags: Sequence[RedFlag]) -> str:
    """ES-FOLLOW-UP: did the person get help after an escalation?"""
    return FOLLOW_UP_QUESTION.format(reasons=_reasons(flags), asked=FOLLOW_UP_ASKED[level])


def emergency_text(flags: Sequence[RedFlag], contacts: Contacts) -> str:
    return EMERGENCY.format(
        reasons=_reasons(flags),
        emergency=contacts.emergency_number,
    )


def urgent_text(flags: Sequence[RedFlag], contacts: Contacts) -> str:
    return URGENT.format(
        reasons=_reasons(flags),
        urgent_care=contacts.urgent_care,
        emergency=contacts.emergency_number,
    )


def urgent_again_text(contacts: Contacts) -> str:
    return URGENT_AGAIN.format(
        urgent_care=contacts.urgent_care, emergency=contacts.emergency_number
    )


def mistap_text(level: Level, flags: Sequence[RedFlag], contacts: Contacts) -> str:
    """ES-MISTAP: the full question of each flag that fired, asked once more."""
    questions = "\n".join(f"• {RED_FLAG_QUESTIONS[flag]}" for flag in flags)
    advice = MISTAP_ADVICE[level].format(
        emergency=contacts.emergency_number, urgent_care=contacts.urgent_care
    )
    return MISTAP_CONFIRM.format(questions=questions, advice=advice)


def soon_text(rule_id: str) -> str:
    return SOON.format(reason=SOON_REASONS[rule_id])


def escalation_text(level: Level, rule_ids: Sequence[str], contacts: Contacts) -> str:
    """One message for the escalations of one level: red flags are listed together."""
    if level is Level.EMERGENCY:
        return emergency_text([RedFlag(rule_id) for rule_id in rule_ids], contacts)
    if level is Level.URGENT:
        return urgent_text([RedFlag(rule_id) for rule_id in rule_ids], contacts)
    return "\n\n".join(soon_text(rule_id) for rule_id in rule_ids)


def _reasons(flags: Sequence[RedFlag]) -> str:
    return "; ".join(RED_FLAG_QUESTIONS[flag].lower() for flag in flags)


# ---------------------------------------------------------------------------------------------
# Check-ins

CHECKIN_PAIN = """Check-in, day {day} since it started.
How bad is your back pain right now, from 0 (none) to 10 (worst imaginable)?"""
CHECKIN_NEW = """Anything new, or worse, since last time?
• trouble with your bladder or bowels
• numbness around your bottom or genitals, or a change in sexual function
• tingling, numbness, pain or weakness in both legs, or new weakness in one
• chest pain
• a fever, or feeling very unwell"""
CHECKIN_NEW_LABELS = {"no": "No", "yes": "Yes"}
CHECKIN_FLAGS = """Which of these is new?

{questions}

Tap each one that applies, then "That's all"."""
CHECKIN_WALK = "Since your last check-in, have you been for a walk?"
CHECKIN_WALK_LABELS = {"yes": "Yes", "no": "No"}
CHECKIN_NOTE = """Anything to note for yourself or your doctor? Type it, or tap Skip."""
SKIP = "Skip"
NOTE_TOO_LONG = "That's a bit long: please keep the note under {limit} characters."

CHECKIN_DONE = """Thanks, that's saved.
{trend}

{phase_advice}

{next_checkin}"""
CHECKIN_DONE_RECOVERED = """Thanks, that's saved.
{trend}"""
CHECKIN_NEXT = "Next check-in: {when}."
CHECKIN_NO_NEXT = "That was the last scheduled check-in."
CHECKIN_REPLACES = "You've checked in today already: these answers will replace today's."
REMINDER = "A reminder: today's check-in is still waiting for you."
PAUSED_AFTER_MISSED = """I haven't heard from you for three check-ins, so I'll pause them.
Send /checkin any time, or /resume to start them again.
If anything worrying happens, see /redflags."""

OUTLOOK_TEXT: Mapping[Outlook, str] = MappingProxyType(
    {
        Outlook.ON_TRACK: "On track for a {severity} strain (usually {span}).",
        Outlook.SLOWER: "That's slower than usual for a {severity} strain (usually {span}).",
        Outlook.WORSE: "Your pain is higher than when you started.",
        Outlook.RECOVERED: "That looks like recovery.",
    }
)
RECOVERY_SPANS: Mapping[Severity, str] = MappingProxyType(
    {
        Severity.MILD: "1-2 weeks",
        Severity.MODERATE: "3-6 weeks",
        Severity.SEVERE: "several months",
    }
)
"""Expected recovery by severity, in the seed article's words."""


def trend_text(change: PainChange) -> str:
    """The change from the start in plain words: "2 points better than when you started"."""
    points = abs(change.points)
    unit = "point" if points == 1 else "points"
    if change.points > 0:
        return f"Pain {change.latest}: {points} {unit} better than when you started."
    if change.points < 0:
        return f"Pain {change.latest}: {points} {unit} worse than when you started."
    return f"Pain {change.latest}: the same as when you started."


def outlook_text(outlook: Outlook, severity: Severity) -> str:
    return OUTLOOK_TEXT[outlook].format(severity=severity.value, span=RECOVERY_SPANS[severity])


# ---------------------------------------------------------------------------------------------
# Commands

HELP = """I follow your back strain with a short daily check-in.

/checkin: tell me how you are now
/history: your pain chart
/summary: a one-page summary to show your doctor or physiotherapist
/redflags: the warning signs, and what to do
/settings: check-in time and time zone
/pause, /resume: stop or restart the check-ins
/stop: end the follow-up (your history is kept)
/delete: erase everything about you
/privacy: what I keep and why

In an emergency, call {emergency} now."""

NOT_ENROLLED_HELP = """I follow people through the weeks after a back strain.
Send /start to begin. The warning signs are in /redflags."""

PRIVACY = """What I keep, and why:
• your Telegram id, so I can message you
• your answers: age band, how and when the pain started, pain scores, warning signs you told me about, walks and notes
• your time zone and check-in time, to ask at the right hour
• the safety messages I sent you

Admins of this service see figures, alerts and an export of check-ins, all without your name, your Telegram id or your notes.
I keep nothing from before you agree.
/delete erases everything about you at once. /stop ends the check-ins but keeps your history.
Once your follow-up has ended, everything about you is erased after {retention_days} days."""  # noqa: E501

REDFLAGS = """Call {emergency} now, or go to an emergency department, if you have:
• new trouble peeing, leaking, or not knowing if your bladder is full
• leaking from or losing control of your bowels
• numbness or pins and needles around your genitals, back passage, buttocks or inner thighs
• new loss of feeling in your genitals, or a change in erection or ejaculation
• pain, tingling, numbness or weakness in both legs
• severe or worsening weakness in a leg, or new trouble walking
• back pain after a serious accident or fall
• chest pain

Contact a doctor today ({urgent_care}) if you have back pain with:
• a high temperature, or feeling very unwell
• cancer now or in the past
• weight loss without trying
• pain that is worse at night or doesn't ease with rest
• a weakened immune system, long-term steroid tablets, or injecting drugs
• osteoporosis

Send /checkin to tell me about any of these."""

HISTORY_EMPTY = "No check-ins yet. Send /checkin to do one now."
SUMMARY_NOTHING_YET = "There is nothing to show yet: send /start to begin."
CHART_FILENAME = "backcheck-pain-chart.png"
SUMMARY_DOCUMENT_CAPTION = """Your summary for a doctor or physiotherapist: one page, to show or print. The same follows as a message."""  # noqa: E501

# ---------------------------------------------------------------------------------------------
# Operators' commands (ADMIN_IDS only)

STATS_CHART_CAPTION = "BackCheck in figures: the same numbers follow as text."
EXPORT_CAPTION = """Check-ins, one row each ({rows}).
Pseudonymous: no names, no Telegram ids, no notes. Keep it as you keep any health record."""
EXPORT_TOO_LARGE = """The export ({rows} check-ins) is too large for Telegram, even compressed.
Run "python -m bot export PATH" on the server instead."""


SETTINGS_MENU = """Your settings:
• check-in time: {time}
• time zone: {zone}{protocol_line}

What would you like to change?"""
SETTINGS_PROTOCOL_LINE = "\n• first days: {protocol}"
SETTINGS_LABELS = {
    "time": "Check-in time",
    "zone": "Time zone",
    "protocol": "Ice or heat",
    "done": "Nothing",
}
PROTOCOL_QUESTION = """For the first 48 hours, which do you prefer?
Both are fine; heat has slightly better evidence, ice is the classic advice."""
PROTOCOL_LABELS = {"seed": "Ice, then heat", "heat-first": "Heat from the start"}
SETTINGS_SAVED = "Saved. {next_checkin}"
SETTINGS_UNCHANGED = "Nothing changed."

PAUSED = """Check-ins paused. I won't message you until you send /resume.
/checkin still works any time. The warning signs are in /redflags."""
ALREADY_PAUSED = "Check-ins are already paused. Send /resume to restart them."
RESUMED = "Welcome back. {next_checkin}"
NOT_PAUSED = "Check-ins are running. {next_checkin}"

STOP_CONFIRM = """End the follow-up? I'll stop the check-ins and keep your history.
You can start again with /start."""
STOP_LABELS = {"yes": "Yes, stop", "no": "No, keep going"}
STOPPED = """Follow-up ended. Your history is kept: /history. Erase it with /delete.
Take care of your back. The warning signs are in /redflags."""

DELETE_CONFIRM = """Erase everything about you? Your check-ins, answers and settings will be gone for good.
This can't be undone."""  # noqa: E501
DELETE_LABELS = {"yes": "Yes, erase everything", "no": "No, keep it"}
DELETED = """Done: everything about you is erased.
If you need me again, send /start."""
NOTHING_TO_DELETE = "I have nothing stored about you."

KEPT = "OK, nothing changed."
ALREADY_ENROLLED = "You're already set up. Send /checkin to check in now, or /help for more."
FINISH_ENROLMENT_FIRST = "Let's finish setting up first. Here's where we were:"
UNKNOWN_COMMAND = "I don't know that command."
NOTHING_ASKED = "I'm not waiting for an answer right now."
TAP_A_BUTTON = "Please tap one of the buttons below."
PAIN_INVALID = "Please tap a number from 0 to 10, or type just the number, like 6."
STALE_BUTTON = "That question has passed."
COULD_NOT_SAVE = "Sorry, I couldn't save that. Please send it again."
"""Said without the database when a person's answer could not be stored (it is not)."""
TEXT_ONLY = "I can only read text and buttons. Please answer with a button or a few words."
PRIVATE_ONLY = """I only work in private chats, to keep your health private.
Message me directly: @{username}"""
FOLLOW_UP_OVER = """Your follow-up has ended, so there are no more check-ins.
Send /start if you have a new back strain."""


# ---------------------------------------------------------------------------------------------
# Insight: pain chart and doctor summary

CHART_TITLE = "Your back pain since it started"
CHART_SUBTITLE = "Pain at the start: {baseline}   Latest: {latest}"
CHART_SUBTITLE_EMPTY = "Pain at the start: {baseline}   No check-ins yet"
CHART_X_LABEL = "Days since the pain started"
CHART_Y_LABEL = "Pain (0 = none, 10 = worst)"
CHART_PAIN = "Your pain"
CHART_BASELINE = "At the start"
CHART_BAND = "Usual recovery"
CHART_EXPECTED = "A {severity} strain usually gets better in {span}."
CHART_PHASES: Mapping[Phase, str] = MappingProxyType(
    {
        Phase.ICE: "Ice",
        Phase.HEAT: "Heat",
        Phase.STRENGTHEN: "Strengthen",
        Phase.PREVENT: "Keep strong",
    }
)
CHART_LEVELS: Mapping[Level, str] = MappingProxyType(
    {
        Level.EMERGENCY: "Told: emergency care",
        Level.URGENT: "Told: doctor today",
        Level.SOON: "Told: doctor or physio soon",
        Level.INFO: "Advice",
    }
)
"""The chart's legend for the safety messages, one entry per level."""

CHART_DESCRIPTION = """Chart of your back pain since it started on {onset} ({severity} strain, usually better in {span}).
Pain at the start: {baseline}.
{latest}
{trend}
{outlook}
Check-ins answered: {count}.
{escalations}
{phases}
This repeats what you told me; it is not a diagnosis. If things get worse: /redflags."""  # noqa: E501
CHART_DESCRIPTION_LATEST = "Latest: {pain}, on {date} (day {day})."
CHART_DESCRIPTION_NO_CHECKINS = "No check-ins answered yet."
CHART_DESCRIPTION_NO_ESCALATIONS = "Safety messages: none."
CHART_DESCRIPTION_ESCALATIONS = "Safety messages so far: {count}. You were told to {items}."
CHART_DESCRIPTION_ESCALATION = "{advice} on {date}"
CHART_DESCRIPTION_PHASES = "Phases: {items}."
CHART_DESCRIPTION_PHASE = "{phase} from {date}"
CHART_DESCRIPTION_MORE = "and {count} more"

LEVEL_ADVICE: Mapping[Level, str] = MappingProxyType(
    {
        Level.EMERGENCY: "get emergency care",
        Level.URGENT: "see a doctor that day",
        Level.SOON: "see a doctor or physiotherapist within days",
        Level.INFO: "follow the self-care advice",
    }
)
"""What each level of escalation told the person to do, in a few words, looking back."""

SUMMARY_TITLE = "My back pain: what I reported to BackCheck"
SUMMARY_MADE = "Made on {date}. Dates and times are local ({zone})."
SUMMARY_START_HEADING = "How it started"
SUMMARY_ONSET = "Started: {date}. Signed up to BackCheck: {enrolled}."
SUMMARY_MECHANISM = "How it happened: {mechanism}."
SUMMARY_ACTIVITY = "Usual daily activities possible at the start: {activity}."
SUMMARY_FIRST_EPISODE: Mapping[bool, str] = MappingProxyType(
    {True: "First episode of back pain like this.", False: "Has had back pain like this before."}
)
SUMMARY_SEVERITY = "BackCheck's group at sign-up, from pain and daily activities (not a clinical grade): {severity}, usual recovery {span}."  # noqa: E501
SUMMARY_PAIN_HEADING = "Pain (0 = none, 10 = worst)"
SUMMARY_BASELINE = "At the start: {pain} ({date})."
SUMMARY_LATEST = "Latest: {pain} ({date}, day {day})."
SUMMARY_NO_CHECKINS = "No check-ins answered yet."
SUMMARY_BETTER = "Change: {points} {unit} lower than at the start ({percent} % better)."
SUMMARY_WORSE = "Change: {points} {unit} higher than at the start."
SUMMARY_SAME = "Change: the same as at the start."
SUMMARY_CHECKINS = "Check-ins answered: {count}."
SUMMARY_SCORES = "Scores by day: {scores}."
SUMMARY_SCORE = "day {day}: {pain}"
SUMMARY_FLAGS_HEADING = "Warning signs reported"
SUMMARY_FLAGS_ASKED = 'Asked at sign-up, and at every check-in as "anything new?".'
SUMMARY_FLAG_ENROLMENT = "{date}, at sign-up: {label} ({rule_id})."
SUMMARY_FLAG_CHECKIN = "{date}, check-in day {day}: {label} ({rule_id})."
SUMMARY_FLAG_ESCALATED = "{date}, at a check-in answered again later that day: {label} ({rule_id})."
SUMMARY_NO_FLAGS = "None reported."
SUMMARY_ESCALATIONS_HEADING = "Safety advice BackCheck gave"
SUMMARY_ESCALATION = "{date} {time}: told to {advice}. Reason: {reason} ({rule_id})."
SUMMARY_NO_ESCALATIONS = "None."
SUMMARY_RULE_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "RF-AGE-50": "Aged 50 or over, with a first episode of back pain",
        "TR-WORSE": "Pain 2 or more points above the start on two check-ins in a row",
        "TR-SEVERE": "Pain 8 or more on three check-ins in a row",
        "TR-NO-IMPROVE-14": "Two weeks on, pain not clearly better than at the start",
        "TR-NO-IMPROVE-28": "Four weeks on, pain still 4 or more",
        "TR-PERSIST-42": "Still in pain after six weeks",
        "TR-CHRONIC-84": "Still in follow-up after twelve weeks",
        "TR-RECURRENT": "Back strain again within 12 months",
    }
)
"""Why a trend or history rule asked the person to see someone, in neutral words for a doctor."""
SUMMARY_WALKING_HEADING = "Walking"
SUMMARY_WALKING = "Walked since the previous check-in: yes at {walked} of the {answered} check-ins where this was answered ({percent} %)."  # noqa: E501
SUMMARY_NOTES_HEADING = "Notes written at check-ins"
SUMMARY_NOTE = "{date}: {note}"
SUMMARY_MORE = "… and {count} more."
SUMMARY_CUT = "… (the full list is in the chat message)"
SUMMARY_FILENAME = "backcheck-summary-{date}.pdf"

DISCLAIMER = """BackCheck is not a doctor. This summary repeats what the person reported and the safety advice the bot gave. It is not a diagnosis and not a medical assessment."""  # noqa: E501

# Insight: operator stats, alerts and export
# For the operator's admins only: pseudonyms and rule ids, never a name or a Telegram id.

STATS_HEADER = "BackCheck stats, {when} ({zone})"
STATS_PEOPLE = """People
• consented: {consented}
• active: {active}, paused: {paused}, blocked the bot: {blocked}
• episodes: {episodes}, recovered: {recovered}, new in 7 days: {new_7d}"""
STATS_CHECKINS = """Check-ins (answered of those sent)
• today: {today}
• last 7 days: {week}"""
STATS_CHECKIN_FIGURES = "{answered} of {sent} answered ({rate})"
STATS_NOTHING_SENT = "none sent"
STATS_ESCALATIONS = "Escalations (last 7 days / 30 days)"
STATS_ESCALATION_LINE = "• {label}: {week} / {month}"
STATS_RULES = "By rule (7 / 30 days):"
STATS_RULES_NONE = "No escalations in 30 days."
STATS_RULES_MORE = "• … and {more} more rules"
STATS_PAIN = "Median pain (0-10), answered check-ins"
STATS_PAIN_LINE = "• day {day}: {median} ({count} answers)"
STATS_RECOVERY = (
    "Median days to recovery, of those who recovered within the 12-week follow-up (expected)"
)
STATS_RECOVERY_LINE = "• {severity}: {median} ({count} recovered; expected {span})"
STATS_NO_DATA = "no data"
STATS_LEVEL_LABELS: Mapping[Level, str] = MappingProxyType(
    {
        Level.EMERGENCY: "emergency",
        Level.URGENT: "urgent",
        Level.SOON: "soon",
        Level.INFO: "info",
    }
)
STATS_SEVERITY_LABELS: Mapping[Severity, str] = MappingProxyType(
    {Severity.MILD: "mild", Severity.MODERATE: "moderate", Severity.SEVERE: "severe"}
)

STATS_CHART_TITLE = "BackCheck, {when}"
STATS_CHART_SUBTITLE = "{consented} consented · {active} active · {recovered} recovered"
STATS_CHART_RESPONSE = "Check-ins answered"
STATS_CHART_RESPONSE_TODAY = "Today"
STATS_CHART_RESPONSE_WEEK = "Last 7 days"
STATS_CHART_ESCALATIONS = "Escalations by level"
STATS_CHART_WEEK = "7 days"
STATS_CHART_MONTH = "30 days"
STATS_CHART_PAIN = "Median pain (0-10)"
STATS_CHART_PAIN_DAY = "Day {day}"
STATS_CHART_RECOVERY = "Median days to recovery (in follow-up)"
STATS_CHART_EXPECTED = "expected"
STATS_CHART_ANSWERS = "n={count}"
STATS_CHART_NO_DATA = "no data"

ALERTS_HEADER = "Latest emergency and urgent alerts, newest first ({zone}):"
ALERTS_LINE = "• {when} {level} {pseudonym} {rule_id}: {delivery}"
ALERTS_SENT = "sent {when}"
ALERTS_NOT_SENT = "NOT DELIVERED YET"
ALERTS_NONE = "No emergency or urgent alerts so far."
ALERTS_OUTCOME = "{delivery}; {outcome}"
OUTCOME_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "got_help": "got help",
        "not_yet": "not yet",
        "fine": "fine",
        "withdrawn": "withdrawn",
        "no_answer": "no answer yet",
        "pending": "follow-up due",
    }
)
"""What came of an EMERGENCY or URGENT escalation, for the operators (ES-FOLLOW-UP, ES-MISTAP):
keys of :func:`bot.insight.counts.outcome_key`."""
STATS_OUTCOMES = "Emergency and urgent: what came of them (7 / 30 days)"
SUMMARY_OUTCOMES: Mapping[str, str] = MappingProxyType(
    {
        "got_help": "Asked later, they said they had been seen.",
        "not_yet": "Asked later, they said they had not been seen yet.",
        "fine": "Asked later, they said they felt fine.",
        "withdrawn": "Withdrawn: they confirmed they had tapped it by mistake.",
        "no_answer": "Asked later whether they got help: no answer.",
        "pending": "Not yet asked whether they got help.",
    }
)
