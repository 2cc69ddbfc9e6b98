"""Give every admin screen list, filters, audit and XLSX/CSV export."""

from __future__ import annotations

from flask import Response, abort, redirect, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.urltools import get_filter_args

from core.admin.export import to_csv, to_xlsx

EXPORT_LIMIT = 200_000
MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class SaneaModelView(ModelView):
    """A FAB ModelView with export of exactly the filtered rows."""

    list_template = "sanea/list.html"
    page_size = 25
    export_columns: list[str] | None = None

    @expose("/")
    def index(self):
        """Send the screen's bare address to its list.

        FAB redirects a refused list action to ``/<screen>/``, which has no
        page of its own: without this the user reads "Página não encontrada"
        under the flash that says why. The list checks the access itself.
        """
        return redirect(url_for(f"{self.endpoint}.list"))

    def _export_rows(self):
        filters = self.datamodel.get_filters(self.search_columns)
        get_filter_args(filters)  # the same ?_flt_ URL arguments as the list
        order_column, order_direction = self.base_order or ("", "")
        _, items = self.datamodel.query(
            filters, order_column, order_direction, page=None, page_size=EXPORT_LIMIT
        )
        columns = self.export_columns or self.list_columns
        headers = [str(self.label_columns.get(c, c)) for c in columns]
        rows = ([self._value(item, c) for c in columns] for item in items)
        return headers, rows

    @staticmethod
    def _value(item, column: str):
        value = item
        for part in column.split("."):
            value = getattr(value, part, None)
            if value is None:
                break
        return value() if callable(value) else value

    @expose("/export/<fmt>")
    @has_access
    @permission_name("export")
    def export(self, fmt: str):
        """Download the filtered list as XLSX or CSV."""
        if fmt not in MIME:
            abort(404)
        headers, rows = self._export_rows()
        title = str(self.list_title or self.__class__.__name__)
        if fmt == "csv":
            body = to_csv(headers, rows)
        else:
            body = to_xlsx(title, headers, rows)
        name = self.route_base.strip("/").replace("/", "_") or "dados"
        disposition = f'attachment; filename="{name}.{fmt}"'
        return Response(
            body, content_type=MIME[fmt],
            headers={"Content-Disposition": disposition},
        )
