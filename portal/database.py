"""Engine set-up shared by the app's engine and the rate-limit storage's own engine."""

from __future__ import annotations

from sqlalchemy import Engine, event


def tune(engine: Engine, *, immediate: bool = True) -> Engine:
    """Make SQLite safe for several writers; leave other backends alone.

    With ``immediate`` every SQLite transaction starts with ``BEGIN IMMEDIATE``: the write lock
    is taken up front, so a transaction never has to upgrade a read lock (which fails at once
    with "database is locked" in WAL mode) and the audit chain head is read and extended by one
    writer at a time. Waiting writers queue on ``busy_timeout``. Engines whose transactions are
    single statements (the rate-limit counters) pass ``immediate=False``.
    """
    if engine.dialect.name != "sqlite":
        return engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below emit BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine



def upsert_insert(dialect_name: str):
    """The dialect's INSERT with ``on_conflict_do_*`` (PostgreSQL and SQLite share the API)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
