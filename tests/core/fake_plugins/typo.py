"""A fake plugin with a misspelt hook implementation."""

from core.hookspecs import hookimpl
from core.manifest import Manifest


@hookimpl
def sanea_manifest():
    return Manifest(name="typo", title="Erro de digitação", version="0.1")


@hookimpl
def sanea_modles():
    """Misspelt on purpose: check_pending() must refuse it."""
