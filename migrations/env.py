"""Run Alembic for the core and for each plugin's branch.

Tables carry their owner in ``Table.info["sanea_owner"]`` (default core);
``flask db -x owner=<plugin> migrate`` only sees that owner's tables, so a
core autogenerate never touches a plugin's tables and the reverse.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import text

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
OWNER = context.get_x_argument(as_dictionary=True).get("owner", "core")


def include_object(obj, name, type_, reflected, compare_to):
    if type_ != "table":
        return True
    if reflected and compare_to is None:
        return False  # a table of no metadata (an uninstalled plugin): never drop
    return obj.info.get("sanea_owner", "core") == OWNER


def skip_empty(ctx, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False):
        if directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")


def run_online():
    engine = target_db.engine
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations recreate tables; keep FKs off while they run.
            connection.execute(text("PRAGMA foreign_keys=OFF"))
            connection.commit()  # autobegin would swallow the upgrade (pitfall 17)
        args = dict(current_app.extensions["migrate"].configure_args)
        args.setdefault("process_revision_directives", skip_empty)
        args.pop("render_as_batch", None)
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            include_object=include_object,
            render_as_batch=sqlite,
            **args,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            connection.execute(text("PRAGMA foreign_keys=ON"))
            connection.commit()


run_online()
