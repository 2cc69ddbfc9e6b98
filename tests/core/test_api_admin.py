"""The admin screens of the partner API: partners, issuing and revoking tokens."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from core.domain.audit import AuditLog
from core.extensions import db
from core.toolkits.api_models import Partner, PartnerToken, parse_token
from tests.conftest import csrf_token
from tests.core.test_api import HOUSE, house  # noqa: F401  (fixture)

TOKEN_IN_PAGE = re.compile(r'<pre id="issued-token">(gsk_[^<]+)</pre>')


def _add_partner(admin_client, name="Bot da CAERN") -> Partner:
    page = admin_client.get("/partnerview/add").get_data(as_text=True)
    response = admin_client.post("/partnerview/add", data={
        "name": name, "kind": "BOT", "channel": "BOT", "active": "y",
        "rate_limit_per_minute": "120", "csrf_token": csrf_token(page),
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return db.session.scalar(select(Partner).filter_by(name=name))


def _issue(admin_client, partner, scopes, **fields):
    page = admin_client.get("/partnertokenview/issue/")
    assert page.status_code == 200
    data = {"partner": str(partner.id), "label": "produção", "scopes": scopes,
            "expires_on": "", "allowed_ips": "",
            "csrf_token": csrf_token(page.get_data(as_text=True)), **fields}
    return admin_client.post("/partnertokenview/issue/", data=data)


def _call(client, token):
    return client.get("/api/v1/imoveis/1234560",
                      headers={"Authorization": f"Bearer {token}"})


def test_admin_issues_token_then_partner_uses_it(admin_client, house):  # noqa: F811
    partner = _add_partner(admin_client)
    assert (partner.kind, partner.channel, partner.active) == ("BOT", "BOT", True)

    response = _issue(admin_client, partner, ["imoveis:ler", "faturas:ler"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Copie o token agora: ele não será mostrado de novo." in page
    token = TOKEN_IN_PAGE.search(page).group(1)

    record = db.session.scalar(select(PartnerToken))
    assert record.prefix == parse_token(token).prefix
    assert (record.scopes, record.label, record.created_by) == (
        "faturas:ler imoveis:ler", "produção", "admin")
    api = _call(admin_client.application.test_client(), token)
    assert api.status_code == 200
    assert api.get_json() == HOUSE


def test_issued_token_is_never_shown_again(admin_client):
    partner = _add_partner(admin_client)
    token = TOKEN_IN_PAGE.search(_issue(admin_client, partner, ["imoveis:ler"])
                                 .get_data(as_text=True)).group(1)
    record = db.session.scalar(select(PartnerToken))
    listing = admin_client.get("/partnertokenview/list/").get_data(as_text=True)
    shown = admin_client.get(f"/partnertokenview/show/{record.id}").get_data(
        as_text=True)
    secret = parse_token(token).secret
    assert record.prefix in listing and "Ativo" in listing
    assert secret not in listing and secret not in shown
    audits = db.session.scalars(select(AuditLog.changes)).all()
    assert not any(secret in changes for changes in audits)


def test_issue_and_revoke_are_audited(admin_client, house):  # noqa: F811
    partner = _add_partner(admin_client)
    token = TOKEN_IN_PAGE.search(_issue(admin_client, partner, ["imoveis:*"])
                                 .get_data(as_text=True)).group(1)
    record = db.session.scalar(select(PartnerToken))
    listing = admin_client.get("/partnertokenview/list/").get_data(as_text=True)
    response = admin_client.post("/partnertokenview/action_post", data={
        "action": "revoke", "rowid": str(record.id), "csrf_token": csrf_token(listing),
    })
    assert response.status_code == 302
    db.session.refresh(record)
    assert record.revoked_at is not None

    rows = db.session.scalars(
        select(AuditLog).filter_by(table_name="api_partner_token")
        .order_by(AuditLog.id)).all()
    assert [(row.action, row.user) for row in rows] == [
        ("insert", "admin"), ("update", "admin")]
    assert rows[0].changes_dict()["prefix"] == [None, record.prefix]
    assert list(rows[1].changes_dict()) == ["revoked_at"]
    api = _call(admin_client.application.test_client(), token)
    assert api.status_code == 401
    assert api.get_json()["code"] == "TOKEN_INVALIDO"


def test_issue_form_reports_rule_errors_and_creates_nothing(admin_client):
    partner = _add_partner(admin_client)
    response = _issue(admin_client, partner, [], expires_on="2001-01-01")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Informe ao menos um escopo." in page
    assert "A validade deve ser uma data futura." in page
    assert db.session.scalar(select(PartnerToken)) is None


def test_issue_form_refuses_unknown_scope_choice(admin_client):
    partner = _add_partner(admin_client)
    response = _issue(admin_client, partner, ["root:*"])
    assert "‘root:*’ não é uma escolha válida para este campo." in response.get_data(
        as_text=True)
    assert db.session.scalar(select(PartnerToken)) is None
    assert TOKEN_IN_PAGE.search(response.get_data(as_text=True)) is None


def test_issue_without_csrf_is_refused(admin_client):
    partner = _add_partner(admin_client)
    response = admin_client.post("/partnertokenview/issue/", data={
        "partner": str(partner.id), "scopes": ["imoveis:ler"]})
    assert TOKEN_IN_PAGE.search(response.get_data(as_text=True)) is None
    assert db.session.scalar(select(PartnerToken)) is None


def test_partner_changes_are_audited(admin_client):
    partner = _add_partner(admin_client)
    row = db.session.scalar(select(AuditLog).filter_by(table_name="api_partner"))
    assert (row.action, row.user) == ("insert", "admin")
    assert json.loads(row.changes)["name"] == [None, partner.name]


def test_anonymous_cannot_reach_token_screens(client):
    response = client.get("/partnertokenview/issue/")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


# --- each partner's limits and the call log ------------------------------------------


def _policy_form(admin_client, partner, policy):
    page = admin_client.get("/partnerpolicyview/add").get_data(as_text=True)
    return admin_client.post("/partnerpolicyview/add", data={
        "partner": str(partner.id), "customer_rate_limit_per_minute": "30",
        "document_attempts_per_hour": "5", "identification_policy": policy,
        "csrf_token": csrf_token(page)})


def test_partner_policy_refuses_an_unknown_factor_and_stores_nothing(admin_client):
    from core.toolkits.api_platform.models import PartnerPolicy

    partner = _add_partner(admin_client)
    page = _policy_form(admin_client, partner, "SENHA|MATRICULA+CPF")
    assert page.status_code == 200  # the form again, with the message
    assert ("Fator(es) desconhecido(s): CPF. Use SENHA, MATRICULA, DATA_NASCIMENTO "
            "ou CODIGO_EMAIL.") in page.get_data(as_text=True)
    assert db.session.scalar(select(PartnerPolicy)) is None


def test_partner_policy_is_stored_normalised_and_used_at_once(admin_client):
    from core.toolkits.api_platform.limits import partner_policy
    from core.toolkits.api_platform.models import PartnerPolicy

    partner = _add_partner(admin_client)
    partner_policy(partner.id)  # this process now keeps the defaults
    response = _policy_form(admin_client, partner, " senha | matricula + codigo_email ")
    assert response.status_code == 302
    row = db.session.scalar(select(PartnerPolicy))
    assert row.identification_policy == "SENHA|MATRICULA+CODIGO_EMAIL"
    kept = partner_policy(partner.id)  # the edit dropped what was kept
    assert (kept.document_attempts_per_hour, kept.identification_policy) == (
        5, "SENHA|MATRICULA+CODIGO_EMAIL")


def test_call_log_lists_each_call_without_the_token(admin_client, house):  # noqa: F811
    partner = _add_partner(admin_client)
    token = TOKEN_IN_PAGE.search(
        _issue(admin_client, partner, ["imoveis:ler"]).get_data(as_text=True)).group(1)
    assert _call(admin_client, token).status_code == 200
    page = admin_client.get("/calllogview/list/").get_data(as_text=True)
    assert "Chamadas da API de parceiros" in page
    assert "obter_imovel" in page
    assert token not in page
    assert "1234560" not in page  # the matrícula only as a keyed hash


def test_an_overflowing_number_is_a_form_message(admin_client):
    page = admin_client.get("/partnerview/add").get_data(as_text=True)
    response = admin_client.post("/partnerview/add", data={
        "name": "Bot grande", "kind": "BOT", "channel": "BOT", "active": "y",
        "rate_limit_per_minute": "99999999999999999999", "csrf_token": csrf_token(page)})
    assert response.status_code == 200  # the form again
    assert "Número fora do limite aceito (até 2.147.483.647)." in response.get_data(
        as_text=True)
    assert db.session.scalar(select(Partner).filter_by(name="Bot grande")) is None


def test_a_second_policy_for_a_partner_is_refused_in_portuguese(admin_client):
    from core.toolkits.api_platform.models import PartnerPolicy

    partner = _add_partner(admin_client)
    assert _policy_form(admin_client, partner, "SENHA").status_code == 302
    again = _policy_form(admin_client, partner, "MATRICULA+CODIGO_EMAIL")
    page = admin_client.get(again.headers["Location"]).get_data(as_text=True) \
        if again.status_code == 302 else again.get_data(as_text=True)
    assert "já existe um registro com estes dados" in page
    assert "IntegrityError" not in page
    assert [p.identification_policy for p in db.session.scalars(select(PartnerPolicy))] \
        == ["SENHA"]
