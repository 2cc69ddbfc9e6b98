"""The customer's e-mail and password (UC2092-UC2096), as §4.A tests them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.domain.cadastre import Customer
from core.extensions import db
from core.toolkits.api_platform.models import CustomerSession
from plugins.customer_access.account import change_password
from plugins.customer_access.errors import AccessError
from plugins.customer_access.models import PortalLogin
from plugins.customer_access.passwords import check_password
from tests.plugins.customer_access.world import MARIA_PASSWORD

NEW_EMAIL = "maria.silva@example.org"


def _problem(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["code"] == code
    return body


@pytest.fixture
def maria(bot):
    """BOT-CAER holding a session for Maria (matrícula + birth date)."""
    bot.login("52998224725", "1234560", "1980-05-17")
    return bot


# --- UC2092 --------------------------------------------------------------------------


@pytest.mark.uc("UC2092")
def test_email_changes_in_two_steps_with_a_code(maria, mailbox):
    first = maria.call("PUT", "/clientes/1001/email", {"email": NEW_EMAIL})
    assert first.status_code == 202
    assert first.get_json()["situacao"] == "PENDENTE_CONFIRMACAO"
    assert first.get_json()["destino_mascarado"] == "m***a@example.org"
    assert mailbox.messages[-1]["to"] == NEW_EMAIL
    assert db.session.get(Customer, 1001).email == "maria@example.com"

    code = mailbox.last_code()
    second = maria.call("PUT", "/clientes/1001/email",
                        {"email": NEW_EMAIL, "codigo": code})
    assert second.status_code == 200
    assert second.get_json() == {"email": NEW_EMAIL, "confirmado": True}
    db.session.expire_all()
    assert db.session.get(Customer, 1001).email == NEW_EMAIL
    login = db.session.scalar(select(PortalLogin))
    assert (login.email, login.email_confirmed) == (NEW_EMAIL, True)
    notice = mailbox.messages[-1]
    assert notice["to"] == "maria@example.com" and NEW_EMAIL in notice["body"]


@pytest.mark.uc("UC2092")
def test_email_change_lower_cases_the_domain(maria, mailbox):
    maria.call("PUT", "/clientes/1001/email", {"email": "Maria@Example.ORG"})
    assert mailbox.messages[-1]["to"] == "Maria@example.org"


@pytest.mark.uc("UC2092")
def test_email_longer_than_forty_characters_is_refused(maria, mailbox):
    address = "a" * 29 + "@example.com"  # 41 characters
    _problem(maria.call("PUT", "/clientes/1001/email", {"email": address}), 422,
             "EMAIL_MUITO_LONGO")
    assert mailbox.messages == []


@pytest.mark.uc("UC2092")
@pytest.mark.parametrize("address", ["maria", "maria@example", "ma ria@x.com",
                                     "a@@b.com"])
def test_malformed_email_is_refused(maria, address):
    _problem(maria.call("PUT", "/clientes/1001/email", {"email": address}), 422,
             "EMAIL_INVALIDO")


@pytest.mark.uc("UC2092")
def test_email_change_needs_a_customer_session(bot):
    _problem(bot.call("PUT", "/clientes/1001/email", {"email": NEW_EMAIL}), 401,
             "SESSAO_CLIENTE_EXIGIDA")


@pytest.mark.uc("UC2092")
def test_same_email_is_a_no_op(maria, mailbox):
    response = maria.call("PUT", "/clientes/1001/email", {"email": "maria@example.com"})
    assert response.status_code == 200
    assert response.get_json() == {"email": "maria@example.com", "confirmado": True}
    assert mailbox.messages == []


@pytest.mark.uc("UC2092")
def test_another_customer_is_not_found(maria):
    _problem(maria.call("PUT", "/clientes/1002/email", {"email": NEW_EMAIL}), 404,
             "CLIENTE_NAO_ENCONTRADO")


@pytest.mark.uc("UC2092")
def test_wrong_code_changes_nothing(maria, mailbox):
    maria.call("PUT", "/clientes/1001/email", {"email": NEW_EMAIL})
    wrong = "123456" if mailbox.last_code() != "123456" else "654321"
    _problem(maria.call("PUT", "/clientes/1001/email",
                        {"email": NEW_EMAIL, "codigo": wrong}), 422, "CODIGO_INVALIDO")
    assert db.session.get(Customer, 1001).email == "maria@example.com"


# --- UC2094 --------------------------------------------------------------------------


@pytest.mark.uc("UC2094")
def test_password_change_lets_the_new_one_identify(maria, bot, mailbox):
    response = maria.call("PUT", "/clientes/1001/senha",
                          {"senha_atual": MARIA_PASSWORD, "nova_senha": "Chuva2025y"})
    assert response.status_code == 204 and response.get_data() == b""
    ident = bot.identify("52998224725")
    assert bot.post(f"/identificacoes/{ident}/senha",
                    {"senha": "Chuva2025y"}).status_code == 200
    ident = bot.identify("52998224725")
    _problem(bot.post(f"/identificacoes/{ident}/senha", {"senha": MARIA_PASSWORD}),
             422, "FATOR_INVALIDO")
    assert "senha de acesso" in mailbox.messages[0]["body"]


@pytest.mark.uc("UC2094")
def test_weak_password_lists_the_broken_rules(maria):
    body = _problem(maria.call("PUT", "/clientes/1001/senha", {
        "senha_atual": MARIA_PASSWORD, "nova_senha": "52998224"}), 422, "SENHA_FRACA")
    assert [error["code"] for error in body["errors"]] == ["SEM_LETRA",
                                                           "CONTEM_DOCUMENTO"]


@pytest.mark.uc("UC2094")
@pytest.mark.parametrize("password, codes", [
    ("Chuv2", ["TAMANHO"]),
    ("Chuvarada", ["SEM_DIGITO"]),
    ("Maria17051980", ["CONTEM_DATA_NASCIMENTO"]),
    (MARIA_PASSWORD, ["IGUAL_ATUAL"]),
])
def test_password_policy_rules(maria, password, codes):
    body = _problem(maria.call("PUT", "/clientes/1001/senha", {
        "senha_atual": MARIA_PASSWORD, "nova_senha": password}), 422, "SENHA_FRACA")
    assert [error["code"] for error in body["errors"]] == codes


@pytest.mark.uc("UC2094")
def test_wrong_current_password_counts_toward_the_lock(maria):
    _problem(maria.call("PUT", "/clientes/1001/senha", {
        "senha_atual": "errada1", "nova_senha": "Chuva2025y"}), 422,
        "SENHA_ATUAL_INCORRETA")
    from core.toolkits.api_platform.models import FailureLock

    login = db.session.scalar(select(PortalLogin))
    assert db.session.get(FailureLock, f"login:{login.id}").failures == 1


@pytest.mark.uc("UC2094")
def test_password_change_revokes_the_other_sessions(maria, app, world):
    from tests.plugins.customer_access.conftest import Bot

    other = Bot(app.test_client(), world.tokens["BOT-CAER"])
    other.login("52998224725", "1234560", "1980-05-17")
    maria.call("PUT", "/clientes/1001/senha",
               {"senha_atual": MARIA_PASSWORD, "nova_senha": "Chuva2025y"})
    _problem(other.call("PUT", "/clientes/1001/email", {"email": NEW_EMAIL}), 401,
             "SESSAO_CLIENTE_EXPIRADA")
    revoked = db.session.scalars(select(CustomerSession.revoked_at)).all()
    assert sorted(value is None for value in revoked) == [False, True]


@pytest.mark.uc("UC2094")
def test_forgotten_password_is_reset_with_an_email_code(maria, mailbox):
    sent = maria.call("POST", "/clientes/1001/email:enviar-codigo", key="new")
    assert sent.status_code == 202
    assert mailbox.messages[-1]["to"] == "maria@example.com"
    response = maria.call("PUT", "/clientes/1001/senha", {
        "codigo": mailbox.last_code(), "nova_senha": "Chuva2025y"})
    assert response.status_code == 204


# --- UC2095 --------------------------------------------------------------------------


@pytest.mark.uc("UC2095")
def test_portal_password_change_checks_the_confirmation(world):
    with pytest.raises(AccessError) as refused:
        change_password(world.maria, "Chuva2025y", current=MARIA_PASSWORD,
                        confirmation="Chuva2025z")
    assert refused.value.field == "confirmacao"
    assert refused.value.detail == "As senhas não conferem."


@pytest.mark.uc("UC2095")
def test_portal_password_change_replaces_the_old_one(world):
    login = change_password(world.maria, "Chuva2025y", current=MARIA_PASSWORD,
                            confirmation="Chuva2025y")
    db.session.commit()
    assert check_password("Chuva2025y", login.password_hash)[0] is True
    assert check_password(MARIA_PASSWORD, login.password_hash)[0] is False


# --- UC2096 --------------------------------------------------------------------------


@pytest.mark.uc("UC2096")
def test_first_access_creates_the_login_of_a_cnpj(bot, world, mailbox):
    ident = bot.identify("11222333000181")
    registration = str(world.acme_home.registration)
    assert bot.post(f"/identificacoes/{ident}/matricula",
                    {"matricula": registration}).status_code == 200
    sent = bot.post(f"/identificacoes/{ident}/codigo-email",
                    {"email": "financeiro@acme.com.br"})
    assert sent.status_code == 202
    response = bot.post(f"/identificacoes/{ident}/primeiro-acesso", {
        "email": "financeiro@acme.com.br", "codigo": mailbox.last_code(),
        "senha": "Rio2025abc", "confirmacao": "Rio2025abc"})
    body = response.get_json()
    assert response.status_code == 201, body
    assert body["cliente_id"] == 1002 and body["sessao"]["imoveis"] == [registration]
    login = db.session.scalar(select(PortalLogin).where(
        PortalLogin.document == "11222333000181"))
    assert login.email_confirmed is True and login.email == "financeiro@acme.com.br"
    assert login.property_id == world.acme_home.id and login.status == "ATIVO"
    assert mailbox.messages[-1]["subject"] == "CAER: seu acesso foi criado"


@pytest.mark.uc("UC2096")
def test_first_access_for_a_document_with_login_answers_409(bot):
    ident = bot.identify("52998224725")
    bot.post(f"/identificacoes/{ident}/matricula", {"matricula": "1234560"})
    bot.post(f"/identificacoes/{ident}/data-nascimento",
             {"data_nascimento": "1980-05-17"})
    _problem(bot.post(f"/identificacoes/{ident}/codigo-email",
                      {"email": "outra@example.com"}), 409, "CADASTRO_JA_EXISTE")


@pytest.mark.uc("UC2096")
def test_first_access_needs_the_registration_first(bot):
    ident = bot.identify("11222333000181")
    body = _problem(bot.post(f"/identificacoes/{ident}/codigo-email",
                             {"email": "financeiro@acme.com.br"}), 422,
                    "FATORES_PENDENTES")
    assert body["fatores_pendentes"] == ["MATRICULA"]


@pytest.mark.uc("UC2094")
def test_password_notice_lands_in_the_outbox_without_smtp(maria):
    from core.notify import outbox_dir

    maria.call("PUT", "/clientes/1001/senha",
               {"senha_atual": MARIA_PASSWORD, "nova_senha": "Chuva2025y"})
    files = sorted(outbox_dir().glob("*.eml"))
    assert len(files) == 1
    text = files[0].read_bytes().decode("utf-8")
    assert "To: maria@example.com" in text
    assert "Subject: CAER: sua senha de acesso foi alterada" in text
