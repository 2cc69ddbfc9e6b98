"""Billing tests run on the day after the March 2025 readings."""

import pytest


@pytest.fixture
def app(make_app):
    """A CAERN app whose clock says 11/03/2025, the schedule's billing date."""
    application = make_app(fixed_today="2025-03-11")
    with application.app_context():
        yield application
