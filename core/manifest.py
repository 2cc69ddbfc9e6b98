"""Describe a plugin: what it is, what it needs and which use cases it serves."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_UC = re.compile(r"^UC2\d{3}$")


@dataclass(frozen=True)
class Manifest:
    """The declaration every plugin returns from ``sanea_manifest``."""

    name: str
    title: str
    version: str
    use_cases: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()
    optional: bool = False
    description: str = ""
    table_prefix: str = field(default="")
    # Partner API paths (under /api/v1) the plugin serves, as prefixes of
    # whole segments ("/imoveis/{matricula}/autoleitura" covers ".../janela"
    # and ".../leituras:verificar"). Where the plugin is not enabled, a call
    # to one answers 404 RECURSO_NAO_DISPONIVEL instead of "not found".
    api_paths: tuple[str, ...] = ()

    def __post_init__(self):
        if not _NAME.match(self.name):
            raise ValueError(f"invalid plugin name {self.name!r}")
        bad = [uc for uc in self.use_cases if not _UC.match(uc)]
        if bad:
            raise ValueError(f"plugin {self.name}: invalid use-case ids {bad}")
        bad_paths = [path for path in self.api_paths if not path.startswith("/")]
        if bad_paths:
            raise ValueError(f"plugin {self.name}: API paths must start with /: {bad_paths}")
        if not self.table_prefix:
            object.__setattr__(self, "table_prefix", self.name + "_")


def _segments(path: str) -> list[str]:
    return [part for part in re.split(r"[/:]", path) if part]


def path_covers(prefix: str, path: str) -> bool:
    """Tell whether the API *path* lies under *prefix* ({x} matches one segment)."""
    wanted, given = _segments(prefix), _segments(path)
    if len(given) < len(wanted):
        return False
    return all(w == g or (w.startswith("{") and w.endswith("}"))
               for w, g in zip(wanted, given, strict=False))
