"""The reports toolkit: parameters, every format, both PDF engines, jobs, admin."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from core.clock import today
from core.domain.cadastre import Block, Locality, Property, Sector
from core.domain.reference import SewerSituation, WaterSituation
from core.extensions import db
from core.services.identifiers import make_registration
from core.toolkits import reports as rt
from core.toolkits.jobs import JobRun, execute_chunk, start_job
from core.toolkits.pdf import PdfResourceError, link_callback
from tests.conftest import csrf_token, login, need

NAME = "cadastre.properties_by_situation"
ACCENTED_TITLE = "Relatório de Imóveis — São João, Conceição"
# (locality, sector, water situation, sewer situation, how many properties)
LAYOUT = [
    ("São João", "Centro", "connected", "connected", 3),
    ("São João", "Centro", "connected", "potential", 2),
    ("São João", "Centro", "cut", "potential", 1),
    ("São João", "Várzea", "feasible", "potential", 4),
    ("Conceição", "Praça", "connected", "connected", 5),
    ("Conceição", "Praça", "suppressed", "capped", 1),
]


def _situation(model, code):
    return db.session.scalars(select(model).where(model.code == code)).one()


@pytest.fixture
def cadastre(app):
    """Two localities, three sectors, 16 properties in six situations."""
    localities = {"São João": Locality(code=1, name="São João"),
                  "Conceição": Locality(code=2, name="Conceição")}
    sectors, blocks = {}, {}
    for code, (loc, name) in enumerate(
        [("São João", "Centro"), ("São João", "Várzea"), ("Conceição", "Praça")], 1
    ):
        sectors[name] = Sector(locality=localities[loc], code=code, name=name)
        blocks[name] = Block(sector=sectors[name], number=1)
    db.session.add_all([*localities.values(), *sectors.values(), *blocks.values()])
    db.session.flush()
    lot = 0
    for loc, sector, water, sewer, count in LAYOUT:
        for _ in range(count):
            lot += 1
            db.session.add(Property(
                registration=make_registration(lot), locality=localities[loc],
                sector=sectors[sector], block=blocks[sector], lot=lot,
                water_situation=_situation(WaterSituation, water),
                sewer_situation=_situation(SewerSituation, sewer),
            ))
    db.session.commit()
    return {"localities": localities, "sectors": sectors}


def _xlsx_rows(body: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _pdf_text(body: bytes, tmp_path) -> str:
    need(shutil.which("pdftotext"), "pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(body)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"],
                          capture_output=True, check=True)
    return done.stdout.decode("utf-8")


# --- the real report -------------------------------------------------------


def test_sanea_reports_contributes_the_core_reports(app):
    assert NAME in app.extensions["sanea.reports"]
    assert "reports.render" in app.extensions["sanea.jobs"]


def test_situation_xlsx_counts_match_the_database(app, cadastre):
    rendered = rt.render(rt.get_report(NAME), "xlsx", {})
    rows = _xlsx_rows(rendered.body)

    assert rows[0] == ("Relatório de Imóveis por Situação de Ligação",)
    header = rows.index(("Localidade", "Setor", "Situação da ligação de água",
                         "Situação da ligação de esgoto", "Imóveis", "% do total"))
    body = rows[header + 1:]
    assert body == [
        ("001 - São João", "001 - Centro", "Ligado", "Potencial", 2, 12.5),
        ("001 - São João", "001 - Centro", "Ligado", "Ligado", 3, 18.75),
        ("001 - São João", "001 - Centro", "Cortado", "Potencial", 1, 6.25),
        ("001 - São João", "002 - Várzea", "Factível", "Potencial", 4, 25),
        ("Total da localidade — 001 - São João", None, None, None, 10, 62.5),
        ("002 - Conceição", "003 - Praça", "Ligado", "Ligado", 5, 31.25),
        ("002 - Conceição", "003 - Praça", "Suprimido", "Tamponado", 1, 6.25),
        ("Total da localidade — 002 - Conceição", None, None, None, 6, 37.5),
        ("Total geral", None, None, None, 16, 100),
    ]
    assert db.session.scalar(select(func.count(Property.id))) == 16
    expected = f"relatorio_de_imoveis_por_situacao_de_ligacao_{today():%Y%m%d}.xlsx"
    assert rendered.filename == expected


def test_situation_csv_has_bom_semicolons_and_decimal_comma(app, cadastre):
    body = rt.render(rt.get_report(NAME), "csv", {}).body

    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("Localidade;Setor;Situação da ligação de água;"
                        "Situação da ligação de esgoto;Imóveis;% do total")
    assert lines[2] == "001 - São João;001 - Centro;Ligado;Ligado;3;18,75"
    assert lines[5] == "Total da localidade — 001 - São João;;;;10;62,50"
    assert lines[-2:] == ["Total geral;;;;16;100,00", ""]
    parsed = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert sum(int(r[4]) for r in parsed[1:] if not r[0].startswith("Total")) == 16


def test_situation_pdf_text_has_accents_localities_and_totals(app, cadastre, tmp_path):
    raw = {"title": ACCENTED_TITLE}
    rendered = rt.render(rt.get_report(NAME), "pdf", raw)
    text = _pdf_text(rendered.body, tmp_path)

    assert rendered.engine == "xhtml2pdf"
    assert rendered.body.startswith(b"%PDF-")
    assert ACCENTED_TITLE in text
    assert app.extensions["sanea.profile"].legal_name in text
    for name in ("001 - São João", "002 - Conceição", "002 - Várzea", "Factível",
                 "Suprimido", "Tamponado"):
        assert name in text
    assert "Localidade: Todos" in text
    assert "Página 1 de 1" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Total da localidade — 001 - São João 10 62,50" in lines
    assert "Total da localidade — 002 - Conceição 6 37,50" in lines
    assert "Total geral 16 100,00" in lines


def test_situation_filters_by_locality_and_sector(app, cadastre):
    conceicao = cadastre["localities"]["Conceição"].id
    ctx = rt.prepare(rt.get_report(NAME), {"locality": str(conceicao)})
    assert [g.label for g in ctx.data.groups] == ["002 - Conceição"]
    assert ctx.data.total == {"properties": 6, "share": Decimal("100.00")}
    assert ctx.header_lines == ["Localidade: 002 - Conceição  ·  Setor: Todos"]

    varzea = cadastre["sectors"]["Várzea"].id
    ctx = rt.prepare(rt.get_report(NAME), {"sector": str(varzea)})
    assert ctx.data.row_count == 1
    assert ctx.data.groups[0].rows[0]["properties"] == 4


def test_situation_refuses_a_sector_outside_the_locality(app, cadastre):
    params = {"locality": str(cadastre["localities"]["Conceição"].id),
              "sector": str(cadastre["sectors"]["Centro"].id)}
    with pytest.raises(rt.ReportParamsError) as caught:
        rt.render(rt.get_report(NAME), "pdf", params)
    assert caught.value.errors == {
        "sector": "Setor: o setor 001.001 - Centro não pertence à localidade "
                  "002 - Conceição."
    }


def test_parameters_refuse_unknown_choice_and_long_title(app, cadastre):
    with pytest.raises(rt.ReportParamsError) as caught:
        rt.parse_params(rt.get_report(NAME), {"locality": "999", "title": "x" * 121})
    assert caught.value.errors == {
        "locality": "Localidade: opção inexistente (999).",
        "title": "Título: no máximo 120 caracteres.",
    }


def test_empty_database_gives_an_empty_report_with_zero_total(app):
    ctx = rt.prepare(rt.get_report(NAME), {})
    assert ctx.data.row_count == 0
    assert ctx.data.total == {"properties": 0, "share": None}
    assert rt.to_csv(ctx).decode("utf-8-sig").splitlines()[-1] == "Total geral;;;;0;"


# --- typed parameters and formats ------------------------------------------


def _listing(rows: int) -> rt.ReportDefinition:
    """A flat listing of ``rows`` lines with money, used to test the engines."""

    def query(params):
        lines = [{"seq": f"Linha {i:05d}", "name": f"Imóvel nº {i} — Conceição",
                  "amount": Decimal(i) / 4} for i in range(1, rows + 1)]
        lines[0]["name"] = "Avenida " + "Muito Comprida " * 12 + "Final"
        total = sum(line["amount"] for line in lines)
        return rt.ReportData.flat(lines, {"amount": total})

    return rt.ReportDefinition(
        name="test.listing", title="Listagem de teste", query=query,
        columns=(rt.Column("seq", "Linha", width=20),
                 rt.Column("name", "Descrição", width=55),
                 rt.Column("amount", "Valor", "money", width=25)),
        parameters=(rt.Parameter("since", "Desde", "date"),),
    )


def test_engine_threshold_is_a_row_count():
    assert rt.pdf_engine(rt.LONG_LISTING_ROWS) == "xhtml2pdf"
    assert rt.pdf_engine(rt.LONG_LISTING_ROWS + 1) == "reportlab"


def test_long_listing_goes_to_reportlab_with_every_row(app, tmp_path):
    rows = rt.LONG_LISTING_ROWS + 200
    ctx = rt.context_for(_listing(rows), {"since": None}, _listing(rows).query({}))
    rendered = rt.render_context(ctx, "pdf")
    text = _pdf_text(rendered.body, tmp_path)

    assert rendered.engine == "reportlab"
    pages = PdfReader(io.BytesIO(rendered.body)).pages
    assert len(pages) > 1
    page_texts = [" ".join(page.split()) for page in text.split("\f")[:-1]]
    assert len(page_texts) == len(pages)
    assert all("Linha Descrição Valor" in page for page in page_texts)
    assert "Avenida Muito Comprida" in text and "Final" not in text
    assert sum(1 for line in text.splitlines() if "Linha 0" in line) == rows
    assert "Imóvel nº 500 — Conceição" in text
    assert f"Página {len(pages)} de {len(pages)}" in text
    assert "Listagem de teste" in text
    total = sum(Decimal(i) / 4 for i in range(1, rows + 1))
    assert f"Total geral R$ {total:,.2f}".replace(",", "_").replace(".", ",") \
        .replace("_", ".") in " ".join(text.split())


def test_date_parameter_accepts_brazilian_and_iso_dates(app):
    definition = _listing(1)
    assert rt.parse_params(definition, {"since": "05/03/2025"})["since"].day == 5
    assert rt.parse_params(definition, {"since": "2025-03-05"})["since"].month == 3
    with pytest.raises(rt.ReportParamsError) as caught:
        rt.parse_params(definition, {"since": "31/02/2025"})
    assert caught.value.errors == {"since": "Desde: data inválida, use DD/MM/AAAA."}


def test_money_is_formatted_per_format(app):
    money = rt.Column("amount", "Valor", "money")
    assert rt.format_cell(money, Decimal("1234.5")) == "R$ 1.234,50"
    assert rt.csv_cell(money, Decimal("1234.5")) == "1234,50"
    ctx = rt.context_for(_listing(3), {"since": None}, _listing(3).query({}))
    rows = _xlsx_rows(rt.to_xlsx(ctx))
    assert rows[-1] == ("Total geral", None, 1.5)
    assert rows[-2] == ("Linha 00003", "Imóvel nº 3 — Conceição", 0.75)
    assert rows[-4][1].endswith("Muito Comprida Final")  # only the PDF cuts text


def test_link_callback_maps_static_and_refuses_remote():
    assert link_callback("/static/fonts/DejaVuSans.ttf").endswith(
        "core/static/fonts/DejaVuSans.ttf")
    for uri in ("http://127.0.0.1/logo.png", "//127.0.0.1/x.png",
                "/static/../../setup.cfg", "/etc/passwd"):
        with pytest.raises(PdfResourceError):
            link_callback(uri)
    assert link_callback("data:image/png;base64,AAAA").startswith("data:")


# --- background rendering --------------------------------------------------


def test_render_job_stores_the_file_and_a_rerun_replaces_it(app, cadastre):
    run_id = start_job("reports.render", {"report": NAME, "fmt": "xlsx", "params": {}})
    run = db.session.get(JobRun, run_id)

    assert run.status == "done"
    assert run.counts() == {"rows": 6}
    path = rt.stored_file(run_id)
    assert path.parent == app.config["SANEA_SETTINGS"].resolved_storage_dir() \
        / "reports" / str(run_id)
    last = _xlsx_rows(path.read_bytes())[-1]
    assert last == ("Total geral", None, None, None, 16, 100)
    assert run.message.startswith(f"Arquivo gerado: {path.name}")

    execute_chunk(run_id, 0)
    assert list(path.parent.iterdir()) == [path]


def test_render_job_with_bad_parameters_fails_with_the_message(app, cadastre):
    run_id = start_job("reports.render",
                       {"report": NAME, "fmt": "pdf", "params": {"locality": "999"}})
    run = db.session.get(JobRun, run_id)
    assert run.status == "failed"
    assert run.errors() == [{"message": "Localidade: opção inexistente (999).",
                             "ref": None}]
    assert rt.stored_file(run_id) is None


# --- admin -----------------------------------------------------------------

URL = f"/relatorios/{NAME}/"


def test_admin_report_screen_previews_and_downloads(admin_client, cadastre):
    menu = admin_client.get("/").get_data(as_text=True)
    assert "Relatórios" in menu and URL in menu

    page = admin_client.get(URL + "?gerar=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Total da localidade — 001 - São João" in html
    assert "Prévia limitada" not in html

    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for fmt, mimetype in (("pdf", "application/pdf"), ("csv", "text/csv"),
                          ("xlsx", xlsx)):
        response = admin_client.get(f"{URL}download/{fmt}?gerar=1")
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers["Content-Disposition"].endswith(f'.{fmt}"')
    csv_body = admin_client.get(f"{URL}download/csv").data
    assert csv_body.decode("utf-8-sig").splitlines()[-1] == "Total geral;;;;16;100,00"


def test_admin_report_refuses_bad_parameters_in_portuguese(admin_client, cadastre):
    response = admin_client.get(f"{URL}download/pdf?locality=abc")
    assert response.status_code == 400
    assert "Localidade: opção inexistente (abc)." in response.get_data(as_text=True)


def test_admin_report_renders_in_the_background(admin_client, cadastre):
    page = admin_client.get(URL).get_data(as_text=True)
    locality = str(cadastre["localities"]["Conceição"].id)
    response = admin_client.post(f"{URL}background/csv", data={
        "csrf_token": csrf_token(page), "locality": locality, "sector": "", "title": "",
    })
    assert response.status_code == 302
    run = db.session.scalars(select(JobRun).order_by(JobRun.id.desc())).first()
    assert run.status == "done" and run.user == "admin"

    listing = admin_client.get(URL).get_data(as_text=True)
    assert f"{URL}file/{run.id}" in listing
    assert "Concluída" in listing
    with admin_client.get(f"{URL}file/{run.id}") as stored:
        assert stored.status_code == 200
        assert stored.mimetype == "text/csv"
        last = stored.data.decode("utf-8-sig").splitlines()[-1]
    assert last == "Total geral;;;;6;100,00"
    assert admin_client.get(f"{URL}file/{run.id + 1}").status_code == 404


def test_admin_report_needs_its_permission(app, client):
    sm = app.appbuilder.sm
    sm.add_user("leitor", "Leitor", "Sem Relatórios", "leitor@example.invalid",
                sm.add_role("SemRelatorios"), password="leitor-test-pw")
    assert client.get(URL).status_code == 302  # anonymous: to the login page
    login(client, "leitor", "leitor-test-pw")
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}download/csv").status_code == 403
