"""Connect the job toolkit to Redis when one is configured."""

from __future__ import annotations

import logging

from flask import Flask

from core.settings import Settings

log = logging.getLogger(__name__)


def init_queue(app: Flask, settings: Settings) -> None:
    """Create the RQ queue when SANEA_REDIS_URL is set; jobs run inline otherwise."""
    app.extensions["sanea.queue"] = None
    if not settings.redis_url:
        return
    from redis import Redis
    from rq import Queue

    from core.toolkits.jobs import QUEUE_NAME

    connection = Redis.from_url(settings.redis_url)
    app.extensions["sanea.redis"] = connection
    app.extensions["sanea.queue"] = Queue(QUEUE_NAME, connection=connection)
    _mount_dashboard(app, settings)


def _mount_dashboard(app: Flask, settings: Settings) -> None:
    """Mount rq-dashboard under /admin/rq behind the admin login (pitfall 30)."""
    import rq_dashboard
    from flask import abort, request
    from flask_login import current_user

    from core.extensions import csrf

    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", [settings.redis_url])
    rq_dashboard.web.setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix="/admin/rq")
    csrf.exempt(rq_dashboard.blueprint)

    @app.before_request
    def _guard_dashboard():
        if request.blueprint != "rq_dashboard":
            return None
        if not current_user.is_authenticated:
            abort(401)
        if not any(role.name == app.config["AUTH_ROLE_ADMIN"]
                   for role in current_user.roles):
            abort(403)
        return None
