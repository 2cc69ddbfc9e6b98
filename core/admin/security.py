"""The admin's security manager: FAB's, less what an offline admin cannot use."""

from __future__ import annotations

import logging

from flask_appbuilder.security.sqla.manager import SecurityManager


class SaneaSecurityManager(SecurityManager):
    # FAB's "User's Statistics" chart loads Google's chart library from the
    # internet; a utility's admin must work without talking to other hosts.
    userstatschartview = None


class _NoFabUserHint(logging.Filter):
    """Drop FAB's "use flask fab command" hint: `make run` creates the admin."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("No user yet created")


logging.getLogger("flask_appbuilder.security.manager").addFilter(_NoFabUserHint())
