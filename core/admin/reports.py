"""Admin screens of the reports: parameters form, preview and downloads.

Each report gets its own view class, so each has its own FAB permission
(``can_run`` on ``Report<Name>View``) and its own entry in the
"Relatórios" menu.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from markupsafe import Markup
from sqlalchemy import select

from core.clock import get_clock
from core.extensions import db
from core.toolkits.jobs import JobRun, start_job
from core.toolkits.reports import (
    MIMETYPES,
    PREVIEW_ROWS,
    ReportParamsError,
    collect_reports,
    get_report,
    parse_params,
    prepare,
    render,
    stored_file,
    to_html,
)

CATEGORY = "Relatórios"
DOWNLOADS = ("pdf", "xlsx", "csv")
RECENT_RUNS = 10
RUN_STATUS = {"queued": "Na fila", "running": "Em execução", "done": "Concluída",
              "failed": "Falhou"}


class ReportView(BaseView):
    """Show one report's parameters form, its HTML preview and downloads."""

    report_name = ""
    default_view = "show"
    template = "reports/view.html"

    def definition(self):
        return get_report(self.report_name)

    def _page(self, errors=None, preview=None, status=200):
        definition = self.definition()
        html = self.render_template(
            self.template, definition=definition, values=request.values,
            errors=errors or {}, preview=preview, runs=self._recent_runs(),
            formats=DOWNLOADS, run_status=RUN_STATUS, local_time=_local_time,
        )
        return html, status

    def _recent_runs(self) -> list[JobRun]:
        """Return the latest background renders of this report."""
        runs = db.session.scalars(
            select(JobRun).where(JobRun.name == "reports.render")
            .order_by(JobRun.id.desc()).limit(RECENT_RUNS * 5)
        )
        mine = [r for r in runs if r.params_dict().get("report") == self.report_name]
        return mine[:RECENT_RUNS]

    @expose("/")
    @has_access
    @permission_name("run")
    def show(self):
        """Show the form and, once submitted, the preview."""
        if "gerar" not in request.args:
            return self._page()
        try:
            ctx = prepare(self.definition(), request.args)
        except ReportParamsError as exc:
            return self._page(errors=exc.errors, status=400)
        return self._page(preview=Markup(to_html(ctx, limit=PREVIEW_ROWS)))

    @expose("/download/<fmt>")
    @has_access
    @permission_name("run")
    def download(self, fmt: str):
        """Send the report as PDF, XLSX or CSV."""
        if fmt not in DOWNLOADS:
            abort(404)
        try:
            rendered = render(self.definition(), fmt, request.args)
        except ReportParamsError as exc:
            return self._page(errors=exc.errors, status=400)
        disposition = f'attachment; filename="{rendered.filename}"'
        return Response(rendered.body, mimetype=rendered.mimetype,
                        headers={"Content-Disposition": disposition})

    @expose("/background/<fmt>", methods=["POST"])
    @has_access
    @permission_name("run")
    def background(self, fmt: str):
        """Render the report as a job and keep the file for later download."""
        if fmt not in DOWNLOADS:
            abort(404)
        names = [p.name for p in self.definition().parameters]
        raw = {name: request.form.get(name, "") for name in names}
        try:
            parse_params(self.definition(), raw)
        except ReportParamsError as exc:
            return self._page(errors=exc.errors, status=400)
        user = getattr(g.user, "username", None)
        run_id = start_job(
            "reports.render", {"report": self.report_name, "fmt": fmt, "params": raw},
            user=user,
        )
        flash("Relatório enviado para geração em segundo plano "
              f"(execução nº {run_id}).", "info")
        return redirect(url_for(f"{self.endpoint}.show", **raw))

    @expose("/file/<int:run_id>")
    @has_access
    @permission_name("run")
    def file(self, run_id: int):
        """Send the file a background render of this report stored."""
        run = db.session.get(JobRun, run_id)
        if run is None or run.name != "reports.render":
            abort(404)
        if run.params_dict().get("report") != self.report_name or run.status != "done":
            abort(404)
        path = stored_file(run_id)
        if path is None:
            abort(404)
        mimetype = MIMETYPES.get(path.suffix.lstrip("."), "application/octet-stream")
        return send_file(path, mimetype=mimetype, as_attachment=True,
                         download_name=path.name)


def _local_time(moment: datetime) -> str:
    """Show a stored UTC time in the utility's time zone."""
    local = moment.replace(tzinfo=UTC).astimezone(get_clock().tz)
    return f"{local:%d/%m/%Y %H:%M}"


def view_class(name: str) -> type[ReportView]:
    """Build the view class of report ``name`` (its own permission)."""
    parts = [part for part in re.split(r"[^A-Za-z0-9]+", name) if part]
    camel = "".join(part[:1].upper() + part[1:] for part in parts)
    return type(f"Report{camel}View", (ReportView,), {
        "report_name": name, "route_base": f"/relatorios/{name}",
        "__doc__": f"Admin screen of the report {name}.",
    })


def register(appbuilder) -> None:
    """Add one screen and one "Relatórios" menu entry per report."""
    reports = collect_reports(current_app.extensions["sanea.pm"])
    for definition in sorted(reports.values(), key=lambda r: r.title):
        appbuilder.add_view(
            view_class(definition.name), definition.title, icon="fa-file-text-o",
            category=CATEGORY, category_label=CATEGORY, category_icon="fa-print",
        )

