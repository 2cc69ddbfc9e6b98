"""A fake plugin that depends on alpha."""

from core.hookspecs import hookimpl
from core.manifest import Manifest
from tests.core.fake_plugins.alpha import CALLS


@hookimpl
def sanea_manifest():
    return Manifest(name="beta", title="Beta", version="2.0.0", depends=("alpha",))


@hookimpl
def sanea_models():
    CALLS.append("beta")
