"""Voxio DPA portal: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal import config as config_module


def create_app(config: dict | None = None) -> Flask:
    settings = config_module.load()
    if config:
        settings.update(config)
    config_module.check_production(settings)
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

    from portal import errors, security
    from portal.cli import register_commands

    register_extensions(app)
    from portal import tasks

    tasks.init_app(app)
    tasks.register()
    register_blueprints(app)
    errors.register(app)
    security.register(app)
    register_commands(app)
    from portal.services.storage import remove_stale_temporaries

    # A process killed mid-write leaves only a temporary file (writes are atomic); tidy up.
    remove_stale_temporaries(Path(app.config["FILES_PATH"]))
    return app


def register_extensions(app: Flask) -> None:
    from portal import i18n, web
    from portal.database import tune
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
    from portal.ratelimit import storage_uri

    # Shared by every worker process: Redis when configured, else the application database.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or storage_uri(
        app.config["SQLALCHEMY_DATABASE_URI"]))
    db.init_app(app)
    with app.app_context():
        tune(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = i18n.LOGIN_MESSAGE
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # server-side session rows do this job
    app.before_request(web.apply_scope)
    app.before_request(web.require_staff_totp)
    app.jinja_env.globals.update(i18n.template_globals())
    app.jinja_env.filters.update(i18n.template_filters())
    i18n.install_template_gettext(app.jinja_env)


def register_blueprints(app: Flask) -> None:
    from portal.account import bp as account_bp
    from portal.agreement import bp as agreement_bp
    from portal.auth import bp as auth_bp
    from portal.main import bp as main_bp
    from portal.organization import bp as organization_bp
    from portal.pki import bp as pki_bp
    from portal.staff import bp as staff_bp
    from portal.subprocessors import bp as subprocessors_bp
    from portal.verify import bp as verify_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(organization_bp, url_prefix="/organization")
    app.register_blueprint(agreement_bp, url_prefix="/agreement")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(verify_bp)
    app.register_blueprint(pki_bp, url_prefix="/pki")
    app.register_blueprint(subprocessors_bp)
