"""Make PDFs with the two engines of DESIGN.md §7.

``html_to_pdf`` turns a Jinja-rendered page (a document a person reads,
up to a few hundred rows) into a PDF through xhtml2pdf, imported lazily
because it costs half a second at import. ``table_to_pdf`` draws a long
listing (thousands of rows) straight with reportlab's platypus
``LongTable``, about ten times faster (STACK.md pitfall 31).

Both embed the DejaVu Sans TTF shipped in ``core/static/fonts`` so the
accents never depend on the fonts of the host.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, SimpleDocTemplate, TableStyle

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
FONTS_DIR = STATIC_DIR / "fonts"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN = 12 * mm
HEADER_HEIGHT = 24 * mm
FOOTER_HEIGHT = 8 * mm
BODY_SIZE = 7.5
ROW_HEIGHT = 11  # points; one line of BODY_SIZE text plus its padding
CELL_PADDING = 6  # reportlab's default left + right padding is 6 points each
SHADE = colors.HexColor("#e8edf3")
GRID = colors.HexColor("#9aa5b1")


class PdfResourceError(ValueError):
    """A template asked for a file the PDF engine must not load."""


# --- xhtml2pdf -------------------------------------------------------------


def link_callback(uri: str, rel: str | None = None) -> str:
    """Map ``/static/...`` to a file of the app; refuse anything remote.

    ``data:`` URIs (inline QR codes, logos) pass through unchanged.
    """
    if uri.startswith("data:"):
        return uri
    parts = urlsplit(uri)
    if parts.scheme or parts.netloc:
        raise PdfResourceError(f"recurso remoto recusado no PDF: {uri}")
    if not parts.path.startswith("/static/"):
        raise PdfResourceError(f"recurso fora de /static/ recusado no PDF: {uri}")
    path = (STATIC_DIR / parts.path[len("/static/"):]).resolve()
    if STATIC_DIR.resolve() not in path.parents or not path.is_file():
        raise PdfResourceError(f"arquivo inexistente no PDF: {uri}")
    return str(path)


def html_to_pdf(html: str) -> bytes:
    """Render an XHTML page to PDF bytes with xhtml2pdf."""
    from xhtml2pdf import pisa  # lazy: 0.55 s at import (STACK.md §3)

    out = io.BytesIO()
    status = pisa.CreatePDF(
        html, dest=out, encoding="utf-8", link_callback=link_callback
    )
    if status.err:
        raise RuntimeError(f"xhtml2pdf failed with {status.err} error(s)")
    return out.getvalue()


# --- reportlab listings ----------------------------------------------------


def register_fonts() -> None:
    """Register the embedded TTFs with reportlab (once per process)."""
    registered = pdfmetrics.getRegisteredFontNames()
    files = ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf"))
    for name, filename in files:
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / filename)))


@dataclass(frozen=True)
class PageHeader:
    """What every page of a listing shows above and below its rows."""

    utility: str
    title: str
    lines: list[str] = field(default_factory=list)
    generated: str = ""


@dataclass
class TableRows:
    """The cells of a listing with the rows that get a special look.

    ``group_rows`` (a heading spanning the row) and ``total_rows`` (bold,
    shaded; ``(row, span)`` where the label covers ``span`` columns) index
    the whole table, the column header being row 0.
    """

    header: list[str]
    cells: list[list[str]] = field(default_factory=list)
    group_rows: list[int] = field(default_factory=list)
    total_rows: list[tuple[int, int]] = field(default_factory=list)


def _page_canvas(page_header: PageHeader):
    """Return a Canvas class that draws the header and 'Página N de M'."""

    class HeaderCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802  (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                _draw_page(self, page_header, self._pageNumber, total)
                super().showPage()
            super().save()

    return HeaderCanvas


def _draw_page(canvas: Canvas, header: PageHeader, number: int, total: int) -> None:
    width, height = canvas._pagesize
    top = height - MARGIN
    canvas.setFont(FONT_BOLD, 10)
    canvas.drawString(MARGIN, top - 10, header.utility)
    canvas.setFont(FONT_BOLD, 12)
    canvas.drawString(MARGIN, top - 25, header.title)
    canvas.setFont(FONT, 7.5)
    for i, line in enumerate([*header.lines[:2], header.generated]):
        canvas.drawString(MARGIN, top - 37 - 9 * i, line)
    canvas.setStrokeColor(GRID)
    canvas.line(MARGIN, MARGIN + FOOTER_HEIGHT - 8, width - MARGIN,
                MARGIN + FOOTER_HEIGHT - 8)
    canvas.drawRightString(width - MARGIN, MARGIN, f"Página {number} de {total}")


def _chunk_style(rows: TableRows, aligns: list[str], first: int, last: int):
    """Return the style of the table holding rows ``first..last`` (1-based)."""
    commands = [
        ("FONT", (0, 0), (-1, -1), FONT, BODY_SIZE),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, BODY_SIZE),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, GRID),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for col, align in enumerate(aligns):
        commands.append(("ALIGN", (col, 0), (col, -1), align.upper()))
    shift = first - 1
    for row in rows.group_rows:
        if first <= row <= last:
            row -= shift
            commands += [("SPAN", (0, row), (-1, row)),
                         ("ALIGN", (0, row), (-1, row), "LEFT"),
                         ("FONT", (0, row), (-1, row), FONT_BOLD, BODY_SIZE)]
    for row, span in rows.total_rows:
        if first <= row <= last:
            row -= shift
            commands += [("FONT", (0, row), (-1, row), FONT_BOLD, BODY_SIZE),
                         ("BACKGROUND", (0, row), (-1, row), SHADE),
                         ("SPAN", (0, row), (span - 1, row)),
                         ("ALIGN", (0, row), (0, row), "LEFT")]
    return TableStyle(commands)


def _fit(text: str, width: float, font: str = FONT) -> str:
    """Cut ``text`` with an ellipsis so it fits ``width`` (cells never wrap)."""
    room = width - 2 * CELL_PADDING
    if stringWidth(text, font, BODY_SIZE) <= room:
        return text
    while text and stringWidth(text + "…", font, BODY_SIZE) > room:
        text = text[:-1]
    return text + "…"


def _fit_rows(rows: TableRows, widths: list[float]) -> list[list[str]]:
    """Return the cells cut to their columns; spanned rows stay whole."""
    spanned = set(rows.group_rows) | {row for row, _ in rows.total_rows}
    return [
        row if i in spanned else [_fit(c, w) for c, w in zip(row, widths, strict=True)]
        for i, row in enumerate(rows.cells, start=1)
    ]


def table_to_pdf(
    header: PageHeader,
    rows: TableRows,
    widths: list[float],
    aligns: list[str],
    wide: bool = False,
) -> bytes:
    """Draw a long listing with the column header repeated on every page.

    ``widths`` are fractions of the printable width; ``aligns`` are
    ``left``, ``right`` or ``center`` per column; ``wide`` turns the page
    to landscape. Cells never wrap, so every row has the same height and
    the rows are cut into one table per page: platypus then never splits
    a table, which it does in time quadratic in the rows left (one
    10,000-row LongTable took 9.2 s, page-sized tables take a fraction).
    """
    register_fonts()
    pagesize = landscape(A4) if wide else A4
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT, bottomMargin=MARGIN + FOOTER_HEIGHT,
        title=header.title, author=header.utility,
    )
    col_widths = [doc.width * w for w in widths]
    labels = zip(rows.header, col_widths, strict=True)
    head = [_fit(label, width, FONT_BOLD) for label, width in labels]
    cells = _fit_rows(rows, col_widths)
    # The frame has 6 points of padding on each side.
    per_page = max(1, int((doc.height - 12) // ROW_HEIGHT) - 1)
    story = []
    for start in range(0, max(len(cells), 1), per_page):
        chunk = cells[start:start + per_page]
        table = LongTable([head, *chunk], colWidths=col_widths,
                          rowHeights=[ROW_HEIGHT] * (len(chunk) + 1), repeatRows=1)
        table.setStyle(_chunk_style(rows, aligns, start + 1, start + len(chunk)))
        story.append(table)
    doc.build(story, canvasmaker=_page_canvas(header))
    return out.getvalue()
