"""Declare the whole plugin contract: every hook Sanea calls.

Three families (DESIGN.md §2): declaration, contribution and rules. Rule
hooks are ``firstresult``; the core's defaults live in ``core.builtins``
marked ``trylast``, so a company profile, registered last, overrides them.
"""

from __future__ import annotations

import pluggy

PROJECT = "sanea"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- declaration -----------------------------------------------------------


@hookspec
def sanea_manifest():
    """Return the plugin's Manifest (name, title, version, depends, use cases)."""


# --- contribution ----------------------------------------------------------


@hookspec
def sanea_models():
    """Import the plugin's model modules so their tables join the metadata."""


@hookspec
def sanea_migration_dirs():
    """Return the folders holding the plugin's Alembic revisions."""


@hookspec
def sanea_parameters():
    """Return the ParameterSpec list of the plugin's typed parameters."""


@hookspec
def sanea_views(appbuilder):
    """Add the plugin's admin views and menu entries to the AppBuilder."""


@hookspec
def sanea_api_routes(api):
    """Register the plugin's partner web-service routes on the ApiRegistry."""


@hookspec
def sanea_jobs():
    """Return the plugin's JobDefinition list."""


@hookspec
def sanea_reports():
    """Return the plugin's ReportDefinition list."""


@hookspec
def sanea_reference_data():
    """Return the CSV reference files the plugin seeds, in load order."""


@hookspec
def sanea_demo_data(session, rng):
    """Add the plugin's demo rows to the session (called by ``sanea demo``)."""


@hookspec
def sanea_cli(group):
    """Add the plugin's commands to the ``flask sanea`` click group."""


@hookspec
def sanea_references_to_regulator(regulator_id):
    """Return (label, count) of rows that reference a regulatory agency."""


@hookspec
def sanea_route_readings(ctx, route_id, reference_month):
    """Bring readings a plugin holds into the core for one route and month.

    Called by the billing jobs at the start of each route's chunk, in its
    transaction, before the month's consumption is decided; ``ctx`` is the
    run's JobContext (counts and listed problems appear on the billing run).
    """


@hookspec
def sanea_work_order_updates():
    """Return ``{key: CommercialUpdate}`` run when a work order is executed."""


@hookspec
def sanea_work_order_closed(work_order):
    """React to a work order just closed, executed or not (same transaction)."""


# --- company profile -------------------------------------------------------


@hookspec(firstresult=True)
def sanea_company_profile():
    """Return the CompanyProfile of the deployment (the company plugin)."""


# --- rules -----------------------------------------------------------------


@hookspec(firstresult=True)
def sanea_main_category(economies):
    """Pick the main category code from ``{category_code: (order, economies)}``."""


@hookspec(firstresult=True)
def sanea_business_calendar(profile):
    """Return the BusinessCalendar of the company."""
