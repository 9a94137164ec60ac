"""SQL functions that read the same on both databases.

Stored times are ``timestamptz`` on PostgreSQL and naive UTC text on SQLite
(:class:`bot.db.types.UTCDateTime`), so date arithmetic and formatting differ per dialect; each
function here compiles to what its dialect needs, and to standard SQL in ``str(statement)``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class iso_utc(FunctionElement[str]):
    """A stored time as ISO 8601 UTC text, like 2026-11-25T09:00:00Z; NULL stays NULL."""

    type = String()
    inherit_cache = True
    name = "iso_utc"


@compiles(iso_utc, "sqlite")
def _iso_sqlite(element: iso_utc, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {compiler.process(element.clauses, **kw)})"


@compiles(iso_utc, "postgresql")
@compiles(iso_utc)  # what str(statement) shows
def _iso_postgresql(element: iso_utc, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"""to_char(({value}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


class whole_days_between(FunctionElement[int]):
    """Whole 24-hour periods from the first timestamp to the second, rounded down."""

    type = Integer()
    inherit_cache = True
    name = "whole_days_between"


@compiles(whole_days_between, "sqlite")
def _days_sqlite(element: whole_days_between, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps naive UTC text; strftime('%s') is whole seconds, and integer division of a
    # non-negative number rounds down. (julianday() differences are floats: 9.99999 days.)
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return (
        f"((CAST(strftime('%s', {end}) AS INTEGER)"
        f" - CAST(strftime('%s', {start}) AS INTEGER)) / 86400)"
    )


@compiles(whole_days_between, "postgresql")
@compiles(whole_days_between)  # standard SQL, and what str(statement) shows
def _days_postgresql(element: whole_days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(floor(EXTRACT(EPOCH FROM ({end} - {start})) / 86400) AS INTEGER)"
