"""The core's report definitions, contributed through ``sanea_reports``."""

from __future__ import annotations


def core_reports() -> list:
    """Return the ReportDefinition list the core ships."""
    from core.reports.cadastre import PROPERTIES_BY_SITUATION

    return [PROPERTIES_BY_SITUATION]
