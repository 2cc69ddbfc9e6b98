"""The partner API platform: idempotency, paging, limits, sessions, call log, storage.

This module is also a throwaway plugin (``plataforma_testes``) whose routes
change a table (customers) so that idempotency and transactions show in
real rows.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import types
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import select

from companies import caern
from core.domain.cadastre import Customer
from core.extensions import db
from core.hookspecs import hookimpl
from core.manifest import Manifest
from core.settings import Settings
from core.storage import StorageError, detect_type, get_storage
from core.toolkits.api import ApiError, ErrorKind, Param
from core.toolkits.api_models import Partner, issue_token
from core.toolkits.api_platform.models import (
    CallLog,
    CustomerSession,
    IdempotencyRecord,
    PartnerPolicy,
)
from core.toolkits.api_platform.paging import paginate_select
from core.toolkits.api_platform.privacy import mask_email, mask_name, mask_phone
from core.toolkits.api_platform.routes import platform_route
from core.toolkits.api_platform.sessions import open_session
from tests.conftest import SECRET

REFUSED = ErrorKind("TESTE_RECUSADO", 422, "Recusado")
NAME_BODY = {"title": "NovoCliente", "type": "object", "required": ["nome"],
             "properties": {"nome": {"type": "string", "maxLength": 40}},
             "additionalProperties": False}


# --- the throwaway plugin -------------------------------------------------------------


@hookimpl
def sanea_manifest():
    return Manifest(name="plataforma_testes", title="Rotas de teste da plataforma",
                    version="0.0.1")


def _create(call):
    """Criar um cliente (mudança de estado)."""
    name = call.body["nome"]
    code = 900000 + sum(ord(char) * place for place, char in enumerate(name, 1))
    customer = Customer(code=code, name=name, person_type="F")
    db.session.add(customer)
    db.session.flush()
    if name == "recusar":
        raise ApiError(REFUSED, "Recusado depois de gravar.")
    if name == "quebrar":
        raise RuntimeError("falha inesperada")
    return {"id": customer.id, "nome": name}, 201


def _list(call):
    """Listar clientes em páginas."""
    table = Customer.__table__.c
    filters = {"prefixo": call.query.get("prefixo", "")}
    statement = select(table.id, table.name).where(
        table.name.like(filters["prefixo"] + "%"))
    return paginate_select(statement, [table.id], call, filters,
                           lambda row: {"id": row[0], "nome": row[1]})


def _mine(call):
    """Responder ao cliente da sessão."""
    return {"cliente_id": call.extras["sessao_cliente"].customer_id}


@hookimpl
def sanea_api_routes(api):
    platform_route(api, "POST", "/testes/plataforma/clientes", scope="testes:escrever",
                   status=201, request_schema=NAME_BODY, errors=(REFUSED,))(_create)
    platform_route(api, "GET", "/testes/plataforma/clientes", scope="testes:ler",
                   paged=True, params=(Param("prefixo", "query", {"type": "string"}),),
                   )(_list)
    platform_route(api, "GET", "/testes/plataforma/sessao", scope="testes:ler",
                   customer=True)(_mine)


# --- fixtures -------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = datetime(2025, 3, 12, 10, 0, tzinfo=timezone(timedelta(hours=-3)))

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(database_url, tmp_path, monkeypatch, clock):
    from core.app import create_app

    module = types.ModuleType("companies.plataforma")
    module.PROFILE = dataclasses.replace(
        caern.PROFILE, slug="plataforma",
        plugins=(*caern.PROFILE.plugins, "plataforma_testes"))
    module.sanea_company_profile = hookimpl(lambda: module.PROFILE)
    monkeypatch.setitem(sys.modules, "companies.plataforma", module)
    settings = Settings(company="plataforma", database_url=database_url,
                        secret_key=SECRET, storage_dir=str(tmp_path / "storage"))
    application = create_app({"TESTING": True, "SANEA_API_NOW": clock},
                             settings=settings,
                             extra_plugins={"plataforma_testes": __name__})
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def _token(app, name="Bot", **limits) -> tuple[str, Partner]:
    partner = Partner(name=name, kind="BOT", channel="BOT", **limits)
    db.session.add(partner)
    db.session.commit()
    issued = issue_token(db.session, partner, ["testes:ler", "testes:escrever"],
                         env=app.config["SANEA_API_TOKEN_ENV"],
                         known_scopes=app.extensions["sanea.api"].known_scopes())
    return issued.token, partner


@pytest.fixture
def bot(app):
    token, partner = _token(app)
    return app.test_client(), token, partner


def _post(bot, body, key=None, token=None):
    client, default, _ = bot
    headers = {"Authorization": f"Bearer {token or default}"}
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/testes/plataforma/clientes", json=body, headers=headers)


def _code(response) -> str:
    return response.get_json()["code"]


def _customers() -> list[str]:
    return list(db.session.scalars(select(Customer.name).order_by(Customer.id)))


# --- idempotency ----------------------------------------------------------------------


def test_idempotent_replay_returns_the_first_answer(bot):
    first = _post(bot, {"nome": "Ana"}, key="chave-1")
    again = _post(bot, {"nome": "Ana"}, key="chave-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _customers() == ["Ana"]
    record = db.session.scalar(select(IdempotencyRecord))
    assert (record.state, record.status_code) == ("CONCLUIDA", 201)


def test_idempotency_key_with_another_body_is_refused(bot):
    _post(bot, {"nome": "Ana"}, key="chave-1")
    response = _post(bot, {"nome": "Bia"}, key="chave-1")
    assert (response.status_code, _code(response)) == (422,
                                                       "IDEMPOTENCY_KEY_REUTILIZADA")
    assert _customers() == ["Ana"]


def test_idempotency_key_is_compared_on_the_canonical_body(bot):
    client, token, _ = bot
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k1",
               "Content-Type": "application/json"}
    client.post("/api/v1/testes/plataforma/clientes", data='{"nome": "Ana"}',
                headers=headers)
    again = client.post("/api/v1/testes/plataforma/clientes", data='{ "nome":"Ana" }',
                        headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key, code", [(None, "IDEMPOTENCY_KEY_AUSENTE"),
                                       ("com espaço", "IDEMPOTENCY_KEY_INVALIDA"),
                                       ("x" * 65, "IDEMPOTENCY_KEY_INVALIDA")])
def test_idempotency_key_is_required_and_checked(bot, key, code):
    response = _post(bot, {"nome": "Ana"}, key=key)
    assert (response.status_code, _code(response)) == (400, code)
    assert _customers() == []


def _fingerprint_of(app, body) -> str:
    from core.toolkits.api_platform.idempotency import fingerprint

    with app.test_request_context("/api/v1/testes/plataforma/clientes", method="POST",
                                  json=body):
        return fingerprint(types.SimpleNamespace(route=types.SimpleNamespace(
            method="POST")))


def _claimed(app, partner, clock, age):
    started = clock.now.astimezone(UTC).replace(tzinfo=None) - age
    db.session.add(IdempotencyRecord(
        partner_id=partner.id, key="chave-1", operation="_create",
        state="EM_ANDAMENTO", fingerprint=_fingerprint_of(app, {"nome": "Ana"}),
        created_at=started, expires_at=started + timedelta(hours=24)))
    db.session.commit()


def test_call_in_progress_with_the_same_key_answers_409(app, bot, clock):
    _claimed(app, bot[2], clock, timedelta(seconds=5))
    response = _post(bot, {"nome": "Ana"}, key="chave-1")
    assert (response.status_code, _code(response)) == (409, "IDEMPOTENCY_EM_ANDAMENTO")
    assert response.headers["Retry-After"] == "1"
    assert _customers() == []


def test_claim_of_a_lost_call_is_taken_over(app, bot, clock):
    _claimed(app, bot[2], clock, timedelta(minutes=3))
    response = _post(bot, {"nome": "Ana"}, key="chave-1")
    assert response.status_code == 201 and _customers() == ["Ana"]


def test_business_refusal_keeps_no_change_and_is_replayed(bot):
    first = _post(bot, {"nome": "recusar"}, key="chave-1")
    assert (first.status_code, _code(first)) == (422, "TESTE_RECUSADO")
    assert _customers() == []
    again = _post(bot, {"nome": "recusar"}, key="chave-1")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["trace_id"] == first.get_json()["trace_id"]


def test_unexpected_failure_releases_the_key(bot, caplog):
    caplog.set_level(logging.CRITICAL, logger="core.toolkits.api")
    response = _post(bot, {"nome": "quebrar"}, key="chave-1")
    assert (response.status_code, _code(response)) == (500, "ERRO_INTERNO")
    assert _customers() == []
    assert db.session.scalar(select(IdempotencyRecord.id)) is None


def test_expired_key_may_be_used_again(bot, clock):
    _post(bot, {"nome": "Ana"}, key="chave-1")
    clock.now += timedelta(hours=24)
    response = _post(bot, {"nome": "Bia"}, key="chave-1")
    assert response.status_code == 201 and _customers() == ["Ana", "Bia"]


def test_keys_belong_to_their_partner(app, bot):
    other, _ = _token(app, "Outro bot")
    _post(bot, {"nome": "Ana"}, key="chave-1")
    response = _post(bot, {"nome": "Bia"}, key="chave-1", token=other)
    assert response.status_code == 201 and _customers() == ["Ana", "Bia"]


# --- paging ---------------------------------------------------------------------------


@pytest.fixture
def five(app):
    # No explicit ids: PostgreSQL's sequence must number the later inserts.
    for number, name in enumerate(["Ana", "Bia", "Caio", "Dora", "Edu"], start=1):
        db.session.add(Customer(code=number * 11, name=name, person_type="F"))
    db.session.commit()


def _list_page(bot, query):
    client, token, _ = bot
    return client.get(f"/api/v1/testes/plataforma/clientes?{query}",
                      headers={"Authorization": f"Bearer {token}"})


def test_pages_follow_the_cursor(bot, five):
    first = _list_page(bot, "limit=2&incluir_total=true").get_json()
    assert first["data"] == [{"id": 1, "nome": "Ana"}, {"id": 2, "nome": "Bia"}]
    assert first["page"]["limit"] == 2 and first["page"]["total"] == 5
    names = [item["nome"] for item in first["data"]]
    cursor = first["page"]["next_cursor"]
    while cursor:
        page = _list_page(bot, f"limit=2&cursor={cursor}").get_json()
        names += [item["nome"] for item in page["data"]]
        cursor = page["page"]["next_cursor"]
    assert names == ["Ana", "Bia", "Caio", "Dora", "Edu"]


def test_cursor_from_other_filters_is_refused(bot, five):
    cursor = _list_page(bot, "limit=1").get_json()["page"]["next_cursor"]
    response = _list_page(bot, f"limit=1&prefixo=B&cursor={cursor}")
    assert (response.status_code, _code(response)) == (422, "CURSOR_INVALIDO")
    response = _list_page(bot, "cursor=%21%21nao-e-cursor")
    assert (response.status_code, _code(response)) == (422, "CURSOR_INVALIDO")


def test_page_limit_is_bounded(bot, five):
    response = _list_page(bot, "limit=201")
    assert (response.status_code, _code(response)) == (422, "VALIDACAO")
    assert _list_page(bot, "").get_json()["page"] == {"limit": 50, "next_cursor": None}


# --- rate limits ----------------------------------------------------------------------


def test_token_rate_limit_answers_429_until_the_next_minute(app, clock):
    token, _ = _token(app, rate_limit_per_minute=3)
    client = app.test_client()
    answers = [client.get("/api/v1/testes/plataforma/clientes",
                          headers={"Authorization": f"Bearer {token}"})
               for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert _code(answers[3]) == "LIMITE_EXCEDIDO"
    assert answers[3].headers["Retry-After"] == "60"
    clock.now += timedelta(minutes=1)
    assert client.get("/api/v1/testes/plataforma/clientes",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200


def _session_for(partner, customer_id=1, **options):
    opened = open_session(partner.id, customer_id, ["1234560"], ["SENHA"], "BOT",
                          **options)
    db.session.commit()
    return opened.token


def _mine_call(bot, session_token, token=None):
    client, default, _ = bot
    headers = {"Authorization": f"Bearer {token or default}"}
    if session_token:
        headers["X-Cliente-Sessao"] = session_token
    return client.get("/api/v1/testes/plataforma/sessao", headers=headers)


def test_customer_rate_limit_is_the_partner_policy(bot, five):
    _, _, partner = bot
    db.session.add(PartnerPolicy(partner_id=partner.id,
                                 customer_rate_limit_per_minute=2))
    db.session.commit()
    session = _session_for(partner)
    answers = [_mine_call(bot, session).status_code for _ in range(3)]
    assert answers == [200, 200, 429]


# --- customer sessions ----------------------------------------------------------------


def test_session_is_required_and_checked(app, bot, five, clock):
    _, _, partner = bot
    assert _code(_mine_call(bot, None)) == "SESSAO_CLIENTE_EXIGIDA"
    assert _code(_mine_call(bot, "cs_" + "x" * 43)) == "SESSAO_CLIENTE_EXPIRADA"
    session = _session_for(partner)
    assert _mine_call(bot, session).get_json() == {"cliente_id": 1}
    other, _ = _token(app, "Outro bot")
    assert _code(_mine_call(bot, session, token=other)) == "SESSAO_CLIENTE_EXPIRADA"


def test_session_expires_after_thirty_idle_minutes(bot, five, clock):
    session = _session_for(bot[2])
    clock.now += timedelta(minutes=29)
    assert _mine_call(bot, session).status_code == 200
    clock.now += timedelta(minutes=29)  # the last call renewed it
    assert _mine_call(bot, session).status_code == 200
    clock.now += timedelta(minutes=31)
    assert _code(_mine_call(bot, session)) == "SESSAO_CLIENTE_EXPIRADA"


def test_session_ends_after_four_hours_in_use(bot, five, clock):
    session = _session_for(bot[2])
    answers = []
    for _ in range(10):
        clock.now += timedelta(minutes=25)
        answers.append(_mine_call(bot, session).status_code)
    assert answers == [200] * 9 + [401]  # at 250 minutes the 4 hours are over
    row = db.session.scalar(select(CustomerSession))
    assert row.token_hash != session and len(row.token_hash) == 64


# --- call log -------------------------------------------------------------------------


def test_every_call_is_logged_with_its_outcome(bot, five):
    _, token, partner = bot
    session = _session_for(partner, customer_id=3)
    _mine_call(bot, session)
    _post(bot, {"nome": "Ana"}, key="k-1")
    _post(bot, {"nome": "Ana"}, key="k-1")
    _mine_call(bot, None, token="gsk_live_AAAAAAAA_" + "a" * 43)
    rows = db.session.scalars(select(CallLog).order_by(CallLog.id)).all()
    assert [(r.operation, r.status, r.result, r.idempotent_replay) for r in rows] == [
        ("_mine", 200, "OK", 0), ("_create", 201, "OK", 0), ("_create", 201, "OK", 1),
        ("_mine", 401, "NAO_AUTENTICADO", 0)]
    assert rows[0].customer_id == 3 and rows[0].partner_id == partner.id
    assert rows[0].token_prefix == token.split("_")[2]
    assert rows[3].partner_id is None and rows[3].token_prefix is None
    assert all(r.request_id and r.duration_ms >= 0 for r in rows)


def test_call_log_keeps_documents_only_hashed(app):
    from core.toolkits.api_platform.privacy import keyed_hash

    digest = keyed_hash("52998224725", "audit")
    assert len(digest) == 64 and "52998224725" not in digest
    assert digest != keyed_hash("52998224725", "document")


# --- personal data in logs and replies ------------------------------------------------


def test_plugin_logs_mask_personal_data(app, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("plugins.customer_access.identify").info(
        "cliente %s e-mail %s", "529.982.247-25", "maria@example.com")
    message = caplog.records[-1].getMessage()
    assert "529.982.247-25" not in message and "maria@example.com" not in message
    assert "***.982.247-**" in message and "m***a@example.com" in message


def test_masks_for_replies():
    assert mask_name("MARIA DA SILVA") == "MARIA D* S****"
    assert mask_email("maria@example.com") == "m***a@example.com"
    assert mask_phone("(95) 99123-4567") == "(95) 9****-4567"


# --- OpenAPI --------------------------------------------------------------------------


def test_platform_parameters_and_errors_are_documented(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    validate_openapi(document)
    create = document["paths"]["/testes/plataforma/clientes"]["post"]
    headers = {p["name"]: p for p in create["parameters"] if p.get("in") == "header"}
    assert headers["Idempotency-Key"]["required"] is True
    assert {"400", "409", "422", "429"} <= set(create["responses"])
    assert create["x-idempotencia"] == "obrigatoria"
    listing = document["paths"]["/testes/plataforma/clientes"]["get"]
    assert {p.get("name") for p in listing["parameters"]} >= {"limit", "cursor",
                                                               "incluir_total"}
    mine = document["paths"]["/testes/plataforma/sessao"]["get"]
    assert any(p.get("name") == "X-Cliente-Sessao" and p["required"]
               for p in mine["parameters"])


@pytest.mark.parametrize("company", ["caer", "caern"])
def test_every_state_changing_route_declares_idempotency(make_app, company):
    app = make_app(company)
    for route in app.extensions["sanea.api"].routes:
        if route.state_changing:
            assert route.extensions.get("x-idempotencia") in (
                "obrigatoria", "isenta"), route.operation_id


# --- storage --------------------------------------------------------------------------


JPEG = b"\xff\xd8\xff\xe0" + bytes(20)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(20)


@pytest.mark.parametrize("data, kind", [
    (JPEG, "image/jpeg"), (PNG, "image/png"), (b"%PDF-1.7 ...", "application/pdf"),
    ("matrícula;valor\n1234560;10\n".encode(), "text/plain"),
    (b"MZ\x90\x00\x03\x00\x00\x00", None),
])
def test_storage_reads_the_type_from_the_bytes(data, kind):
    assert detect_type(data) == kind


def test_storage_keeps_one_file_per_content(app):
    storage = get_storage()
    first = storage.save(PNG, origin_table="teste", origin_id=1, original_name="a.pdf")
    again = storage.save(PNG, origin_table="teste", origin_id=1)
    other = storage.save(PNG, origin_table="teste", origin_id=2)
    db.session.commit()
    assert first.id == again.id != other.id
    assert first.content_type == "image/png" and first.original_name == "a.pdf"
    assert first.path == f"{first.sha256[:2]}/{first.sha256[2:4]}/{first.sha256}.png"
    assert storage.read(other) == PNG and first.size_bytes == len(PNG)


@pytest.mark.parametrize("data, code, status", [
    (b"", "ARQUIVO_VAZIO", 422), (b"MZ\x90\x00", "TIPO_NAO_PERMITIDO", 415),
    (JPEG + bytes(100), "ARQUIVO_GRANDE", 413),
])
def test_storage_refuses_bad_files(app, data, code, status):
    with pytest.raises(StorageError) as refused:
        get_storage().save(data, origin_table="teste", max_bytes=100,
                           allowed_types=("image/jpeg", "image/png"))
    assert (refused.value.code, refused.value.status) == (code, status)


def test_uuid_keys_are_accepted(bot):
    assert _post(bot, {"nome": "Ana"}, key=str(uuid.uuid4())).status_code == 201


def test_customer_table_untouched_by_a_malformed_body(bot):
    client, token, _ = bot
    response = client.post("/api/v1/testes/plataforma/clientes", data="{",
                           headers={"Authorization": f"Bearer {token}",
                                    "Idempotency-Key": "k", "Content-Type":
                                    "application/json"})
    assert (response.status_code, _code(response)) == (400, "REQUISICAO_MALFORMADA")
    assert _customers() == []
    assert json.loads(response.get_data())["status"] == 400
