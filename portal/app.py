"""Voxio DPA portal: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal import cli, config, tasks, web
from portal.database import tune
from portal.documents.pades import speedups
from portal.extensions import csrf, db, login_manager, migrate
from portal.services import (
    alerts,
    encryption,
    integrity,
    monitoring,
    notifications,
    sign_reminders,
    storage,
)

# The task queue runs these modules' tasks; importing them here registers them with it.
TASK_MODULES = (alerts, integrity, monitoring, notifications, sign_reminders)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(overrides: dict | None = None) -> Flask:
    """The portal, configured from the environment (``overrides`` win, e.g. in tests)."""
    settings = config.load()
    if overrides:
        settings.update(overrides)
    config.check_production(settings)
    Path(settings["INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    for key, folder in (("FILES_PATH", "files"), ("PKI_PATH", "pki")):
        settings[key] = settings.get(key) or str(Path(settings["INSTANCE_PATH"]) / folder)

    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=settings["INSTANCE_PATH"],
    )
    app.config.update(settings)
    encryption.install_column_cipher()
    register_extensions(app)
    tasks.init_app(app)
    web.register(app)
    cli.register(app)
    speedups.install()  # the document engine's pyHanko speed-ups (tested equal to the originals)
    # A process killed mid-write leaves only a temporary file (writes are atomic); tidy up.
    storage.remove_stale_temporaries(Path(app.config["FILES_PATH"]))
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        tune(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    login_manager.init_app(app)
