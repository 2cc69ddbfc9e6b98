from datetime import date
from decimal import Decimal

import pytest

from core.services.calendar import BusinessCalendar
from core.services.late_charges import (
    FineMode,
    InterestMode,
    LateChargeRules,
    MonetaryIndex,
    compute_late_charges,
    months_between,
)

CALENDAR = BusinessCalendar("MS")
RULES = LateChargeRules(fine_percent=Decimal("2"), interest_percent=Decimal("1"))
AMOUNT = Decimal("100.00")


def test_late_charges_due_on_saturday_paid_monday_pay_nothing():
    charges = compute_late_charges(
        AMOUNT, date(2025, 3, 8), date(2025, 3, 10), RULES, CALENDAR
    )

    assert charges.total == Decimal("0.00")
    assert charges.business_days_late == 0


def test_late_charges_nine_days_late_pay_fine_and_pro_rata_interest():
    charges = compute_late_charges(
        AMOUNT, date(2025, 3, 10), date(2025, 3, 19), RULES, CALENDAR
    )

    assert charges.days_late == 9
    assert charges.fine == Decimal("2.00")
    assert charges.interest == Decimal("0.30")
    assert charges.monetary_update == Decimal("0.00")
    assert charges.total == Decimal("2.30")


def test_late_charges_due_on_holiday_paid_next_business_day_pay_nothing():
    # 21/04/2025 (Monday) is Tiradentes; the next business day is 22/04.
    on_time = compute_late_charges(
        AMOUNT, date(2025, 4, 21), date(2025, 4, 22), RULES, CALENDAR
    )
    late = compute_late_charges(
        AMOUNT, date(2025, 4, 21), date(2025, 4, 23), RULES, CALENDAR
    )

    assert on_time.total == Decimal("0.00")
    assert (late.days_late, late.fine, late.interest) == (
        2,
        Decimal("2.00"),
        Decimal("0.07"),
    )


def test_late_charges_weekend_due_paid_later_counts_from_original_due_date():
    charges = compute_late_charges(
        AMOUNT, date(2025, 3, 8), date(2025, 3, 11), RULES, CALENDAR
    )

    assert charges.days_late == 3
    assert charges.interest == Decimal("0.10")


def test_late_charges_paid_on_time_or_by_direct_debit_pay_nothing():
    early = compute_late_charges(
        AMOUNT, date(2025, 3, 10), date(2025, 3, 10), RULES, CALENDAR
    )
    debit = compute_late_charges(
        AMOUNT, date(2025, 3, 10), date(2025, 4, 10), RULES, CALENDAR, direct_debit=True
    )

    assert early.total == debit.total == Decimal("0.00")


def test_late_charges_tolerance_counts_business_days():
    rules = LateChargeRules(
        fine_percent=Decimal("2"),
        interest_percent=Decimal("1"),
        tolerance_business_days=3,
    )

    # 10/03 to 13/03 is 3 business days late: tolerated; 14/03 is 4.
    tolerated = compute_late_charges(
        AMOUNT, date(2025, 3, 10), date(2025, 3, 13), rules, CALENDAR
    )
    charged = compute_late_charges(
        AMOUNT, date(2025, 3, 10), date(2025, 3, 14), rules, CALENDAR
    )

    assert tolerated.total == Decimal("0.00")
    assert charged.total == Decimal("2.13")


def test_late_charges_monthly_interest_with_monetary_update():
    # cobranca-faturamento.md §1.2-1: 100,00 due 10/01/2024 paid 10/04/2024.
    rules = LateChargeRules(
        fine_percent=Decimal("2"),
        interest_percent=Decimal("1"),
        interest_mode=InterestMode.MONTHLY,
    )
    index = MonetaryIndex(Decimal("1.000000"), Decimal("1.020000"))

    charges = compute_late_charges(
        AMOUNT, date(2024, 1, 10), date(2024, 4, 10), rules, CALENDAR, index=index
    )

    assert charges.months_late == 3
    assert (charges.fine, charges.interest, charges.monetary_update) == (
        Decimal("2.00"),
        Decimal("3.00"),
        Decimal("2.00"),
    )
    assert AMOUNT + charges.total == Decimal("107.00")


def test_late_charges_monthly_interest_ignores_part_of_month():
    rules = LateChargeRules(
        interest_percent=Decimal("1"), interest_mode=InterestMode.MONTHLY
    )

    charges = compute_late_charges(
        AMOUNT, date(2024, 1, 10), date(2024, 2, 9), rules, CALENDAR
    )

    assert charges.interest == Decimal("0.00")


def test_late_charges_daily_fine_and_interest_are_capped():
    rules = LateChargeRules(
        fine_percent=Decimal("0.33"),
        fine_mode=FineMode.DAILY,
        fine_cap_percent=Decimal("2"),
        interest_percent=Decimal("0.1"),
        interest_mode=InterestMode.DAILY,
        interest_cap_percent=Decimal("1.5"),
    )

    short = compute_late_charges(
        AMOUNT, date(2025, 3, 10), date(2025, 3, 13), rules, CALENDAR
    )
    long = compute_late_charges(
        AMOUNT, date(2025, 3, 10), date(2025, 4, 10), rules, CALENDAR
    )

    assert (short.fine, short.interest) == (Decimal("0.99"), Decimal("0.30"))
    assert (long.fine, long.interest) == (Decimal("2.00"), Decimal("1.50"))


def test_late_charges_fine_already_billed_is_not_charged_again():
    skipped = compute_late_charges(
        AMOUNT, date(2025, 3, 10), date(2025, 3, 19), RULES, CALENDAR, charge_fine=False
    )
    reduced = compute_late_charges(
        AMOUNT,
        date(2025, 3, 10),
        date(2025, 3, 19),
        RULES,
        CALENDAR,
        fines_already_charged=Decimal("50.00"),
    )

    assert skipped.fine == Decimal("0.00")
    assert reduced.fine == Decimal("1.00")


def test_late_charges_monetary_update_waits_for_month_threshold():
    rules = LateChargeRules(correction_after_months=3)
    index = MonetaryIndex(Decimal("1.000000"), Decimal("1.020000"))

    three = compute_late_charges(
        AMOUNT, date(2024, 1, 10), date(2024, 4, 10), rules, CALENDAR, index=index
    )
    four = compute_late_charges(
        AMOUNT, date(2024, 1, 10), date(2024, 5, 10), rules, CALENDAR, index=index
    )

    assert three.monetary_update == Decimal("0.00")
    assert four.monetary_update == Decimal("2.00")


def test_late_charges_monetary_update_is_never_negative():
    index = MonetaryIndex(Decimal("1.02"), Decimal("1.00"))

    charges = compute_late_charges(
        AMOUNT,
        date(2024, 1, 10),
        date(2024, 4, 10),
        LateChargeRules(),
        CALENDAR,
        index=index,
    )

    assert charges.monetary_update == Decimal("0.00")


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2024, 1, 10), date(2024, 4, 10), 3),
        (date(2024, 1, 10), date(2024, 4, 9), 2),
        (date(2024, 1, 31), date(2024, 2, 29), 1),
        (date(2024, 1, 31), date(2024, 2, 28), 0),
        (date(2024, 3, 10), date(2024, 1, 10), 0),
    ],
)
def test_months_between_counts_whole_months(start, end, months):
    assert months_between(start, end) == months
