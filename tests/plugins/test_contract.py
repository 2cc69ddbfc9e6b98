"""The contract every plugin passes (DESIGN.md §2, STYLE.md habit 3).

Each check runs once per available plugin, in an application whose
throwaway company profile enables that plugin alone (its dependencies
come in by themselves), compared with the same application without it.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import re
import sys
import types
from pathlib import Path

import flask_migrate
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from flask_appbuilder import ModelView
from sqlalchemy import inspect

from core.app import create_app
from core.extensions import db, migrate
from core.hookspecs import hookimpl
from core.manifest import Manifest
from core.plugins import available_plugins
from core.settings import PROJECT_DIR, Settings
from core.setup import sync_permissions
from tests.conftest import SECRET, login

PLUGINS = sorted(available_plugins())
COMPANY = "contractco"
FAB_TITLE_PREFIXES = ("List ", "Show ", "Add ", "Edit ")
ENGLISH_TITLE = re.compile(r"^(List|Show|Add|Edit|Detail)\b")


def _package(name: str) -> str:
    return available_plugins()[name].rsplit(".", 1)[0]


def _manifest(name: str) -> Manifest:
    return importlib.import_module(_package(name)).MANIFEST


@pytest.fixture
def company(monkeypatch):
    """Install companies.contractco enabling the given plugins only."""
    from companies.caern import PROFILE

    def install(*plugins: str) -> str:
        module = types.ModuleType(f"companies.{COMPANY}")
        module.PROFILE = dataclasses.replace(
            PROFILE, slug=COMPANY, short_name="CONTRATO", plugins=plugins
        )
        module.sanea_company_profile = hookimpl(lambda: module.PROFILE)
        monkeypatch.setitem(sys.modules, f"companies.{COMPANY}", module)
        return COMPANY

    return install


@pytest.fixture
def apps(company, make_app):
    """Return (app without the plugin, app with it) for a plugin name.

    The plugin's permissions are created as ``flask sanea init`` does when a
    deployment enables a plugin (the template database only has those of
    the plugins CAERN enables).
    """

    def build(name: str):
        baseline = make_app(company())
        app = make_app(company(name))
        with app.app_context():
            sync_permissions(app)
        return baseline, app

    return build


def _plugin_views(baseline, app) -> list:
    known = {view.endpoint for view in baseline.appbuilder.baseviews}
    return [v for v in app.appbuilder.baseviews if v.endpoint not in known]


def _menu_items(app) -> list:
    items = []
    for item in app.appbuilder.menu.get_list():
        items.extend(item.childs or [item])
    return [item for item in items if item.name != "-"]


def _plugin_menu_items(baseline, app) -> list:
    known = {(item.name, item.href) for item in _menu_items(baseline)}
    return [i for i in _menu_items(app) if (i.name, i.href) not in known]


def _plugin_tables(name: str) -> list:
    return [table for table in db.metadata.sorted_tables
            if table.info.get("sanea_owner") == name]


@pytest.mark.parametrize("name", PLUGINS)
def test_manifest_is_valid_and_matches_entry_point(name):
    manifest = _manifest(name)
    plugin_module = importlib.import_module(available_plugins()[name])
    with open(PROJECT_DIR / "docs" / "use-cases.csv", encoding="utf-8") as handle:
        use_cases = {row["id"] for row in csv.DictReader(handle)}
    assert isinstance(manifest, Manifest)
    assert manifest.name == name
    assert plugin_module.sanea_manifest() is manifest
    assert manifest.title.strip() and not ENGLISH_TITLE.match(manifest.title)
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest.version)
    assert set(manifest.use_cases) <= use_cases
    assert set(manifest.depends) <= set(PLUGINS) - {name}
    assert manifest.table_prefix.endswith("_")


def test_no_use_case_is_declared_by_two_plugins():
    owners: dict[str, str] = {}
    for name in PLUGINS:
        for uc in _manifest(name).use_cases:
            assert uc not in owners, f"{uc}: {owners[uc]} e {name}"
            owners[uc] = name


@pytest.mark.parametrize("name", PLUGINS)
def test_tables_carry_prefix_and_owner(name, apps):
    apps(name)
    package = _package(name)
    prefix = _manifest(name).table_prefix
    mapped = [m.local_table for m in db.Model.registry.mappers
              if m.class_.__module__.startswith(package + ".")]
    for table in {*mapped, *_plugin_tables(name)}:
        assert table.name.startswith(prefix), table.name
        assert table.info.get("sanea_owner") == name, table.name


@pytest.mark.parametrize("name", PLUGINS)
def test_views_answer_for_admin(name, apps):
    baseline, app = apps(name)
    client = login(app.test_client())
    with app.test_request_context():
        from flask import url_for

        urls = [url_for(f"{view.endpoint}.{view.default_view}")
                for view in _plugin_views(baseline, app)]
    for url in urls:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("name", PLUGINS)
def test_api_routes_are_declared_and_unavailable_where_disabled(name, apps):
    from core.manifest import path_covers

    baseline, app = apps(name)
    known = {(r.method, r.path) for r in baseline.extensions["sanea.api"].routes}
    added = [r for r in app.extensions["sanea.api"].routes
             if (r.method, r.path) not in known]
    came_in = set(app.extensions["sanea.plugin_order"]) - set(
        baseline.extensions["sanea.plugin_order"])
    declared = [prefix for plugin in came_in for prefix in _manifest(plugin).api_paths]
    undeclared = [r.path for r in added
                  if not any(path_covers(prefix, r.path) for prefix in declared)]
    assert undeclared == []
    client = baseline.test_client()
    for route in added:
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        response = client.open(f"/api/v1{path}", method=route.method)
        assert response.status_code == 404, path
        assert response.get_json()["code"] == "RECURSO_NAO_DISPONIVEL", path


@pytest.mark.parametrize("name", PLUGINS)
def test_menu_items_point_to_real_endpoints(name, apps):
    baseline, app = apps(name)
    client = login(app.test_client())
    items = _plugin_menu_items(baseline, app)
    with app.test_request_context():
        for item in items:
            if item.href:
                assert item.href in app.view_functions, item.name
        urls = [item.get_url() for item in items]
    for item, url in zip(items, urls, strict=True):
        assert client.get(url).status_code == 200, (item.name, url)


def _is_fab_default(view, column: str) -> bool:
    return view.label_columns.get(column) == view._prettify_column(column)


@pytest.mark.parametrize("name", PLUGINS)
def test_labels_are_portuguese(name, apps):
    baseline, app = apps(name)
    for item in _plugin_menu_items(baseline, app):
        assert not ENGLISH_TITLE.match(str(item.label or item.name)), item.name
    for view in _plugin_views(baseline, app):
        if not isinstance(view, ModelView):
            continue
        for title in (view.list_title, view.show_title, view.add_title,
                      view.edit_title):
            assert not str(title).startswith(FAB_TITLE_PREFIXES), title
        shown = {*view.list_columns, *view.show_columns, *view.add_columns,
                 *view.edit_columns, *view.search_columns}
        defaults = sorted(c for c in shown if _is_fab_default(view, c))
        assert defaults == [], f"{view.endpoint}: sem rótulo em português"


def _branch_base(name: str):
    script = ScriptDirectory.from_config(migrate.get_config())
    for revision in script.walk_revisions():
        if name in (revision.branch_labels or ()):
            return revision
    return None


@pytest.fixture
def empty_app(company, tmp_path):
    """Build an app for a plugin on a brand-new, empty SQLite database."""
    built = []

    def build(name: str):
        settings = Settings(
            company=company(name), secret_key=SECRET,
            database_url=f"sqlite:///{tmp_path / 'empty.db'}",
            storage_dir=str(tmp_path / "storage"),
        )
        built.append(create_app({"TESTING": True}, settings=settings))
        return built[-1]

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("name", PLUGINS)
def test_migrations_apply_to_empty_database(name, empty_app):
    app = empty_app(name)
    with app.app_context():
        tables = {table.name for table in _plugin_tables(name)}
        base = _branch_base(name)
        if not tables and base is None:
            pytest.skip(f"{name} não tem tabelas")
        assert base is not None, f"{name} tem tabelas mas não tem migrações"
        assert Path(base.path).parent.name == "migrations"
        assert base.down_revision is None
        flask_migrate.upgrade(revision=f"{name}@head")
        assert tables <= set(inspect(db.engine).get_table_names())
        flask_migrate.downgrade(revision=f"{name}@base")
        assert not tables & set(inspect(db.engine).get_table_names())


@pytest.mark.parametrize("name", PLUGINS)
def test_migrations_match_models(name, company, make_app):
    app = make_app(company(name))
    with app.app_context():
        config = migrate.get_config(x_arg=f"owner={name}")
        command.check(config)  # raises AutogenerateDiffsDetected on drift
