"""The bill's second copy: its text, its barcode and its Pix QR code."""

import dataclasses
import shutil
import subprocess

import pytest

from core.billing.jobs import BILL_GROUP
from core.documents.bill import pix_font_size, render_bill_pdf
from core.extensions import db
from core.services.barcode import format_typed_line
from core.services.pix import parse_brcode
from core.toolkits.jobs import start_job
from tests.conftest import need
from tests.core.billing.factory import MONTH, bills_of, build_world

PIX_KEY = "08334385000135"


@pytest.fixture
def bill(app):
    profile = app.extensions["sanea.profile"]
    app.extensions["sanea.profile"] = dataclasses.replace(profile, pix_key=PIX_KEY)
    world = build_world()
    prop = world.add_property(install_reading=100)
    world.history(
        prop, (202410, 11), (202411, 14), (202412, 9), (202501, 12), (202502, 13)
    )
    world.read(prop, 120)
    db.session.commit()
    start_job(BILL_GROUP, {"group_id": world.group.id, "reference_month": MONTH})
    (bill,) = bills_of(prop)
    return bill


def _pdf(bill, tmp_path):
    path = tmp_path / "conta.pdf"
    path.write_bytes(render_bill_pdf(bill.id))
    return path


def test_bill_carries_a_valid_pix_code(bill):
    code = parse_brcode(bill.pix_code)
    assert code.amount == bill.total
    assert code.key == PIX_KEY
    assert (code.merchant_name, code.merchant_city) == ("CAERN", "NATAL")
    assert code.txid == f"{bill.property.registration:09d}20250300"


def test_bill_pdf_text_shows_typed_line_and_pix_text(bill, tmp_path):
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) missing")
    path = _pdf(bill, tmp_path)

    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    assert format_typed_line(bill.typed_line) in text
    assert bill.pix_code in [line.strip() for line in text.splitlines()]
    assert "SEGUNDA VIA" in text
    assert "Companhia de Águas e Esgotos do Rio Grande do Norte" in text
    assert f"{bill.property.registration_display}" in text
    for month in ("10/2024", "11/2024", "12/2024", "01/2025", "02/2025", "03/2025"):
        assert month in text
    assert "126,96" in text  # 20 m³ of the Bela Vista tariff
    # Only payable lines fill the Valor column: water 87,56 + sewer 39,40.
    assert "mínimo até 10 m³: R$ 40,17" in text
    assert "faixa 11–15 m³: R$ 23,16" in text and "faixa 16–20 m³: R$ 24,23" in text
    last = {line.strip().split()[0]: line.split()[-1] for line in text.splitlines()
            if line.strip().startswith(("Água —", "Esgoto —", "faixa"))}
    assert last == {"Água": "87,56", "Esgoto": "39,40", "faixa": "4,8451"}  # a price


def test_bill_pdf_page_decodes_to_the_same_barcode_and_pix(bill, tmp_path):
    need(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) missing")
    need(shutil.which("zbarimg") is not None, "zbarimg (zbar-tools) missing")
    path = _pdf(bill, tmp_path)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "200",
            "-png",
            "-singlefile",
            str(path),
            str(tmp_path / "conta"),
        ],
        check=True,
    )

    found = subprocess.run(
        ["zbarimg", "-q", str(tmp_path / "conta.png")], capture_output=True, text=True
    ).stdout.splitlines()

    assert sorted(found) == sorted([f"I2/5:{bill.barcode}", f"QR-Code:{bill.pix_code}"])


def test_pix_text_size_keeps_it_on_one_line():
    assert pix_font_size("x" * 100) == 7.0
    assert pix_font_size("x" * 190) == 4.6
