"""The ``flask sanea`` commands."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("sanea")
def sanea_group():
    """Comandos do Sanea."""


@sanea_group.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the schema, then load reference data and roles."""
    from core.setup import initialize

    for line in initialize(current_app):
        click.echo(line)


@sanea_group.command("plugins")
@with_appcontext
def plugins_command():
    """List the loaded plugins, their versions, use cases and hooks."""
    from core.introspect import describe_plugins

    for line in describe_plugins(current_app):
        click.echo(line)


@sanea_group.command("create-admin")
@click.option("--username", default="admin")
@click.option("--password", default=None, help="Gerada quando omitida.")
@with_appcontext
def create_admin_command(username, password):
    """Create the administrator (idempotent); print its password when new."""
    from core.setup import ensure_admin

    created, password = ensure_admin(current_app, username, password)
    if created:
        click.echo(f"Administrador: {username}  senha: {password}")
    else:
        click.echo(f"Administrador {username} já existe.")


@sanea_group.command("catalogue")
@click.option("--json", "as_json", is_flag=True, help="Saída JSON.")
@click.option("--verify", is_flag=True, help="Roda os testes marcados.")
@with_appcontext
def catalogue_command(as_json, verify):
    """List each use case with its plugin, companies and marked tests."""
    from core.catalogue import build_catalogue, render_text

    entries = build_catalogue(verify=verify)
    if as_json:
        json.dump(entries, sys.stdout, ensure_ascii=False, indent=2)
        click.echo()
    else:
        click.echo(render_text(entries))
