"""Build a Sanea application: settings, plugins, database, admin and API.

Everything is created per call (the AppBuilder, the plugin manager, the
job registry), so tests and RQ workers can build isolated applications.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import Flask
from flask_appbuilder import AppBuilder
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine

import core.migrations_config  # noqa: F401  (registers the Alembic callback)
from core.clock import Clock
from core.extensions import csrf, db, migrate
from core.plugins import build_plugin_manager, call_in_order
from core.settings import INSTANCE_DIR, PROJECT_DIR, Settings

log = logging.getLogger(__name__)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record):
    """Enforce foreign keys on SQLite (off by default; STACK.md pitfall 18)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _config(settings: Settings, profile) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": settings.resolved_database_url(),
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "SECRET_KEY": settings.resolved_secret_key(),
        "APP_NAME": f"Sanea — {profile.short_name}",
        "AUTH_TYPE": 1,  # AUTH_DB
        "AUTH_ROLE_ADMIN": "Admin",
        "AUTH_ROLE_PUBLIC": "Public",
        "BABEL_DEFAULT_LOCALE": "pt_BR",
        "BABEL_DEFAULT_TIMEZONE": profile.timezone,
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_DIR / "core" / "translations"),
        "LANGUAGES": {"pt_BR": {"flag": "br", "name": "Português"}},
        "FAB_API_SWAGGER_UI": False,
        "FAB_ADD_SECURITY_API": False,
        # Permissions are synced by `flask sanea init`, not at every start:
        # the sync costs seconds per app (workers, tests) and changes nothing
        # between deployments.
        "FAB_UPDATE_PERMS": False,
        "WTF_CSRF_ENABLED": True,
        # Uploads (CNAB return files, GSAN tables) stop here; the partner API
        # refuses above 12 MB before reading the body (core.toolkits.api).
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        "SANEA_SETTINGS": settings,
    }


def create_app(
    overrides: dict | None = None,
    settings: Settings | None = None,
    extra_plugins: dict[str, str] | None = None,
) -> Flask:
    """Create the application for the company the settings name."""
    settings = settings or Settings.from_env()
    app = Flask(
        "sanea",
        root_path=str(PROJECT_DIR / "core"),
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "core" / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    pm, profile, order, manifests = build_plugin_manager(
        settings.company, extra_plugins
    )
    app.config.update(_config(settings, profile))
    app.config.update(overrides or {})
    app.extensions["sanea.pm"] = pm
    app.extensions["sanea.profile"] = profile
    app.extensions["sanea.plugin_order"] = order
    app.extensions["sanea.manifests"] = manifests
    fixed = date.fromisoformat(settings.fixed_today) if settings.fixed_today else None
    app.extensions["sanea.clock"] = Clock(profile.timezone, fixed)

    csrf.init_app(app)  # before FAB, so FAB's APIs get exempted (pitfall 6)
    call_in_order(pm, "sanea_models")
    with app.app_context():
        _init_database(app)
        _init_admin(app, pm)
    _init_services(app, pm, settings)
    return app


def _init_database(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"))
    if not inspect(db.engine).has_table("ab_permission_view"):
        # Bootstrap mode: leave the schema to Alembic (STACK.md pitfall 4).
        app.config.update(FAB_CREATE_DB=False, FAB_UPDATE_PERMS=False)
        app.extensions["sanea.bootstrap"] = True


def _init_admin(app: Flask, pm) -> None:
    from core.admin import register_core_views
    from core.admin.errors import install_error_pages
    from core.admin.security import SaneaSecurityManager

    appbuilder = AppBuilder(
        base_template="sanea/base.html", indexview=_index_view(),
        security_manager_class=SaneaSecurityManager,
    )
    appbuilder.init_app(app, db.session)
    app.appbuilder = appbuilder
    install_error_pages(app)
    register_core_views(appbuilder)
    call_in_order(pm, "sanea_views", appbuilder=appbuilder)


def _index_view():
    from core.admin.home import HomeView

    return HomeView


def _init_services(app: Flask, pm, settings: Settings) -> None:
    from core.cli import sanea_group
    from core.toolkits.api import init_api
    from core.toolkits.jobs import collect_jobs
    from core.toolkits.queue import init_queue
    from core.toolkits.reports import collect_reports

    app.extensions["sanea.jobs"] = collect_jobs(pm)
    app.extensions["sanea.reports"] = collect_reports(pm)
    init_queue(app, settings)
    init_api(app, pm)
    app.cli.add_command(sanea_group)
