"""An app on a fixed day (2025-03-20), with its context pushed."""

import pytest


@pytest.fixture
def day_app(make_app):
    application = make_app(fixed_today="2025-03-20")
    with application.app_context():
        yield application
