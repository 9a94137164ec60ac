"""The conversation with a person: its steps, state and entry point, free of Telegram."""
