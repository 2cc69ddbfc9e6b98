"""Point Alembic at the core's revisions and at every plugin's branch."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from core.extensions import migrate
from core.plugins import available_plugins
from core.settings import PROJECT_DIR


def version_locations() -> list[str]:
    """Return the core folder and each installed plugin's migrations folder.

    Installed but disabled plugins stay listed, so a database that once ran
    their revisions still resolves (STACK.md pitfall 19).
    """
    dirs = [str(PROJECT_DIR / "migrations" / "versions")]
    for path in sorted(available_plugins().values()):
        spec = importlib.util.find_spec(path.rsplit(".", 1)[0])
        if spec and spec.submodule_search_locations:
            folder = Path(list(spec.submodule_search_locations)[0]) / "migrations"
            if folder.is_dir():
                dirs.append(str(folder))
    return dirs


@migrate.configure
def _configure(config):
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(version_locations()))
    return config
