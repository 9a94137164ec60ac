"""BackCheck: a Telegram bot that follows people through the weeks after a back strain."""

import os

# python-telegram-bot 22 warns that durations (RetryAfter.retry_after and others) become
# timedeltas in its next major version; opting in now gives the future behaviour, no warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")
