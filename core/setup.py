"""Prepare a database: schema, roles and permissions, reference data, parameters."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import select

from core.domain.parameters import Parameter, ParameterSpec, format_value
from core.extensions import db
from core.plugins import call_in_order
from core.reference_data import load_all

log = logging.getLogger(__name__)


def upgrade_schema() -> None:
    """Bring the schema to every branch's head (``upgrade heads``)."""
    flask_migrate.upgrade(revision="heads")


def sync_permissions(app: Flask) -> None:
    """Create FAB's roles and one permission per view and method."""
    appbuilder = app.appbuilder
    # The schema exists now (Alembic made it): leave bootstrap mode.
    app.config.update(FAB_CREATE_DB=True, FAB_UPDATE_PERMS=True)
    appbuilder.sm.create_db()
    appbuilder.add_permissions(update_perms=True)


def parameter_specs(app: Flask) -> list[ParameterSpec]:
    """Return every parameter the loaded plugins declare."""
    specs = []
    for batch in call_in_order(app.extensions["sanea.pm"], "sanea_parameters"):
        specs.extend(batch)
    return specs


def seed_parameters(app: Flask) -> int:
    """Insert the missing parameters with the profile's value or the default."""
    profile = app.extensions["sanea.profile"]
    existing = {
        (p.plugin, p.key) for p in db.session.scalars(select(Parameter))
    }
    added = 0
    for spec in parameter_specs(app):
        if (spec.plugin, spec.key) in existing:
            continue
        value = profile.parameters.get(f"{spec.plugin}.{spec.key}", spec.default)
        db.session.add(Parameter(
            plugin=spec.plugin, key=spec.key, value_type=spec.type,
            value=format_value(value), label=spec.label, help=spec.help,
            choices=",".join(spec.choices),
        ))
        added += 1
    db.session.flush()
    return added


def reference_files(app: Flask) -> list[Path]:
    """Return the plugins' reference CSV files, in startup order."""
    files = []
    for batch in call_in_order(app.extensions["sanea.pm"], "sanea_reference_data"):
        files.extend(Path(p) for p in batch)
    return files


def initialize(app: Flask) -> list[str]:
    """Create or upgrade the schema and load what every deployment needs."""
    upgrade_schema()
    sync_permissions(app)
    counts = load_all(db.session, reference_files(app))
    added = seed_parameters(app)
    db.session.commit()
    lines = ["Esquema atualizado (upgrade heads)."]
    lines += [f"Referência {table}: {n} linha(s) nova(s)" for table, n in counts.items()]
    lines.append(f"Parâmetros: {added} novo(s)")
    return lines


def ensure_admin(app: Flask, username: str = "admin", password: str | None = None):
    """Create the administrator unless it exists; return (created, password)."""
    sm = app.appbuilder.sm
    if sm.find_user(username=username):
        return False, None
    password = password or secrets.token_urlsafe(12)
    role = sm.find_role(app.config["AUTH_ROLE_ADMIN"])
    sm.add_user(username, "Administrador", "Sanea", f"{username}@sanea.local", role,
                password)
    return True, password
