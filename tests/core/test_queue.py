"""Jobs inline without Redis; the RQ dashboard behind the admin login with it."""

import pytest

from core.settings import INSTANCE_DIR, Settings
from tests.conftest import REDIS_URL, login, need_service


def test_without_redis_jobs_run_inline(app):
    assert app.extensions["sanea.queue"] is None
    assert "rq_dashboard" not in app.blueprints


@pytest.mark.redis
def test_rq_dashboard_requires_admin_login(make_app):
    need_service(REDIS_URL, "SANEA_TEST_REDIS_URL")
    app = make_app(redis_url=REDIS_URL)
    with app.app_context():
        anonymous = app.test_client()
        assert anonymous.get("/admin/rq/").status_code == 401
        admin = login(app.test_client())
        page = admin.get("/admin/rq/")
        assert page.status_code == 200
        assert "RQ" in page.get_data(as_text=True)


def test_secret_key_shorter_than_32_bytes_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        Settings(secret_key="curta").resolved_secret_key()


def test_settings_read_from_environment():
    settings = Settings.from_env({"SANEA_COMPANY": "cagepa",
                                  "SANEA_REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert settings.company == "cagepa"
    assert settings.redis_url == "redis://127.0.0.1:6379/3"
    assert settings.resolved_database_url() == f"sqlite:///{INSTANCE_DIR / 'sanea.db'}"
