"""The app factory, startup order and the admin's login page."""

from core.domain.cadastre import Property
from core.extensions import db


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


def test_unknown_page_answers_in_portuguese_inside_the_admin(admin_client):
    response = admin_client.get("/pagina-que-nao-existe")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "404 — Página não encontrada" in body
    assert "Voltar ao início" in body
    assert "Not Found" not in body


def test_unknown_api_route_keeps_the_problem_body(client):
    response = client.get("/api/v1/nao-existe")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "Não há recurso neste endereço."


def test_server_error_page_is_portuguese(make_app):
    app = make_app()

    @app.route("/_boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/_boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "500 — Erro interno" in body
    assert "Nada foi gravado" in body


def test_bare_screen_address_goes_to_its_list(admin_client):
    response = admin_client.get("/propertyview/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/propertyview/list/")
