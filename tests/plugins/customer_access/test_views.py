"""The customer-access admin screens: portal logins and identifications.

The app is CAER's on 2025-03-12 10:00 (Boa Vista, 14:00 UTC); the screens
are used by the administrator's test client, the API by BOT-CAER.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.domain.audit import AuditLog
from core.extensions import db
from plugins.customer_access.models import Identification, PortalLogin
from tests.conftest import csrf_token, login
from tests.pages import listed, panel_title, parse, shown
from tests.plugins.customer_access.world import MARIA_CPF, MARIA_PASSWORD

LOGINS = "/portalloginview"
IDENTIFICATIONS = "/identificationview"


def _maria() -> PortalLogin:
    db.session.expire_all()
    return db.session.scalar(select(PortalLogin).where(
        PortalLogin.document == MARIA_CPF))


def _act(client, action: str, *logins: PortalLogin):
    """Run a list action on the selected logins and follow the redirect."""
    page = client.get(f"{LOGINS}/list/").get_data(as_text=True)
    return client.post(f"{LOGINS}/action_post", data={
        "action": action, "rowid": [str(row.id) for row in logins],
        "csrf_token": csrf_token(page)}, follow_redirects=True)


def _stamp(moment) -> str:
    return f"{moment:%d/%m/%Y %H:%M:%S}"


# --- the lists -----------------------------------------------------------------------


def test_login_list_shows_the_login_without_its_hash(world, admin_client):
    maria = _maria()
    response = admin_client.get(f"{LOGINS}/list/")
    assert response.status_code == 200
    assert panel_title(response) == "Logins de clientes"
    assert listed(response) == [[
        "MARIA DA SILVA", MARIA_CPF, "maria@example.com", "Sim", "ATIVO",
        _stamp(maria.created_at), ""]]
    detail = admin_client.get(f"{LOGINS}/show/{maria.id}")
    assert (shown(detail)["Imóvel do primeiro acesso"], shown(detail)["Nascimento"],
            shown(detail)["Celular"]) == ("123456.0", "17/05/1980", "95991234567")
    for page in (response, detail):
        text = page.get_data(as_text=True)
        assert maria.password_hash not in text and "$argon2" not in text


def test_identification_list_shows_the_factors_without_hashes(bot, admin_client):
    ident = bot.identify(MARIA_CPF)
    bot.post(f"/identificacoes/{ident}/matricula", {"matricula": "1234560"})
    bot.post(f"/identificacoes/{ident}/data-nascimento",
             {"data_nascimento": "1980-05-18"})
    row = db.session.get(Identification, ident)
    response = admin_client.get(f"{IDENTIFICATIONS}/list/")
    assert response.status_code == 200
    assert panel_title(response) == "Identificações de clientes"
    assert listed(response) == [[
        "12/03/2025 14:00:00", "BOT-CAER", "CPF", "MATRICULA", "1", "",
        "12/03/2025 14:15:00"]]
    detail = admin_client.get(f"{IDENTIFICATIONS}/show/{ident}")
    assert shown(detail)["Fatores provados"] == "MATRICULA"
    for page in (response, detail):
        text = page.get_data(as_text=True)
        assert row.document_hash not in text and MARIA_CPF not in text


def test_screens_refuse_a_user_without_permission(app, world, client):
    sm = app.appbuilder.sm
    sm.add_user("atendente", "Atendente", "Teste", "atendente@example.invalid",
                sm.add_role("Atendente"), password="atendente-test-pw")
    assert client.get(f"{LOGINS}/list/").status_code == 302  # to the login page
    login(client, "atendente", "atendente-test-pw")
    for url in (f"{LOGINS}/list/", f"{LOGINS}/show/{_maria().id}",
                f"{IDENTIFICATIONS}/list/"):
        assert client.get(url).status_code == 403, url


# --- block and reactivate -------------------------------------------------------------


@pytest.mark.uc("UC2089")
def test_blocked_login_is_refused_by_the_password_factor(bot, admin_client):
    response = _act(admin_client, "block", _maria())
    assert response.request.path == f"{LOGINS}/list/"
    assert "1 login(s) bloqueado(s)." in parse(response).flashes
    assert listed(response)[0][4] == "BLOQUEADO"
    assert _maria().status == "BLOQUEADO"

    ident = bot.identify(MARIA_CPF)
    assert "SENHA" not in db.session.get(Identification, ident).passed()
    refused = bot.post(f"/identificacoes/{ident}/senha", {"senha": MARIA_PASSWORD})
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "FATOR_NAO_APLICAVEL"
    assert refused.get_json()["detail"] == (
        "O acesso com senha deste cliente está bloqueado; ele deve procurar o "
        "atendimento da companhia.")
    answer = bot.post("/identificacoes", {"documento": MARIA_CPF}).get_json()
    assert "SENHA" not in answer["fatores_disponiveis"]


@pytest.mark.uc("UC2089")
def test_reactivated_login_passes_the_password_factor_again(bot, admin_client):
    _act(admin_client, "block", _maria())
    response = _act(admin_client, "activate", _maria())
    assert "1 login(s) reativado(s)." in parse(response).flashes
    assert _maria().status == "ATIVO"
    ident = bot.identify(MARIA_CPF)
    accepted = bot.post(f"/identificacoes/{ident}/senha", {"senha": MARIA_PASSWORD})
    assert accepted.status_code == 200
    assert accepted.get_json()["fatores_ok"] == ["SENHA"]


def test_block_is_audited_as_the_admin(world, admin_client):
    _act(admin_client, "block", _maria())
    changes = db.session.scalars(select(AuditLog).where(
        AuditLog.table_name == "customer_access_login",
        AuditLog.action == "update")).all()
    assert [(row.user, row.changes_dict()["status"]) for row in changes] == [
        ("admin", ["ATIVO", "BLOQUEADO"])]


def _user_with(app, role: str, *permissions: str):
    sm = app.appbuilder.sm
    created = sm.add_role(role)
    for permission in permissions:
        sm.add_permission_role(
            created, sm.find_permission_view_menu(permission, "PortalLoginView"))
    name = role.lower()
    sm.add_user(name, name, "Teste", f"{name}@example.invalid", created,
                password=f"{name}-test-pw")
    return name, f"{name}-test-pw"


def test_block_needs_the_block_permission(app, world, client):
    login(client, *_user_with(app, "Consulta", "can_list"))
    page = client.get(f"{LOGINS}/list/").get_data(as_text=True)
    assert "Bloquear" not in page
    response = _act(client, "block", _maria())
    assert "Acesso Negado" in parse(response).flashes
    assert _maria().status == "ATIVO"


def test_a_supervisor_with_can_block_blocks_and_reactivates(app, world, client):
    login(client, *_user_with(app, "Supervisor", "can_list", "can_block"))
    page = client.get(f"{LOGINS}/list/").get_data(as_text=True)
    assert "Bloquear" in page and "Reativar" in page
    _act(client, "block", _maria())
    assert _maria().status == "BLOQUEADO"
    _act(client, "activate", _maria())
    assert _maria().status == "ATIVO"


def test_sanea_init_adds_can_block_to_an_older_database(app, world, client):
    """A database synced before ``can_block`` had "block" and "activate".

    FAB 5.3 cannot drop a permission a role holds (it passes the permission,
    not the permission-view, to ``del_permission_role``), so the old pair
    stays; it guards nothing any more.
    """
    sm = app.appbuilder.sm
    sm.del_permission_view_menu("can_block", "PortalLoginView", cascade=True)
    admin = sm.find_role(app.config["AUTH_ROLE_ADMIN"])
    old = [sm.add_permission_view_menu(name, "PortalLoginView")
           for name in ("block", "activate")]
    for permission in old:
        sm.add_permission_role(admin, permission)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["sanea", "init"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    granted = sm.find_permission_view_menu("can_block", "PortalLoginView")
    assert granted in sm.find_role(app.config["AUTH_ROLE_ADMIN"]).permissions

    login(client, *_user_with(app, "Antigo", "can_list", "block", "activate"))
    response = _act(client, "block", _maria())
    assert "Acesso Negado" in parse(response).flashes
    assert _maria().status == "ATIVO"


def test_logins_screen_has_exactly_list_show_and_block(app):
    sm = app.appbuilder.sm
    view = sm.find_view_menu("PortalLoginView")
    assert sorted(p.permission.name for p in sm.find_permissions_view_menu(view)) == [
        "can_block", "can_list", "can_show"]
