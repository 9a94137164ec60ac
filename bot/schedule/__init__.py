"""The due queue and the clock that drives it: every message the bot owes, sent once."""
