"""Insight: pictures and summaries of an episode, built from the rows the conversation stored.

Each module owns one product: the person's pain chart and its words for screen readers
(:mod:`bot.insight.pain_chart`), the one-page summary to show a doctor
(:mod:`bot.insight.doctor_summary`), both drawn from one read of the database
(:mod:`bot.insight.history`). Nothing here imports matplotlib at import time: only the render
functions do, so bot start-up and the scheduler never pay for it.
"""
