"""The database engine's set-up, and the rate-limit counters kept in the database.

Without Redis, rate-limit counters must still be shared by every worker process: per-process
memory would multiply each limit by the number of workers. :class:`DatabaseStorage` keeps
fixed-window counters in the ``rate_limit_counters`` table, one atomic upsert per hit.
"""

from __future__ import annotations

import re
import time

from limits.storage import Storage
from psycopg import pq
from sqlalchemy import Engine, case, create_engine, delete, event, exc, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from portal.models.accounts import RateLimitCounter


def tune(engine: Engine, *, immediate: bool = True) -> Engine:
    """Make SQLite safe for several writers; check PostgreSQL connections before use.

    SQLite transactions start deferred, so reading requests run side by side (WAL readers
    never wait). With ``immediate``, a transaction's first write, or first ``SELECT ... FOR
    UPDATE`` (which SQLite drops from the SQL), takes the write lock first: the transaction
    so far has only read, so it is ended and a ``BEGIN IMMEDIATE`` one started in its place,
    which waits its turn on ``busy_timeout`` and then reads the latest data. Upgrading the
    read transaction itself would fail at once with "database is locked" whenever another
    writer committed since it began. Writers stay one at a time, so the audit chain head is
    read (FOR UPDATE) and extended by one writer at a time. Engines whose transactions are
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
        connection.info[_WRITING] = None  # the BEGIN itself passes the hook below untouched
        connection.exec_driver_sql("BEGIN")
        connection.info[_WRITING] = False

    if not immediate:
        return engine

    @event.listens_for(engine, "before_execute")
    def _note_for_update(connection, clauseelement, *_args) -> None:
        if getattr(clauseelement, "_for_update_arg", None) is not None:
            connection.info[_LOCK_NEXT] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _forget_lock_request(connection) -> None:
        # a FOR UPDATE after the first write needed no lock: its request must not outlive the
        # transaction, or the connection's next one, even a read, would take the write lock
        connection.info.pop(_LOCK_NEXT, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _lock_before_first_write(connection, cursor, statement, *_args) -> None:
        if connection.info.get(_WRITING) is not False:  # outside a transaction, or locked
            return
        if connection.info.pop(_LOCK_NEXT, False) or _WRITES.match(statement):
            cursor.execute("COMMIT")  # it only read: nothing is lost
            cursor.execute("BEGIN IMMEDIATE")
            connection.info[_WRITING] = True

    return engine


_WRITING = "portal.sqlite_writing"
_LOCK_NEXT = "portal.sqlite_lock_next"
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def _ping(dbapi_connection, _record, _proxy) -> None:
    """A pooled PostgreSQL connection must still be alive (the server may have restarted).

    SQLAlchemy's ``pool_pre_ping`` runs ``SELECT 1`` in a transaction: BEGIN, the query and a
    ROLLBACK, three round trips on every request. An empty query straight through libpq
    proves the same in one and leaves no transaction behind. A dead connection makes the pool
    discard it and check out another (SQLAlchemy's documented pessimistic recipe).
    """
    try:
        status = dbapi_connection.pgconn.exec_(b"").status
    except Exception as error:  # psycopg raises on a closed socket
        raise exc.DisconnectionError(str(error)) from error
    if status != pq.ExecStatus.EMPTY_QUERY:
        raise exc.DisconnectionError(f"connection check answered {pq.ExecStatus(status).name}")


def upsert_insert(dialect_name: str):
    """The dialect's INSERT with ``on_conflict_do_*`` (PostgreSQL and SQLite share the API)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


# --- rate-limit counters ----------------------------------------------------------------

PREFIX = "portal-db+"


def storage_uri(database_url: str) -> str:
    """The limits storage URI for the application database: ``portal-db+<database url>``."""
    return PREFIX + database_url


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["portal-db+sqlite", "portal-db+postgresql", "portal-db+postgresql+psycopg"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        # Single-statement transactions: no need to hold SQLite's write lock up front, and the
        # request's own transaction may hold it while these counters are read.
        url = uri.removeprefix(PREFIX)
        self.engine = tune(create_engine(url), immediate=False)
        self._insert = upsert_insert(self.engine.dialect.name)
        self.table = RateLimitCounter.__table__

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = self.table
        stmt = self._insert(table).values(key=key, count=amount, expires_at=now + expiry)
        expired = table.c.expires_at <= now
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((expired, amount), else_=table.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
            },
        ).returning(table.c.count)
        with self.engine.begin() as conn:
            return int(conn.execute(stmt).scalar_one())

    def _row(self, key: str):
        table = self.table
        with self.engine.connect() as conn:
            return conn.execute(
                select(table.c.count, table.c.expires_at).where(table.c.key == key)
            ).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        if row is None or row.expires_at <= time.time():
            return 0
        return int(row.count)

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        if row is None or row.expires_at <= time.time():
            return time.time()
        return float(row.expires_at)

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(self.table)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(self.table).where(self.table.c.key == key))
