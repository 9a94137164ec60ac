"""Insight for people and operators, built from the rows the conversation stored.

For a person: their pain chart and its words for screen readers (:mod:`bot.insight.pain_chart`)
and the one-page summary to show a doctor (:mod:`bot.insight.doctor_summary`), both drawn from
one read of the database (:mod:`bot.insight.history`). For operators: figures as SQL aggregates
(:mod:`bot.insight.stats`, drawn by :mod:`bot.insight.stats_chart`), the latest emergency and
urgent escalations (:mod:`bot.insight.alerts`) and a pseudonymous, streamed export
(:mod:`bot.insight.export`). Nothing here imports matplotlib at import time: only the render
functions do, so bot start-up and the scheduler never pay for it.
"""
