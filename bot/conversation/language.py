"""Which language BackCheck speaks to a person: offered at /start, changeable in /settings.

A person's language starts as their Telegram app's (``User.language_code``) where BackCheck
speaks it, English otherwise; the welcome offers the others with one tap, and /settings can
change it any time. The choice is stored on the person and used for everything sent to them
from then on: check-ins, escalations, follow-ups, charts and the summary.
"""

from __future__ import annotations

from bot.conversation.flow import Step, question
from bot.conversation.turn import Button, Outgoing, Turn
from bot.i18n import catalogue, languages
from bot.texts import texts_for


class LanguageQuestion(Step):
    """Each language by its own name ("Deutsch", "Español"), so anyone can find theirs."""

    async def ask(self, turn: Turn) -> Outgoing:
        buttons = tuple((Button(catalogue(language).name, language),) for language in languages())
        return question(turn, turn.texts.LANGUAGE_QUESTION, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in languages():
            return False
        turn.require_person().language = value
        turn.say(texts_for(value).LANGUAGE_SET)
        await self.chosen(turn)
        return True

    async def chosen(self, turn: Turn) -> None:
        """What the flow does once the language is set (said in the new language from here)."""
