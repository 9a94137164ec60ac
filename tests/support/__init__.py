"""Helpers shared by the tests: the bot under test, people walking through it, seeded data."""
