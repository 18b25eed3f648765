"""Engine set-up shared by the app's engine and the rate-limit storage's own engine."""

from __future__ import annotations

from sqlalchemy import Engine, event, exc


def tune(engine: Engine, *, immediate: bool = True) -> Engine:
    """Make SQLite safe for several writers; check PostgreSQL connections before use.

    With ``immediate`` every SQLite transaction starts with ``BEGIN IMMEDIATE``: the write lock
    is taken up front, so a transaction never has to upgrade a read lock (which fails at once
    with "database is locked" in WAL mode) and the audit chain head is read and extended by one
    writer at a time. Waiting writers queue on ``busy_timeout``. Engines whose transactions are
    single statements (the rate-limit counters) pass ``immediate=False``.
    """
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        event.listen(engine, "checkout", _ping)
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


def _ping(dbapi_connection, _record, _proxy) -> None:
    """A pooled PostgreSQL connection must still be alive (the server may have restarted).

    SQLAlchemy's ``pool_pre_ping`` runs ``SELECT 1`` in a transaction: BEGIN, the query and a
    ROLLBACK, three round trips on every request. An empty query straight through libpq
    proves the same in one and leaves no transaction behind. A dead connection makes the pool
    discard it and check out another (SQLAlchemy's documented pessimistic recipe).
    """
    from psycopg import pq

    try:
        status = dbapi_connection.pgconn.exec_(b"").status
    except Exception as error:  # psycopg raises on a closed socket
        raise exc.DisconnectionError(str(error)) from error
    if status != pq.ExecStatus.EMPTY_QUERY:
        raise exc.DisconnectionError(f"connection check answered {pq.ExecStatus(status).name}")


def upsert_insert(dialect_name: str):
    """The dialect's INSERT with ``on_conflict_do_*`` (PostgreSQL and SQLite share the API)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
