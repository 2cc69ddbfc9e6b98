"""Report definitions: one definition renders HTML, PDF, XLSX and CSV.

A ``ReportDefinition`` names its typed parameters, a query that returns
``ReportData`` (groups of rows, subtotals, a grand total) and the columns
with their labels and formats. The toolkit does the rest (DESIGN.md §5,
§7): it validates the parameters with Portuguese messages, draws the page
header (utility, title, parameters, date, page numbers), picks the PDF
engine by row count (xhtml2pdf for documents, reportlab for listings),
writes XLSX in openpyxl's write-only mode and CSV for Excel in pt_BR, and
renders in the background as the job ``reports.render``.

Limitations:

- A query returns its rows as lists in memory; XLSX is written in
  constant memory but the rows are not streamed from the database, so a
  listing of hundreds of thousands of rows needs a streaming query first.
- ``choice`` parameters list every option in the form (every sector of
  the utility, for instance); a utility with thousands of them needs a
  search field instead of a select.
- Files stored by ``reports.render`` are kept until someone deletes them:
  there is no retention rule yet.
- The reportlab listing never wraps a cell: text wider than its column is
  cut with an ellipsis (see ``core.toolkits.pdf.table_to_pdf``).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import current_app

from core.clock import today
from core.services.money import format_brl, format_number

log = logging.getLogger(__name__)

LONG_LISTING_ROWS = 300  # above this many rows a PDF goes straight to reportlab
PREVIEW_ROWS = 500  # the admin's HTML preview shows at most this many rows
DOCUMENT_TEMPLATE = "reports/document.html"
FORMATS = ("pdf", "xlsx", "csv", "html")
MIMETYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
NUMERIC = ("int", "number", "money", "percent")


class ReportParamsError(ValueError):
    """The parameters of a report are invalid; ``errors`` maps field to message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- declaration -----------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One typed field of a report's parameters form.

    ``type`` is ``str``, ``int``, ``date`` or ``choice``; a ``choice``
    takes its options from ``choices()`` as ``(value, label)`` pairs.
    ``in_header`` says whether the value is printed in the page header.
    """

    name: str
    label: str
    type: str = "str"
    required: bool = False
    choices: Callable[[], list[tuple[object, str]]] | None = None
    max_length: int = 120
    help: str = ""
    in_header: bool = True


@dataclass(frozen=True)
class Column:
    """One column of a report: a row key, its label and how it is shown.

    ``format`` is ``text``, ``int``, ``number`` (``places`` decimals),
    ``money``, ``percent`` or ``date``; ``width`` is a share of the page
    width in percent (xhtml2pdf needs it: STACK.md pitfall 32).
    """

    key: str
    label: str
    format: str = "text"
    width: float = 10
    places: int = 2

    @property
    def align(self) -> str:
        return "right" if self.format in NUMERIC else "left"


@dataclass
class ReportGroup:
    """A run of rows under one heading, with its subtotal row."""

    label: str
    rows: list[dict]
    subtotal: dict | None = None


@dataclass
class ReportData:
    """What a report's query returns."""

    groups: list[ReportGroup]
    total: dict | None = None

    @classmethod
    def flat(cls, rows: list[dict], total: dict | None = None) -> ReportData:
        """Wrap ungrouped rows (one group without a heading)."""
        return cls([ReportGroup("", rows)], total)

    @property
    def row_count(self) -> int:
        return sum(len(group.rows) for group in self.groups)


@dataclass(frozen=True)
class ReportDefinition:
    """A report the admin, the CLI and jobs can render in every format.

    ``query(params)`` gets the validated parameters and returns
    ``ReportData``; ``validate(params)`` may return cross-field errors;
    ``template`` is a Jinja template (extending ``reports/base.html``)
    for the document PDF, the generic table otherwise. A parameter named
    ``title``, when filled, replaces the title.
    """

    name: str
    title: str
    query: Callable[[dict], ReportData]
    columns: tuple[Column, ...]
    parameters: tuple[Parameter, ...] = ()
    validate: Callable[[dict], dict[str, str]] | None = None
    template: str | None = None
    group_label: str = ""
    total_label: str = "Total geral"
    subtotal_label: str = "Total"
    wide: bool = False
    description: str = ""


@dataclass(frozen=True)
class RenderedReport:
    """A rendered file, ready to send or store."""

    body: bytes
    mimetype: str
    filename: str
    rows: int
    engine: str = ""


@dataclass
class ReportContext:
    """Everything a template or writer needs: definition, data and header."""

    definition: ReportDefinition
    params: dict
    data: ReportData
    title: str
    utility: str
    header_lines: list[str]
    generated_on: date

    @property
    def generated_text(self) -> str:
        return f"Emitido em {self.generated_on:%d/%m/%Y}"


def collect_reports(pm) -> dict:
    """Gather every plugin's ReportDefinition by name, refusing duplicates."""
    reports: dict = {}
    for batch in pm.hook.sanea_reports():
        for report in batch:
            if report.name in reports:
                raise ValueError(f"duplicate report name {report.name}")
            reports[report.name] = report
    return reports


def registry() -> dict[str, ReportDefinition]:
    """Return the reports of the current app by name."""
    return current_app.extensions["sanea.reports"]


def get_report(name: str) -> ReportDefinition:
    """Return report ``name`` or raise KeyError with a Portuguese message."""
    report = registry().get(name)
    if report is None:
        raise KeyError(f"relatório desconhecido: {name}")
    return report


# --- parameters ------------------------------------------------------------


def _parse_one(param: Parameter, raw: str):
    """Return the typed value of one field, or raise ValueError (pt_BR)."""
    if param.type == "int":
        if not re.fullmatch(r"-?\d+", raw):
            raise ValueError(f"{param.label}: informe um número inteiro.")
        return int(raw)
    if param.type == "date":
        try:
            return _parse_date(raw)
        except ValueError:
            raise ValueError(f"{param.label}: data inválida, use DD/MM/AAAA.") from None
    if param.type == "choice":
        options = {str(value): value for value, _ in param.choices()}
        if raw not in options:
            raise ValueError(f"{param.label}: opção inexistente ({raw}).")
        return options[raw]
    if len(raw) > param.max_length:
        raise ValueError(
            f"{param.label}: no máximo {param.max_length} caracteres."
        )
    return raw


def _parse_date(raw: str) -> date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return date.fromisoformat(raw)
    return datetime.strptime(raw, "%d/%m/%Y").date()


def parse_params(definition: ReportDefinition, raw: Mapping[str, str]) -> dict:
    """Validate the form values; return typed params or raise ReportParamsError."""
    params: dict = {}
    errors: dict[str, str] = {}
    for param in definition.parameters:
        text = str(raw.get(param.name) or "").strip()
        if not text:
            if param.required:
                errors[param.name] = f"{param.label}: campo obrigatório."
            params[param.name] = None
            continue
        try:
            params[param.name] = _parse_one(param, text)
        except ValueError as exc:
            errors[param.name] = str(exc)
    if not errors and definition.validate:
        errors.update(definition.validate(params) or {})
    if errors:
        raise ReportParamsError(errors)
    return params


def _display_param(param: Parameter, value) -> str:
    if value is None:
        return "Todos" if param.type == "choice" else "—"
    if param.type == "choice":
        labels = {value_: label for value_, label in param.choices()}
        return labels.get(value, str(value))
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def header_lines(definition: ReportDefinition, params: dict) -> list[str]:
    """Return the 'Label: value' lines the page header prints."""
    shown = [p for p in definition.parameters if p.in_header]
    if not shown:
        return []
    parts = [f"{p.label}: {_display_param(p, params.get(p.name))}" for p in shown]
    return ["  ·  ".join(parts)]


# --- running ---------------------------------------------------------------


def prepare(definition: ReportDefinition, raw: Mapping[str, str]) -> ReportContext:
    """Validate the parameters, run the query and build the render context."""
    params = parse_params(definition, raw)
    started = time.monotonic()
    data = definition.query(params)
    log.info(
        "report %s queried %s rows in %.2fs", definition.name, data.row_count,
        time.monotonic() - started,
    )
    return context_for(definition, params, data)


def context_for(
    definition: ReportDefinition, params: dict, data: ReportData
) -> ReportContext:
    """Build the render context of already-queried data."""
    profile = current_app.extensions["sanea.profile"]
    return ReportContext(
        definition=definition, params=params, data=data,
        title=params.get("title") or definition.title,
        utility=profile.legal_name,
        header_lines=header_lines(definition, params),
        generated_on=today(),
    )


def render(definition: ReportDefinition, fmt: str, raw: Mapping[str, str]):
    """Validate, query and render report ``definition`` as ``fmt``."""
    if fmt not in FORMATS:
        raise ValueError(f"formato desconhecido: {fmt}")
    return render_context(prepare(definition, raw), fmt)


def render_context(ctx: ReportContext, fmt: str) -> RenderedReport:
    """Render a prepared report as ``pdf``, ``xlsx``, ``csv`` or ``html``."""
    started = time.monotonic()
    engine = fmt
    if fmt == "pdf":
        engine = pdf_engine(ctx.data.row_count)
        body = to_pdf_listing(ctx) if engine == "reportlab" else to_pdf_document(ctx)
    elif fmt == "xlsx":
        body = to_xlsx(ctx)
    elif fmt == "csv":
        body = to_csv(ctx)
    else:
        body = to_html(ctx).encode("utf-8")
    log.info(
        "report %s rendered as %s (%s) with %s rows in %.2fs", ctx.definition.name,
        fmt, engine, ctx.data.row_count, time.monotonic() - started,
    )
    return RenderedReport(
        body=body, mimetype=MIMETYPES[fmt], filename=filename(ctx, fmt),
        rows=ctx.data.row_count, engine=engine,
    )


def pdf_engine(rows: int) -> str:
    """Pick the PDF engine: xhtml2pdf for documents, reportlab for listings."""
    return "reportlab" if rows > LONG_LISTING_ROWS else "xhtml2pdf"


def filename(ctx: ReportContext, fmt: str) -> str:
    """Name the file after the report's title, without accents, and the date."""
    plain = unicodedata.normalize("NFKD", ctx.definition.title)
    plain = plain.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "relatorio"
    return f"{slug}_{ctx.generated_on:%Y%m%d}.{fmt}"


# --- formatting ------------------------------------------------------------


def format_cell(column: Column, value) -> str:
    """Format a value for reading: pt_BR numbers, money and dates."""
    if value is None or value == "":
        return ""
    if column.format == "int":
        return format_number(int(value), 0)
    if column.format in ("number", "percent"):
        return format_number(_decimal(value), column.places)
    if column.format == "money":
        return format_brl(_decimal(value))
    if isinstance(value, (date, datetime)):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def csv_cell(column: Column, value) -> str:
    """Format a value for a spreadsheet: decimal comma, no thousands dots."""
    if value is None or value == "":
        return ""
    if column.format == "int":
        return str(int(value))
    if column.format in ("number", "percent", "money"):
        places = 2 if column.format == "money" else column.places
        return f"{_decimal(value):.{places}f}".replace(".", ",")
    if isinstance(value, (date, datetime)):
        return f"{value:%d/%m/%Y}"
    return str(value)


def table_lines(ctx: ReportContext) -> Iterable[tuple[str, str, dict]]:
    """Yield ``(kind, label, row)``: group, row, subtotal and total lines."""
    for group in ctx.data.groups:
        if group.label:
            yield "group", group.label, {}
        for row in group.rows:
            yield "row", group.label, row
        if group.subtotal is not None:
            label = f"{ctx.definition.subtotal_label} — {group.label}".strip(" —")
            yield "subtotal", label, group.subtotal
    if ctx.data.total is not None:
        yield "total", ctx.definition.total_label, ctx.data.total


def label_span(columns: tuple[Column, ...], row: dict) -> int:
    """Return how many leading columns a subtotal's label may cover.

    The label takes the columns before the first one the row fills.
    """
    for i, column in enumerate(columns):
        if row.get(column.key) not in (None, ""):
            return max(i, 1)
    return len(columns)


# --- writers ---------------------------------------------------------------


def _template_context(ctx: ReportContext, limit: int | None = None) -> dict:
    lines = list(table_lines(ctx))
    truncated = limit is not None and ctx.data.row_count > limit
    if truncated:
        lines = _limit_lines(lines, limit)
    return {"report": ctx, "columns": ctx.definition.columns, "lines": lines,
            "format_cell": format_cell, "label_span": label_span,
            "truncated": truncated, "limit": limit}


def _limit_lines(lines: list, limit: int) -> list:
    """Keep the first ``limit`` data rows and the grand total."""
    kept, rows = [], 0
    for kind, label, row in lines:
        rows += kind == "row"
        if rows <= limit or kind == "total":
            kept.append((kind, label, row))
    return kept


def to_html(ctx: ReportContext, limit: int | None = None) -> str:
    """Render the report as an HTML table fragment (the admin preview)."""
    template = current_app.jinja_env.get_template("reports/_preview.html")
    return template.render(**_template_context(ctx, limit))


def to_pdf_document(ctx: ReportContext) -> bytes:
    """Render the report's Jinja template to PDF through xhtml2pdf."""
    from core.toolkits.pdf import html_to_pdf

    name = ctx.definition.template or DOCUMENT_TEMPLATE
    template = current_app.jinja_env.get_template(name)
    return html_to_pdf(template.render(**_template_context(ctx)))


def to_pdf_listing(ctx: ReportContext) -> bytes:
    """Draw the report as a long listing with reportlab's LongTable."""
    from core.toolkits.pdf import PageHeader, TableRows, table_to_pdf

    columns = ctx.definition.columns
    rows = TableRows(header=[c.label for c in columns])
    for kind, label, row in table_lines(ctx):
        cells = [format_cell(c, row.get(c.key)) for c in columns]
        if kind == "group":
            rows.group_rows.append(len(rows.cells) + 1)
            cells = [label] + [""] * (len(columns) - 1)
        elif kind in ("subtotal", "total"):
            rows.total_rows.append((len(rows.cells) + 1, label_span(columns, row)))
            cells[0] = label
        rows.cells.append(cells)
    header = PageHeader(ctx.utility, ctx.title, ctx.header_lines, ctx.generated_text)
    total = sum(c.width for c in columns)
    return table_to_pdf(
        header, rows, [c.width / total for c in columns],
        [c.align for c in columns], wide=ctx.definition.wide,
    )


def _flat_header(ctx: ReportContext) -> list[str]:
    labels = [c.label for c in ctx.definition.columns]
    return ([ctx.definition.group_label] if ctx.definition.group_label else []) + labels


def _flat_rows(ctx: ReportContext, cell: Callable) -> Iterable[tuple[str, list]]:
    """Yield ``(kind, values)`` per row, subtotal and total, the group first."""
    grouped = bool(ctx.definition.group_label)
    for kind, label, row in table_lines(ctx):
        if kind == "group":
            continue
        values = [cell(c, row.get(c.key)) for c in ctx.definition.columns]
        if grouped:
            values.insert(0, label)
        elif kind != "row":
            values[0] = label
        yield kind, values


def to_csv(ctx: ReportContext) -> bytes:
    """Write CSV for Excel in pt_BR: ';', decimal comma and a UTF-8 BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(_flat_header(ctx))
    writer.writerows(values for _, values in _flat_rows(ctx, csv_cell))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


XLSX_FORMATS = {"int": "#,##0", "number": "#,##0.00", "percent": "#,##0.00",
                "money": '"R$" #,##0.00', "date": "DD/MM/YYYY"}


def _xlsx_value(column: Column, value):
    if value is None or value == "":
        return None
    if column.format == "int":
        return int(value)
    if column.format in ("number", "percent", "money"):
        return _decimal(value)
    if isinstance(value, (date, datetime)):
        return value
    return str(value)


def to_xlsx(ctx: ReportContext) -> bytes:
    """Write XLSX in constant memory: header block, columns, rows, totals."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(ctx.definition.title))
    grouped = bool(ctx.definition.group_label)
    columns = ([None] if grouped else []) + list(ctx.definition.columns)
    for i, column in enumerate(columns, start=1):
        width = column.width * 1.2 if column else 32
        sheet.column_dimensions[get_column_letter(i)].width = width
    cell = _xlsx_cell_maker(sheet)

    sheet.append([cell(ctx.title, strong=True)])
    for line in [ctx.utility, *ctx.header_lines, ctx.generated_text]:
        sheet.append([line])
    sheet.append([])
    sheet.append([cell(label, strong=True) for label in _flat_header(ctx)])
    for kind, values in _flat_rows(ctx, _xlsx_value):
        strong = kind != "row"
        sheet.append([cell(v, c, strong) for v, c in zip(values, columns, strict=True)])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell_maker(sheet) -> Callable:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    bold = Font(bold=True)

    def make(value, column: Column | None = None, strong: bool = False):
        cell = WriteOnlyCell(sheet, value=value)
        if strong:
            cell.font = bold
        if column is not None and column.format in XLSX_FORMATS:
            cell.number_format = XLSX_FORMATS[column.format]
        return cell

    return make


def _sheet_title(title: str) -> str:
    """Return a valid worksheet name (no []:*?/\\, at most 31 characters)."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip() or "Relatório"


# --- background rendering (the reports.render job) -------------------------


def storage_dir(run_id: int) -> Path:
    """Return the folder where run ``run_id`` of reports.render keeps its file."""
    root = current_app.config["SANEA_SETTINGS"].resolved_storage_dir()
    return root / "reports" / str(run_id)


def stored_file(run_id: int) -> Path | None:
    """Return the file a reports.render run produced, if it is there."""
    folder = storage_dir(run_id)
    files = sorted(folder.glob("*")) if folder.is_dir() else []
    return files[0] if files else None


def render_job(ctx, report: str, fmt: str, params: dict) -> None:
    """Render ``report`` as ``fmt`` and store the file under the run's folder.

    A rerun of the same run replaces the file, never adds a second one.
    """
    from core.extensions import db
    from core.toolkits.jobs import JobError, JobRun

    try:
        definition = get_report(report)
        rendered = render(definition, fmt, params)
    except (KeyError, ValueError) as exc:
        raise JobError(str(exc).strip("'\"")) from exc
    folder = storage_dir(ctx.run_id)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    (folder / rendered.filename).write_bytes(rendered.body)
    ctx.count("rows", rendered.rows)
    run = db.session.get(JobRun, ctx.run_id)
    run.message = f"Arquivo gerado: {rendered.filename} ({len(rendered.body)} bytes)"
    log.info("report %s run %s stored %s", report, ctx.run_id, rendered.filename)


def report_jobs() -> list:
    """Return the JobDefinition of background report rendering."""
    from core.toolkits.jobs import JobDefinition

    return [JobDefinition(
        name="reports.render", title="Gerar relatório", func=render_job,
        params_help={"report": "Nome do relatório", "fmt": "pdf, xlsx ou csv",
                     "params": "Parâmetros do relatório"},
    )]
