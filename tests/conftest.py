"""Shared fixtures: one migrated template database, copied for each test.

SQLite copies the template file; PostgreSQL (``SANEA_TEST_DATABASE_URL``)
uses ``CREATE DATABASE ... TEMPLATE``. Either way a test's setup costs
milliseconds, not a migration.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from core.settings import Settings

SECRET = "test-secret-key-that-is-long-enough-for-jwt-0123456789"
ADMIN_USER, ADMIN_PASSWORD = "admin", "admin-test-pw"
PG_URL = os.environ.get("SANEA_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("SANEA_TEST_REDIS_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
COMPANIES = ("caern", "cagepa", "deso", "daae_araraquara", "caer")
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def pytest_collection_modifyitems(items):
    """Run every Redis test in one xdist worker: they share the queues."""
    for item in items:
        if item.get_closest_marker("redis"):
            item.add_marker(pytest.mark.xdist_group("redis"))


def need(condition: bool, reason: str) -> None:
    """Skip when a tool is missing, or fail when running under CI=true."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required on CI: {reason}")
    pytest.skip(reason)


def need_service(url: str, variable: str) -> None:
    """Skip a PostgreSQL or Redis test on a run that was not given that service.

    ``.ci/run`` runs the suite twice: on SQLite with no services, then with
    ``SANEA_TEST_DATABASE_URL`` and ``SANEA_TEST_REDIS_URL`` set. A service
    that is not configured is a choice of the run, not a missing tool, so the
    test skips even under ``CI=true``; a configured service that does not
    answer fails in the fixtures that connect to it.
    """
    if not url:
        pytest.skip(f"{variable} not set: this run does not use that service")


def shared_dir() -> Path:
    """Return ../shared, skipping (or failing on CI) when it is absent."""
    need(SHARED.is_dir(), "../shared is not present")
    return SHARED


def _settings(url: str, company: str = "caern", **extra) -> Settings:
    return Settings(company=company, database_url=url, secret_key=SECRET, **extra)


@contextmanager
def _admin(url: str):
    """Yield an autocommit connection to the server's postgres database."""
    engine = create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def template_url(tmp_path_factory):
    """Migrate one template database for the whole session."""
    from core.app import create_app
    from core.setup import ensure_admin, initialize

    if PG_URL:
        name = f"sanea_tpl_{os.getpid()}"
        with _admin(PG_URL) as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('tpl') / 'template.db'}"
    from core.extensions import db
    from core.setup import sync_permissions

    app = create_app(settings=_settings(url))
    with app.app_context():
        initialize(app)
        ensure_admin(app, ADMIN_USER, ADMIN_PASSWORD)
        db.session.remove()
    covered = set(app.extensions["sanea.plugin_order"])
    # Apps start without syncing permissions (``sanea init`` does it): sync the
    # views of every company whose plugins the default app does not load.
    for slug in COMPANIES:
        other = create_app(settings=_settings(url, slug))
        with other.app_context():
            if not set(other.extensions["sanea.plugin_order"]) <= covered:
                covered |= set(other.extensions["sanea.plugin_order"])
                sync_permissions(other)
                db.session.commit()
            db.session.remove()
            db.engine.dispose()  # PostgreSQL refuses a template still in use
    with app.app_context():
        db.engine.dispose()
    yield url
    if PG_URL:
        with _admin(PG_URL) as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(template_url, tmp_path):
    """Give the test its own copy of the template database."""
    if not PG_URL:
        target = tmp_path / "test.db"
        shutil.copyfile(make_url(template_url).database, target)
        yield f"sqlite:///{target}"
        return
    name = "sanea_t_" + uuid.uuid4().hex[:12]
    template = make_url(template_url).database
    with _admin(PG_URL) as conn:
        # FILE_COPY: about half the time of the default WAL_LOG for a small
        # database (0.15 s against 0.26 s here, and its drop 0.10 against 0.18).
        conn.execute(text(
            f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with _admin(PG_URL) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on the test's database for a company (caern by default)."""
    from core.app import create_app
    from core.extensions import db

    built = []

    def factory(company: str = "caern", overrides: dict | None = None, **settings):
        settings.setdefault("storage_dir", str(tmp_path / "storage"))
        app = create_app(
            {"TESTING": True, **(overrides or {})},
            settings=_settings(database_url, company, **settings),
        )
        built.append(app)
        return app

    yield factory
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """The default application (CAERN) with an app context pushed."""
    application = make_app()
    with application.app_context():
        yield application


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def login(client, username=ADMIN_USER, password=ADMIN_PASSWORD):
    page = client.get("/login/")
    response = client.post("/login/", data={
        "username": username, "password": password,
        "csrf_token": csrf_token(page.get_data(as_text=True)),
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def admin_client(client):
    """A test client logged in as the administrator."""
    return login(client)
