"""Time the report writers on synthetic rows (no database needed).

    .venv/bin/python benchmarks/bench_reports.py [rows]

Renders a flat listing of ``rows`` lines (10,000 by default) with a text,
a longer text and a money column through the reportlab listing path,
XLSX and CSV, and the xhtml2pdf document path at the engine threshold.
Prints seconds, pages and peak RSS; writes the files to benchmarks/out/.
"""

from __future__ import annotations

import io
import resource
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from core.toolkits import reports as rt  # noqa: E402

OUT = ROOT / "benchmarks" / "out"


def listing(rows: int) -> rt.ReportContext:
    """Build the render context of a flat listing of ``rows`` lines."""
    lines = [{"seq": f"{i:06d}", "name": f"Rua São José, {i} — Conceição",
              "amount": Decimal(i) / 4} for i in range(1, rows + 1)]
    data = rt.ReportData.flat(lines, {"amount": sum(r["amount"] for r in lines)})
    definition = rt.ReportDefinition(
        name="bench.listing", title="Listagem de imóveis (benchmark)",
        query=lambda params: data,
        columns=(rt.Column("seq", "Matrícula", width=15),
                 rt.Column("name", "Endereço", width=60),
                 rt.Column("amount", "Valor", "money", width=25)),
    )
    return rt.ReportContext(
        definition=definition, params={}, data=data, title=definition.title,
        utility="Companhia de Saneamento de Teste", header_lines=["Parâmetros: —"],
        generated_on=date(2025, 3, 10),
    )


def timed(label: str, func, *args):
    started = time.perf_counter()
    body = func(*args)
    seconds = time.perf_counter() - started
    extra = ""
    if body.startswith(b"%PDF-"):
        extra = f", {len(PdfReader(io.BytesIO(body)).pages)} pages"
    print(f"{label:<40} {seconds:7.2f} s  {len(body) / 1e6:6.2f} MB{extra}")
    return body


def main(rows: int) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    ctx = listing(rows)
    body = timed(f"reportlab listing, {rows} rows", rt.to_pdf_listing, ctx)
    (OUT / "listing.pdf").write_bytes(body)
    (OUT / "listing.xlsx").write_bytes(
        timed(f"XLSX write-only, {rows} rows", rt.to_xlsx, ctx))
    (OUT / "listing.csv").write_bytes(timed(f"CSV, {rows} rows", rt.to_csv, ctx))

    app = Flask("bench", template_folder=str(ROOT / "templates"))
    with app.app_context():
        small = listing(rt.LONG_LISTING_ROWS)
        body = timed(f"xhtml2pdf, {rt.LONG_LISTING_ROWS} rows (threshold)",
                     rt.to_pdf_document, small)
        (OUT / "document.pdf").write_bytes(body)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
