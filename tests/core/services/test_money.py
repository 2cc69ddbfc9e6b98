from decimal import ROUND_HALF_DOWN, Decimal

import pytest

from core.services.money import (
    format_brl,
    format_number,
    installment_amount,
    parse_decimal,
    parse_money,
    split_installments,
    to_money,
    truncate_money,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.005"), "0.01"),
        (Decimal("2.675"), "2.68"),
        (Decimal("-0.005"), "-0.01"),
        (Decimal("18.0765"), "18.08"),
        ("10.994", "10.99"),
        (7, "7.00"),
    ],
)
def test_to_money_rounds_half_up(value, expected):
    assert to_money(value) == Decimal(expected)


def test_to_money_accepts_other_rounding():
    assert to_money(Decimal("0.125"), ROUND_HALF_DOWN) == Decimal("0.12")


def test_to_money_refuses_float():
    with pytest.raises(TypeError):
        to_money(0.1)


def test_truncate_money_rounds_towards_zero():
    assert truncate_money(Decimal("33.339")) == Decimal("33.33")
    assert truncate_money(Decimal("-33.339")) == Decimal("-33.33")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("R$ 1.234,56", "1234.56"),
        ("R$\u00a012.345.678,90", "12345678.90"),
        ("1234,5", "1234.5"),
        ("1.234", "1234"),
        ("4,6319", "4.6319"),
        ("-R$ 1,00", "-1.00"),
        ("R$ -0,50", "-0.50"),
        (" 0 ", "0"),
    ],
)
def test_parse_decimal_reads_pt_br_numbers(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "1,234.56", "1.23,4", "12,", "abc", "1..234"])
def test_parse_decimal_refuses_malformed_text(text):
    with pytest.raises(ValueError, match="Número inválido"):
        parse_decimal(text)


def test_parse_money_returns_cents():
    assert str(parse_money("1.234,5")) == "1234.50"


def test_parse_money_refuses_more_than_two_places():
    with pytest.raises(ValueError, match="duas casas decimais"):
        parse_money("10,555")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.56"), "R$ 1.234,56"),
        (Decimal("0.5"), "R$ 0,50"),
        (Decimal("1234567"), "R$ 1.234.567,00"),
        (Decimal("-1"), "-R$ 1,00"),
        (Decimal("999.995"), "R$ 1.000,00"),
    ],
)
def test_format_brl_writes_reais(value, expected):
    assert format_brl(value) == expected


def test_format_number_keeps_requested_places():
    assert format_number(Decimal("4.6319"), 4) == "4,6319"
    assert format_number(Decimal("-1234.5")) == "-1.234,50"


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [
        ("100.00", 3, ["33.33", "33.33", "33.34"]),
        ("10.00", 3, ["3.33", "3.33", "3.34"]),
        ("0.05", 3, ["0.01", "0.01", "0.03"]),
        ("601.88", 6, ["100.31"] * 5 + ["100.33"]),
        ("50.00", 1, ["50.00"]),
    ],
)
def test_split_installments_last_absorbs_remainder(total, count, expected):
    installments = split_installments(Decimal(total), count)

    assert installments == [Decimal(item) for item in expected]
    assert sum(installments) == Decimal(total)


def test_split_installments_refuses_zero_count():
    with pytest.raises(ValueError, match="pelo menos 1"):
        split_installments(Decimal("10.00"), 0)


def test_installment_amount_matches_split():
    assert installment_amount(Decimal("100.00"), 3, 1) == Decimal("33.33")
    assert installment_amount(Decimal("100.00"), 3, 3) == Decimal("33.34")
    with pytest.raises(ValueError, match="fora do intervalo"):
        installment_amount(Decimal("100.00"), 3, 4)
