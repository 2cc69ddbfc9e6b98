"""The identification chain of §4.A, through the HTTP API as BOT-CAER."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.extensions import db
from core.toolkits.api_platform.models import CallLog, CustomerSession
from plugins.customer_access.models import Identification, PortalLogin
from tests.plugins.customer_access.world import MARIA_PASSWORD

MARIA = "529.982.247-25"


def _problem(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert response.mimetype == "application/problem+json"
    assert body["code"] == code and body["status"] == status
    return body


# --- UC2088 --------------------------------------------------------------------------


@pytest.mark.uc("UC2088")
def test_identification_of_a_cpf_lists_factors_and_policy(bot):
    response = bot.post("/identificacoes", {"documento": MARIA})
    body = response.get_json()
    assert response.status_code == 201, body
    assert body == {
        "identificacao_id": body["identificacao_id"], "tipo_documento": "CPF",
        "nome_mascarado": "MARIA D* S****",
        "fatores_disponiveis": ["MATRICULA", "DATA_NASCIMENTO", "SENHA",
                                "CODIGO_EMAIL"],
        "politica": [["SENHA"], ["MATRICULA", "DATA_NASCIMENTO"],
                     ["MATRICULA", "CODIGO_EMAIL"]],
        "expira_em": "2025-03-12T10:15:00-04:00",
    }
    row = db.session.get(Identification, body["identificacao_id"])
    assert row.candidate_ids() == [1001] and "52998224725" not in row.document_hash


@pytest.mark.uc("UC2088")
@pytest.mark.parametrize("document, code", [
    ("52998224724", "DIGITO_VERIFICADOR"),
    ("11111111111", "SEQUENCIA_REPETIDA"),
    ("1234567890", "TAMANHO"),
    ("12ABC34501DE3A", "CARACTERE_INVALIDO"),
])
def test_identification_refuses_invalid_documents(bot, document, code):
    body = _problem(bot.post("/identificacoes", {"documento": document}), 422,
                    "DOCUMENTO_INVALIDO")
    assert body["errors"][0]["field"] == "documento"
    assert body["errors"][0]["code"] == code
    assert db.session.scalar(select(Identification.id)) is None


@pytest.mark.uc("UC2088")
def test_identification_accepts_the_alphanumeric_cnpj_format(bot):
    _problem(bot.post("/identificacoes", {"documento": "12.ABC.345/01DE-35"}), 404,
             "CLIENTE_NAO_ENCONTRADO")


@pytest.mark.uc("UC2088")
def test_identification_of_a_cnpj_offers_no_birth_date(bot):
    body = bot.post("/identificacoes", {"documento": "11.222.333/0001-81"}).get_json()
    assert body["tipo_documento"] == "CNPJ"
    assert body["nome_mascarado"] == "ACME S********* L***"
    assert body["fatores_disponiveis"] == ["MATRICULA"]
    assert body["politica"] == []


@pytest.mark.uc("UC2088")
def test_identification_throttles_a_document_to_ten_calls_an_hour(bot, clock):
    for _ in range(10):
        assert bot.post("/identificacoes", {"documento": MARIA}).status_code == 201
    response = bot.post("/identificacoes", {"documento": MARIA})
    _problem(response, 429, "LIMITE_EXCEDIDO")
    assert response.headers["Retry-After"] == "3600"  # the hour began at 10:00
    clock.advance(hours=1)
    assert bot.post("/identificacoes", {"documento": MARIA}).status_code == 201


def test_identification_calls_are_audited_without_the_document(bot):
    bot.post("/identificacoes", {"documento": MARIA})
    log = db.session.scalars(select(CallLog)).all()[-1]
    assert (log.operation, log.status, log.result) == ("criar_identificacao", 201, "OK")
    assert log.partner_id == bot_partner_id(bot)
    assert log.subject_hash and "52998224725" not in log.subject_hash


def bot_partner_id(bot) -> int:
    from core.toolkits.api_models import Partner

    return db.session.scalar(select(Partner.id).where(Partner.name == "BOT-CAER"))


# --- UC2091 --------------------------------------------------------------------------


@pytest.mark.uc("UC2091")
def test_registration_factor_passes_without_session_yet(bot):
    ident = bot.identify(MARIA)
    response = bot.post(f"/identificacoes/{ident}/matricula", {"matricula": "1234560"})
    assert response.status_code == 200
    assert response.get_json() == {"fatores_ok": ["MATRICULA"], "sessao": None}


@pytest.mark.uc("UC2091")
def test_registration_with_a_wrong_digit_spends_no_attempt(bot):
    ident = bot.identify(MARIA)
    _problem(bot.post(f"/identificacoes/{ident}/matricula", {"matricula": "1234561"}),
             422, "MATRICULA_INVALIDA")
    assert db.session.get(Identification, ident).failures == 0


@pytest.mark.uc("UC2091")
def test_registration_of_someone_else_counts_a_failure(bot):
    ident = bot.identify("11222333000181")
    body = _problem(bot.post(f"/identificacoes/{ident}/matricula",
                             {"matricula": "10006"}), 422, "FATOR_INVALIDO")
    assert body["tentativas_restantes"] == 4


@pytest.mark.uc("UC2091")
def test_identification_expires_after_fifteen_minutes(bot, clock):
    ident = bot.identify(MARIA)
    clock.advance(minutes=15)
    _problem(bot.post(f"/identificacoes/{ident}/matricula", {"matricula": "1234560"}),
             410, "IDENTIFICACAO_EXPIRADA")


# --- UC2090 --------------------------------------------------------------------------


@pytest.mark.uc("UC2090")
def test_birth_date_after_registration_opens_the_session(bot):
    ident = bot.identify(MARIA)
    bot.post(f"/identificacoes/{ident}/matricula", {"matricula": "1234560"})
    response = bot.post(f"/identificacoes/{ident}/data-nascimento",
                        {"data_nascimento": "1980-05-17"})
    body = response.get_json()
    assert response.status_code == 200
    assert body["fatores_ok"] == ["MATRICULA", "DATA_NASCIMENTO"]
    session = body["sessao"]
    assert session["token"].startswith("cs_") and len(session["token"]) == 46
    assert session["cliente_id"] == 1001
    assert session["imoveis"] == ["1234560", "10006"]
    assert session["expira_em"] == "2025-03-12T10:30:00-04:00"
    row = db.session.scalar(select(CustomerSession))
    assert row.customer_id == 1001 and session["token"] not in row.token_hash


@pytest.mark.uc("UC2090")
def test_wrong_birth_date_counts_a_failure(bot):
    ident = bot.identify(MARIA)
    bot.post(f"/identificacoes/{ident}/matricula", {"matricula": "1234560"})
    body = _problem(bot.post(f"/identificacoes/{ident}/data-nascimento",
                             {"data_nascimento": "1980-05-18"}), 422, "FATOR_INVALIDO")
    assert body["tentativas_restantes"] == 4


@pytest.mark.uc("UC2090")
@pytest.mark.parametrize("text", ["2025-03-13", "1880-01-01", "17/05/1980",
                                  "1980-02-30"])
def test_impossible_birth_dates_are_refused_without_a_failure(bot, text):
    ident = bot.identify(MARIA)
    body = _problem(bot.post(f"/identificacoes/{ident}/data-nascimento",
                             {"data_nascimento": text}), 422, "VALIDACAO")
    assert body["errors"][0]["field"] == "data_nascimento"
    assert db.session.get(Identification, ident).failures == 0


@pytest.mark.uc("UC2090")
def test_birth_date_does_not_apply_to_a_cnpj(bot):
    ident = bot.identify("11222333000181")
    _problem(bot.post(f"/identificacoes/{ident}/data-nascimento",
                      {"data_nascimento": "1980-05-17"}), 422, "FATOR_NAO_APLICAVEL")


@pytest.mark.uc("UC2090")
def test_five_wrong_birth_dates_lock_the_document_for_thirty_minutes(bot, clock):
    ident = bot.identify(MARIA)
    answers = [bot.post(f"/identificacoes/{ident}/data-nascimento",
                        {"data_nascimento": "1980-05-18"}) for _ in range(5)]
    assert [a.status_code for a in answers] == [422, 422, 422, 422, 423]
    assert [a.get_json().get("tentativas_restantes") for a in answers[:4]] == [
        4, 3, 2, 1]
    locked = _problem(answers[4], 423, "IDENTIFICACAO_BLOQUEADA")
    assert answers[4].headers["Retry-After"] == "1800"
    assert locked["bloqueado_ate"] == "2025-03-12T10:30:00-04:00"
    right = bot.post(f"/identificacoes/{ident}/data-nascimento",
                     {"data_nascimento": "1980-05-17"})
    _problem(right, 423, "IDENTIFICACAO_BLOQUEADA")
    clock.advance(minutes=29)
    _problem(bot.post("/identificacoes", {"documento": MARIA}), 423,
             "IDENTIFICACAO_BLOQUEADA")
    clock.advance(minutes=1)
    assert bot.post("/identificacoes", {"documento": MARIA}).status_code == 201


# --- UC2089 --------------------------------------------------------------------------


@pytest.mark.uc("UC2089")
def test_password_alone_opens_the_session(bot):
    ident = bot.identify(MARIA)
    response = bot.post(f"/identificacoes/{ident}/senha", {"senha": MARIA_PASSWORD})
    body = response.get_json()
    assert response.status_code == 200
    assert body["fatores_ok"] == ["SENHA"]
    assert body["sessao"]["cliente_id"] == 1001


@pytest.mark.uc("UC2089")
def test_five_wrong_passwords_lock_the_login(bot, clock):
    ident = bot.identify(MARIA)
    answers = [bot.post(f"/identificacoes/{ident}/senha", {"senha": "x"})
               for _ in range(5)]
    assert [a.status_code for a in answers] == [422, 422, 422, 422, 423]
    assert answers[0].get_json()["tentativas_restantes"] == 4
    _problem(answers[4], 423, "CREDENCIAL_BLOQUEADA")
    assert answers[4].headers["Retry-After"] == "900"
    _problem(bot.post(f"/identificacoes/{ident}/senha", {"senha": MARIA_PASSWORD}),
             423, "CREDENCIAL_BLOQUEADA")
    clock.advance(minutes=15)
    fresh = bot.identify(MARIA)
    assert bot.post(f"/identificacoes/{fresh}/senha",
                    {"senha": MARIA_PASSWORD}).status_code == 200


@pytest.mark.uc("UC2089")
def test_password_does_not_apply_without_a_login(bot):
    ident = bot.identify("11222333000181")
    _problem(bot.post(f"/identificacoes/{ident}/senha", {"senha": "Rio2025abc"}), 422,
             "FATOR_NAO_APLICAVEL")


@pytest.mark.uc("UC2089")
def test_legacy_sha1_password_is_accepted_once_and_rehashed(bot):
    login = db.session.scalar(select(PortalLogin))
    login.password_hash = "9Ksc8TMEJ/B+a+mhx8ih6sNn/IE="  # Base64(SHA-1("Agua2025x"))
    db.session.commit()
    ident = bot.identify(MARIA)
    assert bot.post(f"/identificacoes/{ident}/senha",
                    {"senha": MARIA_PASSWORD}).status_code == 200
    db.session.refresh(login)
    assert login.password_hash.startswith("$argon2id$")


# --- UC2093 as a factor --------------------------------------------------------


@pytest.mark.uc("UC2093")
def test_email_code_is_sent_once_a_minute_and_used_once(bot, mailbox, clock):
    ident = bot.identify(MARIA)
    response = bot.post(f"/identificacoes/{ident}/codigo-email")
    assert response.status_code == 202
    assert response.get_json() == {
        "destino_mascarado": "m***a@example.com",
        "expira_em": "2025-03-12T10:10:00-04:00",
        "reenvio_permitido_em": "2025-03-12T10:01:00-04:00",
    }
    assert len(mailbox.messages) == 1 and mailbox.messages[0]["to"] == \
        "maria@example.com"
    code = mailbox.last_code()
    assert code not in response.get_data(as_text=True)

    clock.advance(seconds=10)
    again = bot.post(f"/identificacoes/{ident}/codigo-email")
    _problem(again, 429, "REENVIO_MUITO_CEDO")
    assert again.headers["Retry-After"] == "50" and len(mailbox.messages) == 1

    verified = bot.post(f"/identificacoes/{ident}/codigo-email:verificar",
                        {"codigo": code})
    assert verified.status_code == 200
    assert verified.get_json()["fatores_ok"] == ["CODIGO_EMAIL"]
    _problem(bot.post(f"/identificacoes/{ident}/codigo-email:verificar",
                      {"codigo": code}), 410, "CODIGO_EXPIRADO")


@pytest.mark.uc("UC2093")
def test_registration_and_email_code_open_the_session(bot, mailbox):
    ident = bot.identify(MARIA)
    bot.post(f"/identificacoes/{ident}/matricula", {"matricula": "1234560"})
    bot.post(f"/identificacoes/{ident}/codigo-email")
    body = bot.post(f"/identificacoes/{ident}/codigo-email:verificar",
                    {"codigo": mailbox.last_code()}).get_json()
    assert body["fatores_ok"] == ["MATRICULA", "CODIGO_EMAIL"]
    assert body["sessao"]["imoveis"] == ["1234560", "10006"]


@pytest.mark.uc("UC2093")
def test_wrong_code_tells_the_attempts_left(bot, mailbox):
    ident = bot.identify(MARIA)
    bot.post(f"/identificacoes/{ident}/codigo-email")
    wrong = "000000" if mailbox.last_code() != "000000" else "111111"
    body = _problem(bot.post(f"/identificacoes/{ident}/codigo-email:verificar",
                             {"codigo": wrong}), 422, "CODIGO_INVALIDO")
    assert body["tentativas_restantes"] == 4


@pytest.mark.uc("UC2093")
def test_expired_code_answers_410(bot, mailbox, clock):
    ident = bot.identify(MARIA)
    bot.post(f"/identificacoes/{ident}/codigo-email")
    clock.advance(minutes=10)
    _problem(bot.post(f"/identificacoes/{ident}/codigo-email:verificar",
                      {"codigo": mailbox.last_code()}), 410, "CODIGO_EXPIRADO")


@pytest.mark.uc("UC2093")
def test_mail_provider_fault_answers_503_and_voids_the_code(bot, mailbox):
    mailbox.failing = True
    ident = bot.identify(MARIA)
    _problem(bot.post(f"/identificacoes/{ident}/codigo-email"), 503,
             "PROVEDOR_INDISPONIVEL")
    from plugins.customer_access.models import VerificationCode

    assert db.session.scalar(select(VerificationCode.id)) is None


@pytest.mark.uc("UC2093")
def test_no_confirmed_email_answers_422(bot, mailbox):
    ident = bot.identify("11222333000181")
    _problem(bot.post(f"/identificacoes/{ident}/codigo-email"), 422,
             "EMAIL_INEXISTENTE")
