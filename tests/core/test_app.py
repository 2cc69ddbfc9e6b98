"""The app factory, startup order and the admin's login page."""

from core.extensions import db
from core.domain.cadastre import Property


def test_create_app_loads_company_profile(app):
    profile = app.extensions["sanea.profile"]
    assert profile.slug == "caern"
    assert profile.febraban_code == "0006"


def test_login_page_speaks_portuguese(client):
    page = client.get("/login/").get_data(as_text=True)
    assert "Entrar" in page
    assert "Registrar" not in page


def test_admin_lists_properties_after_login(admin_client):
    response = admin_client.get("/propertyview/list/")
    assert response.status_code == 200
    assert "Imóveis" in response.get_data(as_text=True)
    assert db.session.query(Property).count() == 0
