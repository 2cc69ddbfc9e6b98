"""The company's business-day calendar, as the application serves it."""

from datetime import date

from core.calendar_service import (
    add_business_days,
    business_calendar,
    deadline,
    is_business_day,
    next_business_day,
)


def test_calendar_service_counts_rn_state_holiday_for_caern(app):
    # 03/10 (Mártires de Cunhaú e Uruaçu) is a state holiday in RN.
    assert add_business_days(date(2025, 10, 1), 3) == date(2025, 10, 7)


def test_calendar_service_rolls_over_national_and_municipal_days(app):
    # 20/11 is national, 21/11 is Natal's patron day: Thursday to Monday.
    assert next_business_day(date(2025, 11, 20)) == date(2025, 11, 24)
    assert not is_business_day(date(2025, 1, 6))  # Santos Reis (Natal)
    assert deadline(date(2025, 11, 10), 10, "calendar_rolled") == date(2025, 11, 24)


def test_calendar_service_follows_the_company_profile(make_app):
    cagepa = make_app("cagepa")
    with cagepa.app_context():
        assert not is_business_day(date(2025, 8, 5))  # João Pessoa
        assert is_business_day(date(2025, 10, 3))  # RN's holiday, not PB's
        assert is_business_day(date(2025, 1, 6))


def test_calendar_service_caches_one_calendar_per_app(app, make_app):
    other = make_app("cagepa")
    assert business_calendar(app) is business_calendar(app)
    assert business_calendar(other) is not business_calendar(app)
