"""The CNAB 150 return-file layout: reading, writing and refusing."""

from datetime import date
from decimal import Decimal

import pytest

from core.payments.cnab150 import (
    CnabError,
    Header,
    build_return_file,
    detail_record,
    parse_return_file,
)
from core.services.barcode import build_bill_barcode

HEADER = Header(2, "123456", "CAERN", "001", "BANCO DO BRASIL", date(2025, 3, 20),
                17, "05", "CODIGO DE BARRAS")
BARCODE = build_bill_barcode(Decimal("100.00"), "0006", 1, 1234560, 2025, 2)


def _file(*amounts: str) -> str:
    details = [
        detail_record(BARCODE, Decimal(a), date(2025, 3, 19), sequence=i + 1)
        for i, a in enumerate(amounts)
    ]
    return build_return_file(HEADER, details)


def test_cnab150_reads_header_details_and_trailer():
    parsed = parse_return_file(_file("100.00", "99.98").encode("latin-1"))

    assert parsed.header.nsa == 17
    assert parsed.header.bank_code == "001"
    assert parsed.header.generated_on == date(2025, 3, 20)
    assert [d.amount for d in parsed.details] == [Decimal("100.00"), Decimal("99.98")]
    assert parsed.details[1].barcode == BARCODE
    assert parsed.details[1].line_number == 3
    assert parsed.details[0].paid_on == date(2025, 3, 19)
    assert parsed.trailer.record_count == 4
    assert parsed.trailer.total == Decimal("199.98")
    assert len(parsed.lines) == 4 and all(len(x) == 150 for x in parsed.lines)


def test_cnab150_refuses_short_record_with_its_line():
    lines = _file("100.00", "50.00").split("\r\n")
    lines[2] = lines[2][:149]

    with pytest.raises(CnabError) as caught:
        parse_return_file("\r\n".join(lines))

    assert caught.value.line_number == 3
    assert "149 caracteres" in str(caught.value)


def test_cnab150_refuses_non_numeric_amount():
    lines = _file("100.00").split("\r\n")
    lines[1] = lines[1][:85] + "X" + lines[1][86:]

    with pytest.raises(CnabError, match="Linha 2: campo valor recebido"):
        parse_return_file("\r\n".join(lines))


def test_cnab150_refuses_trailer_total_that_does_not_add_up():
    lines = _file("100.00", "50.00").split("\r\n")
    lines[3] = lines[3][:7] + "00000000000015001" + lines[3][24:]

    with pytest.raises(CnabError) as caught:
        parse_return_file("\r\n".join(lines))

    assert caught.value.line_number == 4
    assert "150.01" in caught.value.message


def test_cnab150_refuses_unknown_record_and_missing_trailer():
    lines = _file("100.00").split("\r\n")
    with pytest.raises(CnabError, match="Linha 2: tipo de registro 'F'"):
        parse_return_file("\r\n".join([lines[0], "F" + lines[1][1:], lines[2]]))
    with pytest.raises(CnabError, match="sem trailer"):
        parse_return_file("\r\n".join(lines[:2]))


def test_cnab150_refuses_remittance_file_and_invalid_date():
    lines = _file("100.00").split("\r\n")
    with pytest.raises(CnabError, match="Linha 1: o arquivo não é de retorno"):
        parse_return_file("\r\n".join(["A1" + lines[0][2:], *lines[1:]]))
    bad_date = lines[1][:21] + "20250231" + lines[1][29:]
    with pytest.raises(CnabError, match="Linha 2: data de pagamento inválida"):
        parse_return_file("\r\n".join([lines[0], bad_date, *lines[2:]]))
