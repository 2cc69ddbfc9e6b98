"""Run RQ workers that give every job a fresh application context."""

from __future__ import annotations

import os

from rq import SimpleWorker, Worker

_app = None
_parent_pid = os.getpid()


def get_app():
    """Build the application once per worker process."""
    global _app
    if _app is None:
        from core.app import create_app

        _app = create_app()
    return _app


def set_app(app) -> None:
    """Point in-process workers (tests) at an existing application."""
    global _app
    _app = app


class _AppContextMixin:
    def __init__(self, *args, **kwargs):
        get_app()  # build before any fork
        super().__init__(*args, **kwargs)

    def perform_job(self, job, queue, *args, **kwargs):
        app = get_app()
        with app.app_context():
            if os.getpid() != _parent_pid:
                from core.extensions import db

                db.engine.dispose(close=False)  # forked horse: new sockets
            return super().perform_job(job, queue, *args, **kwargs)


class AppWorker(_AppContextMixin, Worker):
    """Forking worker with an app context per job."""


class AppSimpleWorker(_AppContextMixin, SimpleWorker):
    """In-process worker with an app context per job."""
