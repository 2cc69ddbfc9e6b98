from datetime import date

import pytest

from core.services.calendar import BusinessCalendar, DeadlineMode

RN_EXTRA = {(11, 21): "Dia de Nossa Senhora da Apresentação"}


@pytest.mark.parametrize(
    ("start", "count", "calendar", "expected"),
    [
        # micromedicao-cadastro.md §2 test vectors, national holidays only.
        (date(2024, 11, 14), 5, BusinessCalendar(), date(2024, 11, 25)),
        (date(2025, 4, 17), 3, BusinessCalendar(), date(2025, 4, 24)),
        (date(2025, 10, 1), 3, BusinessCalendar(), date(2025, 10, 6)),
        (date(2025, 10, 1), 3, BusinessCalendar("RN"), date(2025, 10, 7)),
        (date(2025, 2, 28), 2, BusinessCalendar(), date(2025, 3, 4)),
        (
            date(2025, 2, 28),
            2,
            BusinessCalendar(optional_days_as_holidays=True),
            date(2025, 3, 6),
        ),
        (date(2025, 6, 18), 2, BusinessCalendar(), date(2025, 6, 20)),
        (
            date(2025, 6, 18),
            2,
            BusinessCalendar(optional_days_as_holidays=True),
            date(2025, 6, 23),
        ),
        (date(2025, 12, 23), 5, BusinessCalendar(), date(2025, 12, 31)),
    ],
)
def test_calendar_add_business_days_matches_spec_vectors(
    start, count, calendar, expected
):
    assert calendar.add_business_days(start, count) == expected


def test_calendar_calendar_days_rolled_matches_spec_vector():
    calendar = BusinessCalendar()

    assert calendar.add_calendar_days_rolled(date(2025, 11, 10), 10) == date(
        2025, 11, 21
    )


def test_calendar_tiradentes_and_good_friday_are_holidays():
    calendar = BusinessCalendar("MS")

    assert calendar.holiday_name(date(2025, 4, 21)) == "Tiradentes"
    assert calendar.holiday_name(date(2025, 4, 18)) == "Sexta-feira Santa"
    assert not calendar.is_business_day(date(2025, 4, 21))


def test_calendar_carnival_is_business_day_by_default():
    calendar = BusinessCalendar("SP")

    assert calendar.is_business_day(date(2025, 3, 4))
    assert calendar.holiday_name(date(2025, 3, 4)) is None


def test_calendar_optional_days_close_carnival_and_corpus_christi():
    calendar = BusinessCalendar("SP", optional_days_as_holidays=True)

    assert calendar.holiday_name(date(2025, 3, 3)) == "Carnaval"
    assert calendar.holiday_name(date(2025, 3, 4)) == "Carnaval"
    assert calendar.holiday_name(date(2025, 6, 19)) == "Corpus Christi"
    assert not calendar.is_business_day(date(2025, 12, 24))


def test_calendar_ash_wednesday_stays_business_day():
    calendar = BusinessCalendar("SP", optional_days_as_holidays=True)

    assert calendar.is_business_day(date(2025, 3, 5))


def test_calendar_black_awareness_day_is_national_from_2024():
    calendar = BusinessCalendar()

    assert not calendar.is_business_day(date(2024, 11, 20))
    assert calendar.is_business_day(date(2023, 11, 20))


def test_calendar_state_holidays_depend_on_state():
    assert not BusinessCalendar("RN").is_business_day(date(2025, 10, 3))
    assert BusinessCalendar().is_business_day(date(2025, 10, 3))
    assert BusinessCalendar("sp").holiday_name(date(2025, 7, 9)) == (
        "Revolução Constitucionalista"
    )


def test_calendar_municipal_recurring_holiday_applies_every_year():
    calendar = BusinessCalendar("RN", RN_EXTRA)

    assert calendar.holiday_name(date(2025, 11, 21)) == (
        "Dia de Nossa Senhora da Apresentação"
    )
    assert not calendar.is_business_day(date(2024, 11, 21))
    assert calendar.is_business_day(date(2025, 11, 24))


def test_calendar_municipal_dates_without_names_get_default_name():
    calendar = BusinessCalendar(
        "MS", municipal_holidays=[date(2025, 7, 14)], extra_holidays=[(12, 8)]
    )

    assert calendar.holiday_name(date(2025, 7, 14)) == "Feriado municipal"
    assert calendar.is_business_day(date(2026, 7, 14))
    assert calendar.holiday_name(date(2025, 12, 8)) == "Feriado"


def test_calendar_weekend_is_not_business_day_without_holiday_name():
    calendar = BusinessCalendar()

    assert not calendar.is_business_day(date(2025, 3, 8))
    assert calendar.holiday_name(date(2025, 3, 8)) is None


def test_calendar_next_business_day_keeps_business_day():
    calendar = BusinessCalendar()

    assert calendar.next_business_day(date(2025, 3, 10)) == date(2025, 3, 10)
    assert calendar.next_business_day(date(2025, 3, 8)) == date(2025, 3, 10)


def test_calendar_roll_forward_skips_weekend_and_holiday():
    calendar = BusinessCalendar()

    assert calendar.roll_forward(date(2025, 4, 18)) == date(2025, 4, 22)


def test_calendar_add_business_days_zero_and_negative():
    calendar = BusinessCalendar()

    assert calendar.add_business_days(date(2025, 3, 8), 0) == date(2025, 3, 8)
    assert calendar.add_business_days(date(2025, 4, 22), -1) == date(2025, 4, 17)


def test_calendar_business_days_between_counts_after_start():
    calendar = BusinessCalendar()

    assert calendar.business_days_between(date(2025, 4, 17), date(2025, 4, 22)) == 1
    assert calendar.business_days_between(date(2025, 3, 10), date(2025, 3, 10)) == 0


def test_calendar_deadline_counts_by_mode():
    calendar = BusinessCalendar()
    start = date(2025, 11, 10)

    assert calendar.deadline(start, 10, DeadlineMode.BUSINESS) == date(2025, 11, 25)
    assert calendar.deadline(start, 10, "calendar") == date(2025, 11, 20)
    assert calendar.deadline(start, 10, "calendar_rolled") == date(2025, 11, 21)


def test_calendar_unknown_state_is_refused():
    with pytest.raises(ValueError, match="UF desconhecida"):
        BusinessCalendar("XX")


def test_calendar_invalid_recurring_day_is_refused():
    with pytest.raises(ValueError, match="Feriado inválido"):
        BusinessCalendar(municipal_holidays=[(2, 30)])
