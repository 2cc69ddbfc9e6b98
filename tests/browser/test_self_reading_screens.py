"""A reviewer opens a reading held for analysis, sees its photo and accepts it."""

import os
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from core.extensions import db
from plugins.self_reading.models import SelfReading
from tests.browser.conftest import log_in
from tests.conftest import ADMIN_USER
from tests.plugins.self_reading.conftest import (  # noqa: F401 (fixtures)
    app,
    reader,
    travel,
    world,
)


def _png(width: int = 240, height: int = 160) -> bytes:
    """Draw a decodable PNG: a dial-like grey frame with a blue band."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            edge = min(x, y, width - 1 - x, height - 1 - y) < 8
            band = height // 3 < y < 2 * height // 3 and 20 < x < width - 20
            row += bytes((90, 90, 90) if edge else (30, 80, 200) if band
                         else (235, 235, 230))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(
            ">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


@pytest.fixture
def held(reader):  # noqa: F811
    """Maria joins and informs 1300 (above 1256-1274) with a photo."""
    reader.join()
    answer = reader.send_reading(1300, photo=_png()).get_json()
    assert answer["situacao"] == "EM_ANALISE", answer
    db.session.commit()  # let the server thread write to the database
    return answer["protocolo"]


@pytest.mark.uc("UC2011")
def test_reviewer_sees_the_photo_and_accepts_the_reading(
        app, held, live_server, browser_page, tmp_path):  # noqa: F811
    shots = Path(os.environ.get("SANEA_SCREENSHOT_DIR", tmp_path))
    page = browser_page
    log_in(page, live_server)

    page.click("a.dropdown-toggle:has-text('Autoleitura')")
    page.click("a:has-text('Leituras recebidas')")
    page.wait_for_url("**/selfreadingview/list/")
    row = page.locator(f"table.table-hover tbody tr:has-text('{held}')")
    assert row.locator("td").nth(8).inner_text().strip() == "EM_ANALISE"

    row.locator("a[href*='/selfreadingview/show/']").click()
    page.wait_for_url("**/selfreadingview/show/*")
    photo = page.locator("img[alt='Foto do hidrômetro']")
    photo.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    assert photo.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [240, 160]
    page.screenshot(path=str(shots / "self-reading-detail.png"), full_page=True)

    page.go_back()
    page.wait_for_url("**/selfreadingview/list/")
    row.locator("input.action_check").check()
    page.click("button.dropdown-toggle:has-text('Ações')")
    page.click("a.accept_menu_item")
    confirm = page.locator("#modal-confirm")
    confirm.wait_for(state="visible")
    assert "Aceitar as leituras em análise selecionadas?" in confirm.inner_text()
    assert confirm.locator("button[data-dismiss=modal]").inner_text() == "Cancelar"
    page.wait_for_function(  # the dialog has finished sliding in
        "() => ['none', 'matrix(1, 0, 0, 1, 0, 0)'].includes(getComputedStyle("
        "document.querySelector('#modal-confirm .modal-dialog')).transform)")
    page.screenshot(path=str(shots / "self-reading-confirm.png"))
    confirm.locator("#modal-confirm-ok").click()

    page.wait_for_selector("div.alert:has-text('1 leitura(s) aceita(s).')")
    assert page.url == f"{live_server}/selfreadingview/list/"
    row = page.locator(f"table.table-hover tbody tr:has-text('{held}')")
    assert row.locator("td").nth(8).inner_text().strip() == "ACEITA"
    page.screenshot(path=str(shots / "self-reading-accepted.png"), full_page=True)

    db.session.expire_all()
    stored = db.session.scalar(select(SelfReading).where(SelfReading.protocol == held))
    assert (stored.status, stored.reviewed_by) == ("ACEITA", ADMIN_USER)
