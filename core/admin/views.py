"""Give every admin screen list, filters, audit and XLSX/CSV export."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, abort, redirect, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.urltools import get_filter_args
from sqlalchemy import Integer, inspect
from sqlalchemy.exc import IntegrityError
from wtforms.validators import NumberRange

from core.admin.export import to_csv, to_xlsx

EXPORT_LIMIT = 200_000
MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


INT_MAX = 2**31 - 1  # what an INTEGER column holds on PostgreSQL
INT_RANGE = NumberRange(min=-INT_MAX - 1, max=INT_MAX,
                        message="Número fora do limite aceito (até 2.147.483.647).")


class SaneaInterface(SQLAInterface):
    """FAB's data interface, with database refusals told in Portuguese.

    FAB flashes ``str(exception)``: the raw SQL of a unique violation, an
    empty text for a refused delete, "Python int too large" for an overflow.
    """

    def _guard(self, action: str, run):
        try:
            run()
        except IntegrityError as exc:
            self.session.rollback()
            if action == "delete":
                raise ValueError("Não foi possível excluir: há registros que "
                                 "dependem deste.") from exc
            raise ValueError("Não foi possível gravar: já existe um registro com "
                             "estes dados, ou falta um registro relacionado.") from exc
        except Exception as exc:
            self.session.rollback()
            raise ValueError("Não foi possível gravar: um valor está fora do que o "
                             "banco aceita.") from exc

    def add(self, item, commit: bool = True) -> None:
        self._guard("add", lambda: SQLAInterface.add(self, item, commit))

    def edit(self, item, commit: bool = True) -> None:
        self._guard("edit", lambda: SQLAInterface.edit(self, item, commit))

    def delete(self, item, commit: bool = True) -> None:
        self._guard("delete", lambda: SQLAInterface.delete(self, item, commit))


def _shown(value):
    """Show a value as staff read it: no None, no True/False, dates dd/mm/aaaa."""
    if value is None:
        return ""
    if value is True:
        return "Sim"
    if value is False:
        return "Não"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value


def _readable_formatters(model, columns, given: dict) -> dict:
    """Add :func:`_shown` for every listed column without a formatter of its own."""
    formatters = dict(given)
    for name in columns:
        if "." not in name and name not in formatters and hasattr(model, name):
            formatters[name] = _shown
    return formatters


class SaneaModelView(ModelView):
    """A FAB ModelView with export of exactly the filtered rows.

    Integer columns get a range check on their forms, and database refusals
    reach the user in Portuguese (:class:`SaneaInterface`).
    """

    def __init__(self, **kwargs):
        if type(self.datamodel) is SQLAInterface:
            self.datamodel.__class__ = SaneaInterface  # same object, safer calls
        validators = {k: list(v) for k, v in (self.validators_columns or {}).items()}
        for column in inspect(self.datamodel.obj).columns:
            if isinstance(column.type, Integer) and not column.primary_key \
                    and not column.foreign_keys:
                rules = validators.setdefault(column.key, [])
                if INT_RANGE not in rules:
                    rules.append(INT_RANGE)
        self.validators_columns = validators
        self.label_columns = {"created_at": "Criado em", "updated_at": "Alterado em",
                              **(self.label_columns or {})}
        self.formatters_columns = _readable_formatters(
            self.datamodel.obj,
            [*(self.list_columns or []), *(self.show_columns or [])],
            self.formatters_columns or {},
        )
        super().__init__(**kwargs)

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
