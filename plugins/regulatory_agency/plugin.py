"""Hook implementations of the regulatory-agency plugin."""

from core.hookspecs import hookimpl
from plugins.regulatory_agency import MANIFEST


@hookimpl
def sanea_manifest():
    return MANIFEST


@hookimpl
def sanea_models():
    from plugins.regulatory_agency import models  # noqa: F401


@hookimpl
def sanea_views(appbuilder):
    from plugins.regulatory_agency.views import register

    register(appbuilder)
