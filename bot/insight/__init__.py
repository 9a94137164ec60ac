"""Insight for people and operators: charts, summaries, stats and exports, read from the stored rows."""  # noqa: E501
