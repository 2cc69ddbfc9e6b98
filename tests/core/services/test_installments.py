from decimal import ROUND_HALF_DOWN, Decimal

import pytest

from core.services.installments import (
    InstallmentFormula,
    InstallmentTerm,
    installment_value,
    resolve_down_payment,
    simulate_installments,
)

# UC2034 fixture: "entrada ≥ 10 %, até 12×, juros 1 % a.m., sem desconto".
BOT_PROFILE = [InstallmentTerm(12, Decimal("1.00"), Decimal("10"))]


def option(options, count):
    return next(item for item in options if item.installments == count)


def test_installment_value_compound_matches_gsan_formula_example():
    # integracao-portal-mobile.md §5.9: a = 567,00, i = 1 %, n = 6.
    assert installment_value(Decimal("567.00"), 6, 1) == (
        Decimal("100.31"),
        Decimal("601.88"),
    )


@pytest.mark.parametrize(
    ("percent", "formula", "shown", "total"),
    [
        # cobranca-faturamento.md §1.2-4: 900,00 in 9×.
        (Decimal("1"), InstallmentFormula.COMPOUND, "109.37", "984.32"),
        (Decimal("1"), InstallmentFormula.PRICE, "105.07", "945.63"),
        (Decimal("0"), InstallmentFormula.COMPOUND, "100.00", "900.00"),
        (Decimal("0"), InstallmentFormula.PRICE, "100.00", "900.00"),
    ],
)
def test_installment_value_by_formula(percent, formula, shown, total):
    assert installment_value(Decimal("900.00"), 9, percent, formula) == (
        Decimal(shown),
        Decimal(total),
    )


def test_installment_value_rounding_of_compound_total_is_a_parameter():
    # 0,50 × 1,01 = 0,5050: half-up gives 0,51, GSAN's half-down 0,50.
    assert installment_value(Decimal("0.50"), 1, 1) == (
        Decimal("0.51"),
        Decimal("0.51"),
    )
    assert installment_value(Decimal("0.50"), 1, 1, rounding=ROUND_HALF_DOWN) == (
        Decimal("0.50"),
        Decimal("0.50"),
    )


def test_simulate_installments_matches_bot_vector():
    options = simulate_installments(Decimal("630.00"), BOT_PROFILE)

    six = option(options, 6)
    assert len(options) == 12
    assert six.minimum_down_payment == Decimal("63.00")
    assert six.down_payment == Decimal("63.00")
    assert six.financed == Decimal("567.00")
    assert six.installment_value == Decimal("100.31")
    assert six.financed_total == Decimal("601.88")
    assert six.interest == Decimal("34.88")
    assert six.monthly_interest_percent == Decimal("1.00")
    assert six.total == Decimal("664.88")


def test_simulate_installments_last_installment_absorbs_remainder():
    six = option(simulate_installments(Decimal("630.00"), BOT_PROFILE), 6)

    assert six.schedule == (Decimal("100.31"),) * 5 + (Decimal("100.33"),)
    assert sum(six.schedule) == six.financed_total


def test_simulate_installments_matches_bot_spec_without_and_with_interest():
    # cobranca-faturamento.md UC2034: 1.000,00, up to 9×, entry ≥ 10 %.
    free = simulate_installments(
        Decimal("1000.00"), [InstallmentTerm(9, Decimal("0"), Decimal("10"))]
    )
    charged = simulate_installments(
        Decimal("1000.00"), [InstallmentTerm(9, Decimal("1"), Decimal("10"))]
    )

    assert (option(free, 9).down_payment, option(free, 9).installment_value) == (
        Decimal("100.00"),
        Decimal("100.00"),
    )
    assert option(charged, 9).installment_value == Decimal("109.37")
    assert option(charged, 9).schedule[-1] == Decimal("109.44")


def test_simulate_installments_price_table():
    options = simulate_installments(
        Decimal("1000.00"),
        [InstallmentTerm(9, Decimal("1"), Decimal("10"))],
        formula=InstallmentFormula.PRICE,
    )

    nine = option(options, 9)
    assert nine.installment_value == Decimal("105.07")
    assert nine.schedule == (Decimal("105.07"),) * 9
    assert nine.interest == Decimal("45.63")


def test_simulate_installments_takes_rate_of_first_term_allowing_count():
    terms = [
        InstallmentTerm(12, Decimal("1.5"), Decimal("20")),
        InstallmentTerm(3, Decimal("0"), Decimal("10")),
    ]

    options = simulate_installments(Decimal("600.00"), terms)

    three, four = option(options, 3), option(options, 4)
    assert (three.monthly_interest_percent, three.down_payment) == (
        Decimal("0"),
        Decimal("60.00"),
    )
    assert three.installment_value == Decimal("180.00")
    assert (four.monthly_interest_percent, four.down_payment) == (
        Decimal("1.5"),
        Decimal("120.00"),
    )
    # 480,00 × 1,015^4 = 509,4545… → 509,45; / 4 = 127,3625 → 127,36.
    assert (four.financed_total, four.installment_value) == (
        Decimal("509.45"),
        Decimal("127.36"),
    )


def test_simulate_installments_stop_below_minimum_installment():
    options = simulate_installments(
        Decimal("630.00"), BOT_PROFILE, minimum_installment=Decimal("60.00")
    )

    assert [item.installments for item in options] == list(range(1, 11))
    assert option(options, 10).installment_value == Decimal("62.63")


def test_simulate_installments_may_go_below_minimum_installment_with_permission():
    options = simulate_installments(
        Decimal("630.00"),
        BOT_PROFILE,
        minimum_installment=Decimal("60.00"),
        may_lower_installment=True,
    )

    assert len(options) == 12


def test_simulate_installments_raise_typed_down_payment_to_minimum():
    raised = simulate_installments(
        Decimal("630.00"), BOT_PROFILE, down_payment=Decimal("50.00")
    )
    kept = simulate_installments(
        Decimal("630.00"),
        BOT_PROFILE,
        down_payment=Decimal("50.00"),
        may_lower_down_payment=True,
    )

    assert option(raised, 6).down_payment == Decimal("63.00")
    assert option(kept, 6).down_payment == Decimal("50.00")
    assert option(kept, 6).financed == Decimal("580.00")


def test_simulate_installments_refuse_down_payment_above_debt():
    with pytest.raises(ValueError, match="entrada não pode ser maior"):
        simulate_installments(Decimal("630.00"), BOT_PROFILE, down_payment=700)


def test_simulate_installments_refuse_empty_debt():
    with pytest.raises(ValueError, match="Não há débito"):
        simulate_installments(Decimal("0.00"), BOT_PROFILE)


def test_simulate_installments_whole_debt_as_down_payment_has_no_options():
    assert simulate_installments(Decimal("630.00"), BOT_PROFILE, down_payment=630) == []


def test_resolve_down_payment_without_typed_value_takes_first_available():
    assert resolve_down_payment(
        minimum=Decimal("63.00"), suggested=Decimal("94.50")
    ) == Decimal("94.50")
    assert resolve_down_payment(
        minimum=Decimal("63.00"),
        suggested=Decimal("94.50"),
        last_overdue_bill=Decimal("120.00"),
    ) == Decimal("120.00")
    assert resolve_down_payment(reinstallment=Decimal("40.00")) == Decimal("40.00")
    assert resolve_down_payment() == Decimal("0.00")


def test_resolve_down_payment_typed_value_keeps_largest_floor():
    assert resolve_down_payment(
        typed=Decimal("70.00"),
        minimum=Decimal("63.00"),
        reinstallment=Decimal("80.00"),
    ) == Decimal("80.00")
    assert resolve_down_payment(typed=Decimal("70.00"), minimum=Decimal("63.00")) == (
        Decimal("70.00")
    )


def test_simulate_installments_use_suggested_down_payment_percent():
    options = simulate_installments(
        Decimal("630.00"), BOT_PROFILE, suggested_down_payment_percent=Decimal("15")
    )

    assert option(options, 6).down_payment == Decimal("94.50")
