"""A person logs in, filters the property list by sector and exports it."""

import os
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from core.domain import cadastre as m
from core.domain import reference as r
from core.extensions import db
from core.services.identifiers import make_registration
from tests.browser.conftest import log_in


def _populate():
    """Two sectors of one locality: 3 properties in sector 1, 2 in sector 2."""
    water = db.session.query(r.WaterSituation).filter_by(code="connected").one()
    sewer = db.session.query(r.SewerSituation).filter_by(code="potential").one()
    locality = m.Locality(code=1, name="São João")
    sectors = [m.Sector(locality=locality, code=c, name=f"Setor {c}") for c in (1, 2)]
    blocks = [m.Block(sector=s, number=10) for s in sectors]
    db.session.add_all([locality, *sectors, *blocks])
    seq = 100
    for block, count in zip(blocks, (3, 2), strict=True):
        for lot in range(1, count + 1):
            seq += 1
            db.session.add(m.Property(
                registration=make_registration(seq), locality=locality,
                sector=block.sector, block=block, lot=lot, sublot=0,
                street="Rua da Conceição", number=str(lot),
                water_situation=water, sewer_situation=sewer,
                created_at=date(2025, 1, 1),
            ))
    db.session.commit()
    return sectors


def test_filter_by_sector_and_export_xlsx(app, live_server, browser_page, tmp_path):
    sectors = _populate()
    page = browser_page
    log_in(page, live_server)

    page.goto(f"{live_server}/propertyview/list/")
    page.wait_for_selector("td:has-text('Rua da Conceição')")
    page.click("a.accordion-toggle")  # open the search panel
    page.click("#filter_form .dropdown-toggle")
    page.click("#filter_form a.filter[name=sector]")
    value = page.locator("#filter_form select.filter_val").last
    value.select_option(label=str(sectors[1]), force=True)
    page.click("#filter_form button[type=submit]")
    page.wait_for_url("**_flt_**")
    rows = page.locator("table.table-hover tbody tr:has-text('Rua da Conceição')")
    assert rows.count() == 2
    shots = Path(os.environ.get("SANEA_SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=str(shots / "property-list-filtered.png"), full_page=True)

    with page.expect_download() as info:
        page.click("#export-xlsx")
    path = tmp_path / "imoveis.xlsx"
    info.value.save_as(path)
    workbook = load_workbook(path, read_only=True)
    header, *data = list(workbook.active.values)
    workbook.close()
    assert header[0] == "Matrícula" and header[1] == "Inscrição"
    assert [row[1] for row in data] == ["001.002.010.0001.000", "001.002.010.0002.000"]
    expected = sorted(p.registration for p in db.session.query(m.Property)
                      .filter_by(sector_id=sectors[1].id))
    assert sorted(row[0] for row in data) == expected
