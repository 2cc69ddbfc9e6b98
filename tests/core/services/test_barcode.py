"""FEBRABAN collection barcode and typed line (core-domain §4.2)."""

from decimal import Decimal

import pytest

from core.services.barcode import (
    BillIdentification,
    InvalidBarcode,
    PaymentType,
    bill_identification,
    build_barcode,
    build_bill_barcode,
    check_digit,
    collection_document_identification,
    customer_collection_document_identification,
    customer_invoice_identification,
    customer_slip_identification,
    decode_bill_identification,
    format_typed_line,
    parse_barcode,
    property_slip_identification,
    reference_check_digit,
    slip_by_id_identification,
    typed_line,
)

# The worked example of core-domain §4.2.
EXAMPLE_IDENTIFICATION = "001001234560010320168000"
EXAMPLE_BARCODE = "82620000001234500180010012345600103201680003"
EXAMPLE_TYPED_LINE = "826200000014 234500180018 001234560017 032016800032"


def _mod11_by_hand(digits: str) -> int:
    """Recompute a mod-11 digit independently of the service (test oracle)."""
    weights = [2, 3, 4, 5, 6, 7, 8, 9] * 6
    total = sum(int(d) * w for d, w in zip(reversed(digits), weights, strict=False))
    remainder = total % 11
    return 0 if remainder in (0, 1) else 11 - remainder


def _change_digit(code: str, index: int, digit: str) -> str:
    return code[:index] + digit + code[index + 1 :]


# -- worked example ------------------------------------------------------------


def test_bill_identification_matches_worked_example():
    identification = bill_identification(1, 1234560, 2016, 3)
    assert identification == EXAMPLE_IDENTIFICATION


def test_reference_check_digit_of_march_2016_is_8():
    assert reference_check_digit(2016, 3) == 8


def test_build_barcode_matches_worked_example():
    barcode = build_barcode(
        Decimal("123.45"), "0018", EXAMPLE_IDENTIFICATION, PaymentType.BILL
    )
    assert barcode == EXAMPLE_BARCODE
    assert barcode[3] == "2"  # general DV of the example


def test_build_bill_barcode_matches_worked_example():
    barcode = build_bill_barcode(Decimal("123.45"), 18, 1, 1234560, 2016, 3)
    assert barcode == EXAMPLE_BARCODE


def test_typed_line_matches_worked_example():
    assert typed_line(EXAMPLE_BARCODE) == EXAMPLE_TYPED_LINE.replace(" ", "")
    assert format_typed_line(EXAMPLE_BARCODE) == EXAMPLE_TYPED_LINE


def test_parse_barcode_decodes_worked_example():
    parsed = parse_barcode(EXAMPLE_BARCODE)
    assert parsed.product == 8
    assert parsed.segment == 2
    assert parsed.value_id == 6
    assert parsed.general_check_digit == 2
    assert parsed.modulus == 10
    assert parsed.value == Decimal("123.45")
    assert parsed.reference_quantity is None
    assert parsed.company_code == "0018"
    assert parsed.identification == EXAMPLE_IDENTIFICATION
    assert parsed.payment_type == PaymentType.BILL
    assert parsed.bill == BillIdentification(
        locality=1,
        registration=1234560,
        year=2016,
        month=3,
        reference_check_digit=8,
        nine_digit_registration=True,
    )


@pytest.mark.parametrize(
    "code",
    [
        EXAMPLE_TYPED_LINE,
        EXAMPLE_TYPED_LINE.replace(" ", ""),
        "82620000001-4 23450018001-8 00123456001-7 03201680003-2",
        "826200000014.234500180018.001234560017.032016800032",
    ],
)
def test_parse_barcode_reads_typed_line_with_or_without_separators(code):
    parsed = parse_barcode(code)
    assert parsed.barcode == EXAMPLE_BARCODE
    assert parsed.bill.registration == 1234560


# -- every check digit is checked ----------------------------------------------


def test_parse_barcode_rejects_every_single_digit_change():
    for index in range(44):
        for digit in "0123456789":
            if digit == EXAMPLE_BARCODE[index]:
                continue
            if index == 2 and digit in "89":
                continue  # switches to mod 11: see the test below
            with pytest.raises(InvalidBarcode):
                parse_barcode(_change_digit(EXAMPLE_BARCODE, index, digit))


def test_parse_barcode_value_id_change_is_checked_in_new_modulus():
    # A changed value id also changes the check algorithm, so the general DV
    # can agree by chance: 6 -> 8 is caught, 6 -> 9 happens to give DV 2 too.
    with pytest.raises(InvalidBarcode):
        parse_barcode(_change_digit(EXAMPLE_BARCODE, 2, "8"))
    misread = parse_barcode(_change_digit(EXAMPLE_BARCODE, 2, "9"))
    assert misread.value is None
    assert misread.reference_quantity == 12345


def test_parse_barcode_names_general_check_digit():
    changed = _change_digit(EXAMPLE_BARCODE, 10, "9")  # a value digit
    with pytest.raises(InvalidBarcode, match="geral") as error:
        parse_barcode(changed)
    assert error.value.code == "DV_GERAL"


def test_parse_barcode_rejects_typed_line_with_one_digit_changed():
    line = EXAMPLE_TYPED_LINE.replace(" ", "")
    for index in range(48):
        digit = "0" if line[index] != "0" else "1"
        with pytest.raises(InvalidBarcode):
            parse_barcode(_change_digit(line, index, digit))


@pytest.mark.parametrize("block", [1, 2, 3, 4])
def test_parse_barcode_names_failed_block(block):
    line = EXAMPLE_TYPED_LINE.replace(" ", "")
    index = block * 12 - 1  # the block's own check digit
    wrong = str((int(line[index]) + 1) % 10)
    with pytest.raises(InvalidBarcode, match=f"bloco {block}") as error:
        parse_barcode(_change_digit(line, index, wrong))
    assert error.value.code == f"DV_BLOCO_{block}"


def test_parse_barcode_rejects_typed_line_with_wrong_general_digit():
    # Blocks re-digited correctly, but the general DV is wrong.
    body = _change_digit(EXAMPLE_BARCODE, 3, "5")
    blocks = [body[start : start + 11] for start in range(0, 44, 11)]
    line = "".join(block + str(check_digit(block, 10)) for block in blocks)
    with pytest.raises(InvalidBarcode) as error:
        parse_barcode(line)
    assert error.value.code == "DV_GERAL"


def test_parse_barcode_rejects_bad_bill_reference_digit():
    identification = EXAMPLE_IDENTIFICATION[:20] + "7" + "000"
    barcode = build_barcode(Decimal("123.45"), 18, identification, PaymentType.BILL)
    with pytest.raises(InvalidBarcode, match="referência") as error:
        parse_barcode(barcode)
    assert error.value.code == "DV_REFERENCIA"


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        (EXAMPLE_BARCODE[:-1], "TAMANHO"),
        (EXAMPLE_BARCODE + "0", "TAMANHO"),
        (EXAMPLE_BARCODE[:-1] + "X", "CARACTERE_INVALIDO"),
        ("7" + EXAMPLE_BARCODE[1:], "PRODUTO"),
        (EXAMPLE_BARCODE[:2] + "5" + EXAMPLE_BARCODE[3:], "IDENTIFICADOR_VALOR"),
    ],
)
def test_parse_barcode_reports_malformed_code(code, error_code):
    with pytest.raises(InvalidBarcode) as error:
        parse_barcode(code)
    assert error.value.code == error_code
    assert isinstance(error.value, ValueError)


# -- mod 11 ------------------------------------------------------------------


def test_build_barcode_mod11_uses_value_id_8_and_own_digit():
    barcode = build_bill_barcode(Decimal("123.45"), 18, 1, 1234560, 2016, 3, modulus=11)
    assert barcode[:3] == "828"
    assert int(barcode[3]) == _mod11_by_hand(barcode[:3] + barcode[4:])
    assert barcode == "82840000001234500180010012345600103201680003"


def test_build_barcode_mod11_round_trips_through_typed_line():
    barcode = build_bill_barcode(Decimal("87.10"), 6, 12, 987654, 2025, 11, modulus=11)
    line = typed_line(barcode)
    blocks = [line[start : start + 12] for start in range(0, 48, 12)]
    assert all(int(block[11]) == _mod11_by_hand(block[:11]) for block in blocks)
    parsed = parse_barcode(format_typed_line(line))
    assert parsed.barcode == barcode
    assert parsed.modulus == 11
    assert parsed.value == Decimal("87.10")
    assert parsed.company_code == "0006"
    assert (parsed.bill.locality, parsed.bill.registration) == (12, 987654)
    assert (parsed.bill.year, parsed.bill.month) == (2025, 11)


def test_parse_barcode_mod11_rejects_changed_value_digit():
    barcode = build_bill_barcode(Decimal("87.10"), 6, 12, 987654, 2025, 11, modulus=11)
    changed = _change_digit(barcode, 12, "9" if barcode[12] != "9" else "8")
    with pytest.raises(InvalidBarcode):
        parse_barcode(changed)


def test_check_digit_mod11_maps_remainder_ten_to_one():
    # "5": 5*2 = 10 -> r = 10 -> 11 - 10 = 1
    assert check_digit("5", 11) == 1
    assert check_digit("6", 11) == 0


def test_check_digit_refuses_other_modulus():
    with pytest.raises(InvalidBarcode):
        check_digit("123", 9)


# -- reference quantities (value ids 7 and 9) ----------------------------------


@pytest.mark.parametrize(("modulus", "value_id"), [(10, 7), (11, 9)])
def test_parse_barcode_reads_reference_quantity(modulus, value_id):
    identification = slip_by_id_identification(2, 1007, 55)
    barcode = build_barcode(
        Decimal(1500), 6, identification, 9, modulus, as_reference=True
    )
    parsed = parse_barcode(barcode)
    assert parsed.value_id == value_id
    assert parsed.modulus == modulus
    assert parsed.value is None
    assert parsed.reference_quantity == 1500
    assert parsed.bill is None
    assert parse_barcode(typed_line(barcode)) == parsed


def test_build_barcode_refuses_fractional_reference_quantity():
    with pytest.raises(InvalidBarcode):
        build_barcode(Decimal("1.5"), 6, "0" * 24, 9, as_reference=True)


# -- building rules --------------------------------------------------------------


def test_build_barcode_refuses_fraction_of_cent_and_negative_value():
    for value in (Decimal("1.005"), Decimal("-1.00"), 1.5):
        with pytest.raises(InvalidBarcode):
            build_barcode(value, 18, EXAMPLE_IDENTIFICATION, 3)


def test_build_barcode_refuses_value_over_eleven_digits():
    with pytest.raises(InvalidBarcode, match="11 dígitos"):
        build_barcode(Decimal("1000000000.00"), 18, EXAMPLE_IDENTIFICATION, 3)


def test_build_barcode_accepts_largest_value_and_zero():
    top = parse_barcode(build_barcode(Decimal("999999999.99"), 18, "0" * 24, 4))
    zero = parse_barcode(build_barcode(Decimal("0"), 18, "0" * 24, 4))
    assert top.value == Decimal("999999999.99")
    assert zero.value == Decimal("0.00")


def test_build_barcode_refuses_long_company_code_and_identification():
    with pytest.raises(InvalidBarcode, match="empresa"):
        build_barcode(Decimal("1.00"), 12345, EXAMPLE_IDENTIFICATION, 3)
    with pytest.raises(InvalidBarcode, match="identificação"):
        build_barcode(Decimal("1.00"), 18, EXAMPLE_IDENTIFICATION + "0", 3)


def test_build_barcode_refuses_short_identification():
    with pytest.raises(InvalidBarcode, match="24 dígitos"):
        build_barcode(Decimal("1.00"), 18, EXAMPLE_IDENTIFICATION[1:], 3)


def test_typed_line_refuses_typed_line_input():
    with pytest.raises(InvalidBarcode):
        typed_line(EXAMPLE_TYPED_LINE)


# -- identification layouts ------------------------------------------------------


def test_bill_identification_refuses_long_registration():
    with pytest.raises(InvalidBarcode, match="Matrícula"):
        bill_identification(1, 1234567890, 2016, 3)


def test_bill_identification_refuses_bad_month():
    with pytest.raises(InvalidBarcode):
        bill_identification(1, 1234560, 2016, 13)


def test_property_slip_identification_lays_out_type_4():
    assert property_slip_identification(1, 1234560, 15, 2025) == (
        "001" + "001234560" + "01" + "015" + "2025" + "000"
    )


def test_collection_document_identification_lays_out_type_5():
    assert collection_document_identification(1, 1234560, 42, 14) == (
        "001" + "001234560" + "000000042" + "14" + "1"
    )


def test_customer_slip_identification_lays_out_type_6():
    assert customer_slip_identification(3, 1002, 99, 2024) == (
        "003" + "00001002" + "000" + "099" + "2024" + "000"
    )


def test_customer_invoice_identification_lays_out_type_7():
    assert customer_invoice_identification(1002, 2025, 2, 17) == (
        "000001002" + "00" + "022025" + str(reference_check_digit(2025, 2)) + "000017"
    )


def test_customer_collection_document_identification_lays_out_type_8():
    assert customer_collection_document_identification(1002, 42, 14) == (
        "000" + "00001002" + "000000042" + "14" + "00"
    )


def test_slip_by_id_identification_lays_out_types_1_and_9():
    assert slip_by_id_identification(1, 1234560, 987) == (
        "001" + "001234560" + "000000987" + "00" + "1"
    )


@pytest.mark.parametrize(
    "identification",
    [
        property_slip_identification(1, 1234560, 15, 2025),
        collection_document_identification(1, 1234560, 42, 14),
        customer_slip_identification(3, 1002, 99, 2024),
        customer_invoice_identification(1002, 2025, 2, 17),
        customer_collection_document_identification(1002, 42, 14),
        slip_by_id_identification(1, 1234560, 987),
    ],
)
def test_identifications_have_24_digits(identification):
    assert len(identification) == 24
    assert identification.isdigit()


def test_decode_bill_identification_reads_eight_digit_layout():
    # Older layout: locality(3) + matrícula(8) + "000" + MMAAAA + DV + "000".
    identification = "001" + "01234560" + "000" + "032016" + "8" + "000"
    decoded = decode_bill_identification(identification)
    assert decoded.registration == 1234560
    assert decoded.nine_digit_registration is False
    assert (decoded.year, decoded.month) == (2016, 3)


def test_decode_bill_identification_refuses_unknown_flag():
    identification = EXAMPLE_IDENTIFICATION[:13] + "2" + EXAMPLE_IDENTIFICATION[14:]
    with pytest.raises(InvalidBarcode) as error:
        decode_bill_identification(identification)
    assert error.value.code == "LEIAUTE_CONTA"
