"""The admin's security manager: FAB's, less what an offline admin cannot use."""

from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager


class SaneaSecurityManager(SecurityManager):
    # FAB's "User's Statistics" chart loads Google's chart library from the
    # internet; a utility's admin must work without talking to other hosts.
    userstatschartview = None
