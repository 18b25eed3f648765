"""Rate-limit counters are shared by every worker: in the database, or in Redis when set."""

from __future__ import annotations

import uuid

from freezegun import freeze_time

from portal.database import DatabaseStorage, storage_uri
from portal.web.limits import limiter
from tests.helpers import AuthActions, make_app


def test_database_storage_counts_per_window(database_url):
    storage = DatabaseStorage(storage_uri(database_url))
    with freeze_time("2026-01-01 12:00:00"):
        assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
        assert storage.get("k") == 3
    with freeze_time("2026-01-01 12:01:01"):  # window over: starts again
        assert storage.get("k") == 0
        assert storage.incr("k", 60) == 1
    storage.clear("k")
    assert storage.get("k") == 0
    assert storage.check()


def test_two_app_instances_share_one_database_counter(database_url, tmp_path):
    """Two instances stand for two gunicorn workers; the limit holds across both."""
    apps = [make_app(database_url, tmp_path, LOGIN_RATE_LIMIT="2 per minute") for _ in range(2)]
    clients = [AuthActions(a.test_client(), a) for a in apps]
    codes = [clients[i % 2].login(f"x{i}@example.com", "y" * 16).status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_redis_storage_when_redis_url_is_set(database_url, tmp_path, redis_url):
    url = redis_url
    prefix = uuid.uuid4().hex  # keeps parallel runs apart
    apps = [make_app(database_url, tmp_path, REDIS_URL=url,
                     RATELIMIT_KEY_PREFIX=prefix, LOGIN_RATE_LIMIT="2 per minute")
            for _ in range(2)]
    assert type(limiter.storage).__name__ == "RedisStorage"
    clients = [AuthActions(a.test_client(), a) for a in apps]
    codes = [clients[i % 2].login(f"r{i}@example.com", "y" * 16).status_code for i in range(3)]
    assert codes == [200, 200, 429]
