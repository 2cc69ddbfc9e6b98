"""Hook implementations of the self-reading plugin."""

from flask import Blueprint

from core.hookspecs import hookimpl
from plugins.self_reading import MANIFEST

TEMPLATES = Blueprint("self_reading_email", __name__, template_folder="templates")
LOGGERS = tuple(f"plugins.self_reading.{name}" for name in ("api", "commands", "jobs"))


@hookimpl
def sanea_manifest():
    return MANIFEST


@hookimpl
def sanea_models():
    from plugins.self_reading import models  # noqa: F401


@hookimpl
def sanea_parameters():
    from plugins.self_reading.params import SPECS

    return SPECS


@hookimpl
def sanea_api_routes(api):
    from core.toolkits.api import install_log_masking
    from plugins.self_reading.api import register

    register(api)
    install_log_masking(*LOGGERS)


@hookimpl
def sanea_jobs():
    from plugins.self_reading.jobs import job_definitions

    return job_definitions()


@hookimpl
def sanea_views(appbuilder):
    from flask import current_app

    from plugins.customer_access.mail import register_templates
    from plugins.self_reading.views import register

    register(appbuilder)
    register_templates(current_app, TEMPLATES)


@hookimpl
def sanea_route_readings(ctx, route_id, reference_month):
    from plugins.self_reading.jobs import apply_route

    apply_route(ctx, route_id, reference_month)
