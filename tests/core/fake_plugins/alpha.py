"""A fake plugin the startup-order tests enable."""

from core.hookspecs import hookimpl
from core.manifest import Manifest

CALLS = []


@hookimpl
def sanea_manifest():
    return Manifest(name="alpha", title="Alfa", version="1.0.0", use_cases=("UC2001",))


@hookimpl
def sanea_models():
    CALLS.append("alpha")
