"""Hook implementations of the customer identification and access plugin."""

from core.hookspecs import hookimpl
from plugins.customer_access import MANIFEST

LOGGERS = tuple(f"plugins.customer_access.{name}" for name in (
    "codes", "emails", "factors", "identify", "mail", "account"))


@hookimpl
def sanea_manifest():
    return MANIFEST


@hookimpl
def sanea_models():
    from plugins.customer_access import models  # noqa: F401


@hookimpl
def sanea_parameters():
    from plugins.customer_access.params import SPECS

    return SPECS


@hookimpl
def sanea_api_routes(api):
    from core.toolkits.api import install_log_masking
    from plugins.customer_access.api import register

    register(api)
    install_log_masking(*LOGGERS)


@hookimpl
def sanea_views(appbuilder):
    from flask import current_app

    from plugins.customer_access.mail import register_templates
    from plugins.customer_access.views import register

    register(appbuilder)
    register_templates(current_app)
