"""Background tasks with Huey: SQLite by default (no server), Redis when REDIS_URL is set.

Tasks live beside the service they serve (``services/notifications.py``,
``services/integrity.py``); importing those modules registers them, which the app factory does.
Tasks are idempotent (safe to retry or run twice) and each runs in an application context of
the app that configured the queue. Run a worker with ``flask tasks worker``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from huey import MemoryHuey
from huey.storage import RedisStorage, SqliteStorage

huey = MemoryHuey("portal")  # init_app swaps in the real storage
_app: Flask | None = None


def init_app(app: Flask) -> None:
    global _app
    _app = app
    if app.config.get("REDIS_URL"):
        huey.storage = RedisStorage(app.config["TASK_QUEUE"], url=app.config["REDIS_URL"])
    else:
        path = Path(app.config.get("TASKS_DB") or Path(app.instance_path) / "tasks.db")
        huey.storage = SqliteStorage("portal", filename=str(path))
    app.extensions["huey"] = huey


def app_context():
    if _app is None:
        raise RuntimeError("the task queue was not initialised with an app")
    return _app.app_context()


def consumer(workers: int = 2):
    """A Huey consumer with thread workers (``flask tasks worker``, tests)."""
    return huey.create_consumer(workers=workers, worker_type="thread", periodic=False,
                                initial_delay=0.05, max_delay=1.0)
