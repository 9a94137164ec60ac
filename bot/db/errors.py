"""Which database errors are worth trying again: the database's availability, not the statement.

A lost connection, a server that is restarting or refusing connections, SQLite's write lock held
too long by another writer, or a disk that filled up may all pass within seconds; a statement
that is wrong (a missing table, a broken constraint) never will. Both drivers' errors reach the
code wrapped by SQLAlchemy: PostgreSQL's carry their SQLSTATE, SQLite's only a message.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as ConnectionWaitTimeout

_POSTGRESQL_PASSING = ("08", "53", "57P", "40001", "40P01")
"""SQLSTATE prefixes: connection exceptions, insufficient resources, the server shutting down or
starting, a serialization failure, a deadlock."""
_SQLITE_PASSING = (
    "database is locked",
    "database table is locked",
    "database or disk is full",
    "disk I/O error",
    "unable to open database file",
)


def is_transient(error: BaseException) -> bool:
    """Whether the same transaction may well succeed if tried again shortly."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        sqlstate = getattr(error.orig, "sqlstate", None)
        if isinstance(sqlstate, str):
            return sqlstate.startswith(_POSTGRESQL_PASSING)
        if isinstance(error, InterfaceError):
            return True
        return isinstance(error, OperationalError) and str(error.orig).startswith(_SQLITE_PASSING)
    # Connecting to a server that is down fails before SQLAlchemy can wrap the driver's error;
    # a pool that gave no connection in time (SQLite's one, busy) is a wait that ran out.
    return isinstance(error, OSError | TimeoutError | ConnectionWaitTimeout)
