"""Report definitions: one definition renders HTML, PDF, XLSX and CSV."""

from __future__ import annotations


def collect_reports(pm) -> dict:
    """Gather every plugin's ReportDefinition by name, refusing duplicates."""
    reports: dict = {}
    for batch in pm.hook.sanea_reports():
        for report in batch:
            if report.name in reports:
                raise ValueError(f"duplicate report name {report.name}")
            reports[report.name] = report
    return reports
