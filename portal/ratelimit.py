"""A Flask-Limiter (``limits``) storage in the application database.

Without Redis, rate-limit counters must still be shared by every worker process: per-process
memory would multiply each limit by the number of workers. This storage keeps fixed-window
counters in the ``rate_limit_counters`` table, updated with one atomic upsert per hit.
"""

from __future__ import annotations

import time

from flask import current_app, request
from flask_limiter import ApplicationLimit
from limits.storage import Storage
from sqlalchemy import case, create_engine, delete, select
from sqlalchemy.exc import SQLAlchemyError

from portal.database import tune, upsert_insert

# Every POST to these endpoints counts against one shared per-IP limit. As an application
# limit it is checked before any view code, so before the request opens a transaction (on
# SQLite the counter needs the write lock that the request's transaction would hold).
AUTH_ENDPOINTS = frozenset({
    "auth.login", "auth.second_factor", "auth.forgot_password", "auth.reset_password",
    "auth.accept_invitation", "auth.confirm",
})


def _auth_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _not_an_auth_post() -> bool:
    return request.endpoint not in AUTH_ENDPOINTS


AUTH_LIMIT = ApplicationLimit(
    limit_provider=_auth_limit, scope="auth", methods=["POST"], exempt_when=_not_an_auth_post
)

# Uploads to the public verify page cost a validation each: limited the same way.
VERIFY_LIMIT = ApplicationLimit(
    limit_provider=lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="verify",
    methods=["POST"], exempt_when=lambda: request.endpoint != "verify.check")


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
        from portal.models.accounts import RateLimitCounter

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
