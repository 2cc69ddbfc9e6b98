"""Hook implementations of the regulatory-agency plugin."""

from core.hookspecs import hookimpl
from plugins.regulatory_agency import MANIFEST


@hookimpl
def sanea_manifest():
    return MANIFEST
