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

    def __post_init__(self):
        if not _NAME.match(self.name):
            raise ValueError(f"invalid plugin name {self.name!r}")
        bad = [uc for uc in self.use_cases if not _UC.match(uc)]
        if bad:
            raise ValueError(f"plugin {self.name}: invalid use-case ids {bad}")
        if not self.table_prefix:
            object.__setattr__(self, "table_prefix", self.name + "_")
