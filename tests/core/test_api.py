"""The partner API toolkit: tokens, scopes, the problem body, OpenAPI, imóveis.

This module is also a throwaway plugin (``api_testes``): enabled by a fake
company, it adds routes that exercise body and query validation, a
middleware, a new kind of caller and an unexpected failure.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import types
from datetime import timedelta

import pytest
from flask import request
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import select

from companies import caern
from core.api.openapi import PROBLEM_SCHEMA
from core.api.properties import PROPERTY_QUERY, PROPERTY_SCHEMA
from core.domain.base import utcnow
from core.domain.cadastre import Block, Locality, Property, PropertySubcategory, Sector
from core.domain.reference import SewerSituation, Subcategory, WaterSituation
from core.extensions import db
from core.hookspecs import hookimpl
from core.manifest import Manifest
from core.settings import Settings
from core.toolkits.api import (
    VALIDATION,
    ApiError,
    ErrorKind,
    Param,
    mask_personal_data,
    problem_response,
)
from core.toolkits.api_models import (
    Partner,
    PartnerToken,
    TokenRequestError,
    hash_secret,
    issue_token,
    parse_token,
    revoke_token,
    scope_allows,
)
from tests.conftest import SECRET

RID = "teste-0001"


# --- the throwaway plugin -----------------------------------------------------

ECHO_SCHEMA = {
    "type": "object",
    "required": ["nome"],
    "properties": {
        "nome": {"type": "string", "maxLength": 5},
        "idade": {"type": "integer", "minimum": 0},
        "canal": {"enum": ["BOT", "URA"]},
    },
    "additionalProperties": False,
}
FAKE_ERROR = ErrorKind("TESTE_FALHOU", 409, "Falha de teste")
SESSION_REQUIRED = ErrorKind("SESSAO_CLIENTE_EXIGIDA", 401, "Sessão do cliente exigida")


@hookimpl
def sanea_manifest():
    return Manifest(name="api_testes", title="Rotas de teste da API", version="0.0.1")


def _echo(call):
    """Ecoar o corpo recebido."""
    return {"recebido": call.body, "parceiro": call.partner.partner_name}, 201


def _list(call):
    """Listar com limite."""
    return {"data": [], "page": {"limit": call.query["limit"], "next_cursor": None}}


def _boom(call):
    """Falhar de propósito."""
    raise RuntimeError("segredo interno 123.456.789-09")


def _conflict(call):
    """Recusar com erro de negócio."""
    raise ApiError(FAKE_ERROR, "Conflito de teste.", extra={"tentativas_restantes": 4})


def _session_kind(call):
    if request.headers.get("X-Cliente-Sessao") != "cs_ok":
        raise ApiError(SESSION_REQUIRED, "Envie a sessão do cliente.")
    call.extras["sessao"] = "cs_ok"


def _session_ok(call):
    """Responder a um cliente com sessão."""
    return {"sessao": call.extras["sessao"]}


def _stamp(call, proceed):
    response = proceed()
    response.headers["X-Teste-Middleware"] = call.route.operation_id
    return response


@hookimpl
def sanea_api_routes(api):
    api.route("POST", "/testes/eco", scope="testes:escrever",
              request_schema={"title": "Eco", **ECHO_SCHEMA}, status=201)(_echo)
    api.route("GET", "/testes/lista", scope="testes:ler", params=(
        Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 200,
                                 "default": 50}),
    ))(_list)
    api.route("GET", "/testes/falha", scope="testes:ler")(_boom)
    api.route("GET", "/testes/conflito", scope="testes:ler",
              errors=(FAKE_ERROR,))(_conflict)
    api.add_auth_kind("sessao", _session_kind)
    api.route("GET", "/testes/sessao", auth="sessao")(_session_ok)
    api.add_middleware(_stamp)


# --- fixtures -------------------------------------------------------------------


@pytest.fixture
def plugin_app(database_url, tmp_path, monkeypatch):
    """An app whose company enables this module as the api_testes plugin."""
    from core.app import create_app

    module = types.ModuleType("companies.apitest")
    module.PROFILE = dataclasses.replace(
        caern.PROFILE, slug="apitest", plugins=(*caern.PROFILE.plugins, "api_testes"))
    module.sanea_company_profile = hookimpl(lambda: module.PROFILE)
    monkeypatch.setitem(sys.modules, "companies.apitest", module)
    settings = Settings(company="apitest", database_url=database_url,
                        secret_key=SECRET, storage_dir=str(tmp_path / "storage"))
    application = create_app({"TESTING": True}, settings=settings,
                             extra_plugins={"api_testes": __name__})
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def _partner(name="Bot CAERN", active=True) -> Partner:
    partner = Partner(name=name, kind="BOT", channel="BOT", active=active)
    db.session.add(partner)
    db.session.commit()
    return partner


def _token(app, scopes, partner=None, **options) -> str:
    partner = partner or _partner()
    issued = issue_token(
        db.session, partner, scopes, env=app.config["SANEA_API_TOKEN_ENV"],
        known_scopes=app.extensions["sanea.api"].known_scopes(), **options)
    return issued.token


def _get(client, path, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(path, headers={"X-Request-Id": RID, **headers})


def _problem(code, status, title, detail, instance, errors=(), **extra):
    return {"type": f"urn:gsan:erro:{code}", "title": title, "status": status,
            "code": code, "detail": detail, "instance": instance, "trace_id": RID,
            "errors": list(errors), **extra}


def _ref(model, code):
    return db.session.scalar(select(model).filter_by(code=code))


@pytest.fixture
def house(app):
    """One property, 123456-0, with two residential and one commercial economies."""
    locality = Locality(code=1, name="Natal")
    sector = Sector(locality=locality, code=2, name="Tirol")
    block = Block(sector=sector, number=3)
    prop = Property(
        registration=1234560, locality=locality, sector=sector, block=block, lot=4,
        sublot=0, street="Rua das Flores", number="100", complement="Apto 201",
        district="Tirol", zip_code="59020000",
        water_situation=_ref(WaterSituation, "connected"),
        sewer_situation=_ref(SewerSituation, "feasible"),
    )
    prop.economies = [
        PropertySubcategory(subcategory=_ref(Subcategory, "commercial_standard"),
                            economies=1),
        PropertySubcategory(subcategory=_ref(Subcategory, "residential_standard"),
                            economies=2),
    ]
    db.session.add(prop)
    db.session.commit()
    return prop


HOUSE = {
    "matricula": "1234560",
    "inscricao": "001.002.003.0004.000",
    "endereco": {"logradouro": "Rua das Flores", "numero": "100",
                 "complemento": "Apto 201", "bairro": "Tirol", "cep": "59020000"},
    "situacao_agua": {"codigo": "connected", "descricao": "Ligado"},
    "situacao_esgoto": {"codigo": "feasible", "descricao": "Factível"},
    "economias": [
        {"categoria": {"codigo": "residential", "descricao": "Residencial"},
         "subcategoria": {"codigo": "residential_standard",
                          "descricao": "Residencial padrão"},
         "quantidade": 2},
        {"categoria": {"codigo": "commercial", "descricao": "Comercial"},
         "subcategoria": {"codigo": "commercial_standard",
                          "descricao": "Comercial padrão"},
         "quantidade": 1},
    ],
    "localidade": {"codigo": 1, "nome": "Natal"},
    "setor": {"codigo": 2, "nome": "Tirol"},
}


# --- the property lookup ----------------------------------------------------------


def test_property_lookup_returns_document(app, client, house):
    response = _get(client, "/api/v1/imoveis/1234560", _token(app, ["imoveis:ler"]))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["X-Request-Id"] == RID
    assert response.get_json() == HOUSE
    Draft202012Validator(PROPERTY_SCHEMA).validate(response.get_json())


def test_property_lookup_accepts_the_printed_registration(app, client, house):
    token = _token(app, ["imoveis:ler"])
    for printed in ("123456.0", "123456-0"):
        response = _get(client, f"/api/v1/imoveis/{printed}", token)
        assert response.status_code == 200
        assert response.get_json() == HOUSE
    wrong = _get(client, "/api/v1/imoveis/123456.1", token)
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"][0]["code"] == "DIGITO_VERIFICADOR"


def test_property_lookup_without_token_is_401(client, house):
    response = _get(client, "/api/v1/imoveis/1234560")
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="sanea"'
    # The one problem body, pinned byte for byte.
    assert response.get_data(as_text=True) == (
        '{"type":"urn:gsan:erro:NAO_AUTENTICADO","title":"Não autenticado",'
        '"status":401,"code":"NAO_AUTENTICADO","detail":"Envie o token do parceiro '
        'no cabeçalho Authorization: Bearer gsk_…","instance":"/api/v1/imoveis/'
        '1234560","trace_id":"teste-0001","errors":[]}'
    )


def test_property_lookup_without_scope_is_403(app, client, house):
    response = _get(client, "/api/v1/imoveis/1234560", _token(app, ["faturas:ler"]))
    assert response.status_code == 403
    assert response.get_json() == _problem(
        "ESCOPO_INSUFICIENTE", 403, "Escopo insuficiente",
        "Este recurso exige o escopo imoveis:ler.", "/api/v1/imoveis/1234560")


def test_property_lookup_unknown_is_404(app, client, house):
    response = _get(client, "/api/v1/imoveis/100005", _token(app, ["imoveis:ler"]))
    assert response.status_code == 404
    assert response.get_json() == _problem(
        "IMOVEL_NAO_ENCONTRADO", 404, "Imóvel não encontrado",
        "Não há imóvel com a matrícula 100005.", "/api/v1/imoveis/100005")


def test_property_lookup_huge_registration_is_404(app, client):
    response = _get(client, "/api/v1/imoveis/9999999994", _token(app, ["imoveis:ler"]))
    assert response.status_code == 404
    assert response.get_json()["code"] == "IMOVEL_NAO_ENCONTRADO"


def test_property_lookup_wrong_check_digit_is_422(app, client, house):
    response = _get(client, "/api/v1/imoveis/1234567", _token(app, ["imoveis:ler"]))
    assert response.status_code == 422
    assert response.get_json() == _problem(
        "MATRICULA_INVALIDA", 422, "Matrícula inválida",
        "O dígito verificador da matrícula 1234567 não confere.",
        "/api/v1/imoveis/1234567",
        [{"field": "matricula", "code": "DIGITO_VERIFICADOR",
          "message": "O dígito verificador não confere."}])


def test_property_lookup_letters_are_422(app, client):
    response = _get(client, "/api/v1/imoveis/12a45", _token(app, ["imoveis:ler"]))
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "MATRICULA_INVALIDA"
    assert body["errors"] == [{"field": "matricula", "code": "FORMATO_INVALIDO",
                               "message": "Use de 2 a 10 dígitos."}]


def test_property_without_economies_lists_none(app, client, house):
    house.economies = []
    db.session.commit()
    response = _get(client, "/api/v1/imoveis/1234560", _token(app, ["imoveis:ler"]))
    assert response.status_code == 200
    assert response.get_json()["economias"] == []


def test_property_query_is_one_statement(app, house):
    statements = []
    from sqlalchemy import event

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = db.session.execute(PROPERTY_QUERY, {"registration": 1234560}).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(rows) == 2
    assert len(statements) == 1


# --- tokens and scopes ---------------------------------------------------------------


def test_wildcard_scope_grants_its_family(app, client, house):
    token = _token(app, ["imoveis:*"])
    assert _get(client, "/api/v1/imoveis/1234560", token).status_code == 200
    other = _token(app, ["clientes:*"], partner=_partner("Loja"))
    response = _get(client, "/api/v1/imoveis/1234560", other)
    assert response.status_code == 403
    assert response.get_json()["code"] == "ESCOPO_INSUFICIENTE"


def test_scope_allows_exact_and_family():
    assert scope_allows({"imoveis:ler"}, "imoveis:ler")
    assert scope_allows({"imoveis:*"}, "imoveis:ler")
    assert not scope_allows({"imoveis:escrever"}, "imoveis:ler")
    assert not scope_allows({"imov:*"}, "imoveis:ler")


def test_revoked_token_is_401_token_invalido(app, client, house):
    token = _token(app, ["imoveis:ler"])
    record = db.session.scalar(select(PartnerToken))
    assert _get(client, "/api/v1/imoveis/1234560", token).status_code == 200
    assert revoke_token(db.session, record) is True
    assert revoke_token(db.session, record) is False
    response = _get(client, "/api/v1/imoveis/1234560", token)
    assert response.status_code == 401
    assert response.get_json() == _problem(
        "TOKEN_INVALIDO", 401, "Token inválido",
        f"O token {record.prefix} foi revogado.", "/api/v1/imoveis/1234560")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_expired_token_is_401_token_invalido(app, client, house):
    token = _token(app, ["imoveis:ler"], expires_at=utcnow() + timedelta(hours=1))
    record = db.session.scalar(select(PartnerToken))
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = _get(client, "/api/v1/imoveis/1234560", token)
    assert response.status_code == 401
    assert response.get_json()["detail"] == f"O token {record.prefix} expirou."


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"),  # right prefix, wrong secret
    lambda t: t.replace("gsk_live_", "gsk_test_"),  # another environment's token
    lambda t: t[:20],  # malformed
    lambda t: "gsk_live_ZZZZZZZZ_" + t.rsplit("_", 1)[1],  # unknown prefix
])
def test_unknown_token_is_401_nao_autenticado(app, client, house, mangle):
    token = mangle(_token(app, ["imoveis:ler"]))
    response = _get(client, "/api/v1/imoveis/1234560", token)
    assert response.status_code == 401
    assert response.get_json() == _problem(
        "NAO_AUTENTICADO", 401, "Não autenticado", "Token não reconhecido.",
        "/api/v1/imoveis/1234560")


def test_inactive_partner_is_403(app, client, house):
    partner = _partner()
    token = _token(app, ["imoveis:ler"], partner=partner)
    partner.active = False
    db.session.commit()
    response = _get(client, "/api/v1/imoveis/1234560", token)
    assert response.status_code == 403
    assert response.get_json() == _problem(
        "PARCEIRO_INATIVO", 403, "Parceiro inativo",
        "O parceiro Bot CAERN está inativo.", "/api/v1/imoveis/1234560")


def test_token_allowed_networks_are_enforced(app, client, house):
    outside = _token(app, ["imoveis:ler"], allowed_ips="10.0.0.0/8")
    inside = _token(app, ["imoveis:ler"], partner=_partner("Loja"),
                    allowed_ips="10.0.0.0/8 127.0.0.1")
    response = _get(client, "/api/v1/imoveis/1234560", outside)
    assert response.status_code == 403
    assert response.get_json()["code"] == "ORIGEM_NAO_PERMITIDA"
    assert _get(client, "/api/v1/imoveis/1234560", inside).status_code == 200


def test_issued_token_is_stored_as_prefix_and_hash(app):
    token = _token(app, ["imoveis:ler", "faturas:ler"], label="produção")
    parts = parse_token(token)
    record = db.session.scalar(select(PartnerToken))
    assert token.startswith("gsk_live_") and len(token) == 4 + 5 + 9 + 43
    assert record.prefix == parts.prefix
    assert record.token_hash == hash_secret(parts.secret)
    assert parts.secret not in json.dumps([record.token_hash, record.scopes])
    assert record.scopes == "faturas:ler imoveis:ler"
    assert record.label == "produção"


def test_issue_token_refuses_bad_requests_and_writes_nothing(app):
    partner = _partner(active=False)
    with pytest.raises(TokenRequestError) as error:
        _token(app, ["imoveis:ler", "naoexiste:ler", "fatura:*", "Errado"],
               partner=partner, expires_at=utcnow() - timedelta(days=1),
               allowed_ips="10.0.0.300")
    assert error.value.errors == [
        "O parceiro Bot CAERN está inativo.",
        "Escopo mal formado: 'Errado' (use família:ação).",
        "Família de escopos desconhecida: fatura:*.",
        "Escopo desconhecido: naoexiste:ler.",
        "A validade deve ser uma data futura.",
        "IPs permitidos: informe endereços ou redes CIDR separados por espaço.",
    ]
    assert db.session.scalar(select(PartnerToken)) is None


def test_third_active_token_is_refused(app):
    partner = _partner()
    _token(app, ["imoveis:ler"], partner=partner)
    _token(app, ["imoveis:ler"], partner=partner)
    with pytest.raises(TokenRequestError) as error:
        _token(app, ["imoveis:ler"], partner=partner)
    assert error.value.errors == [
        "O parceiro Bot CAERN já tem 2 tokens ativos; revogue um antes de emitir "
        "outro."]


def test_token_use_is_recorded_without_audit(app, client, house):
    from core.domain.audit import AuditLog

    token = _token(app, ["imoveis:ler"])
    audits = db.session.query(AuditLog).count()
    _get(client, "/api/v1/imoveis/1234560", token)
    record = db.session.scalar(select(PartnerToken))
    db.session.refresh(record)
    assert record.last_used_at is not None
    assert db.session.query(AuditLog).count() == audits


# --- request id, unknown routes, the problem body ------------------------------------


def test_request_id_is_echoed_or_generated(app, client, house):
    token = _token(app, ["imoveis:ler"])
    echoed = _get(client, "/api/v1/imoveis/100005", token)
    assert echoed.headers["X-Request-Id"] == RID
    assert echoed.get_json()["trace_id"] == RID
    fresh = client.get("/api/v1/imoveis/100005",
                       headers={"Authorization": f"Bearer {token}"})
    generated = fresh.headers["X-Request-Id"]
    assert len(generated) == 26 and generated.isalnum()
    assert fresh.get_json()["trace_id"] == generated
    hostile = client.get("/api/v1/imoveis/100005",
                         headers={"X-Request-Id": "a b;<x>" + "x" * 200})
    assert hostile.headers["X-Request-Id"] != "a b"
    assert len(hostile.headers["X-Request-Id"]) == 26


def test_unknown_api_route_is_404_problem(client):
    response = _get(client, "/api/v1/nao-existe")
    assert response.status_code == 404
    assert response.headers["X-Request-Id"] == RID
    assert response.get_json() == _problem(
        "RECURSO_NAO_ENCONTRADO", 404, "Recurso não encontrado",
        "Não há recurso neste endereço.", "/api/v1/nao-existe")


def test_wrong_method_is_405_problem(client):
    response = client.delete("/api/v1/imoveis/1234560", headers={"X-Request-Id": RID})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert response.get_json()["code"] == "METODO_NAO_PERMITIDO"


def test_pages_outside_the_api_keep_html_404(client):
    response = client.get("/nao-existe")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "X-Request-Id" not in response.headers


def test_problem_body_refuses_reserved_extra(app):
    with app.test_request_context("/api/v1/x"):
        with pytest.raises(ValueError, match="reserved"):
            problem_response(VALIDATION, "x", extra={"status": 200})


def test_fab_api_routes_still_answer(client):
    assert client.get("/api/v1/menu/").status_code == 401  # FAB's own, unchanged


# --- the plugin routes: validation, middleware, auth kinds, failures ------------------


def _post(client, token, data, content_type="application/json"):
    return client.post("/api/v1/testes/eco", data=data, content_type=content_type,
                       headers={"Authorization": f"Bearer {token}",
                                "X-Request-Id": RID})


def test_sanea_api_routes_adds_plugin_routes(plugin_app):
    client = plugin_app.test_client()
    token = _token(plugin_app, ["testes:escrever"])
    response = _post(client, token, json.dumps({"nome": "Ana", "idade": 3}))
    assert response.status_code == 201
    assert response.get_json() == {"recebido": {"nome": "Ana", "idade": 3},
                                   "parceiro": "Bot CAERN"}
    assert response.headers["X-Teste-Middleware"] == "_echo"


def test_bad_json_is_400_requisicao_malformada(plugin_app):
    client = plugin_app.test_client()
    response = _post(client, _token(plugin_app, ["testes:*"]), '{"nome": ')
    assert response.status_code == 400
    assert response.get_json() == _problem(
        "REQUISICAO_MALFORMADA", 400, "Requisição malformada",
        "O corpo não é um JSON válido (linha 1, coluna 10).", "/api/v1/testes/eco")


def test_body_of_wrong_content_type_is_400(plugin_app):
    client = plugin_app.test_client()
    response = _post(client, _token(plugin_app, ["testes:*"]), "nome=Ana",
                     content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.get_json()["detail"] == (
        "Envie o corpo com Content-Type: application/json.")


def test_wrong_types_are_400_with_fields(plugin_app):
    client = plugin_app.test_client()
    response = _post(client, _token(plugin_app, ["testes:*"]),
                     json.dumps({"nome": 5, "idade": "três"}))
    assert response.status_code == 400
    assert response.get_json() == _problem(
        "REQUISICAO_MALFORMADA", 400, "Requisição malformada",
        "Há campos com tipo inválido.", "/api/v1/testes/eco", [
            {"field": "idade", "code": "TIPO_INVALIDO",
             "message": "Tipo inválido: esperado número inteiro."},
            {"field": "nome", "code": "TIPO_INVALIDO",
             "message": "Tipo inválido: esperado texto."},
        ])


def test_field_rules_are_422_validacao(plugin_app):
    client = plugin_app.test_client()
    response = _post(client, _token(plugin_app, ["testes:*"]),
                     json.dumps({"idade": -1, "canal": "FAX", "extra": 1}))
    assert response.status_code == 422
    assert response.get_json() == _problem(
        "VALIDACAO", 422, "Dados inválidos", "Há campos inválidos.",
        "/api/v1/testes/eco", [
            {"field": "nome", "code": "OBRIGATORIO", "message": "Campo obrigatório."},
            {"field": "extra", "code": "CAMPO_NAO_PERMITIDO",
             "message": "Campo não previsto."},
            {"field": "canal", "code": "VALOR_NAO_PERMITIDO",
             "message": "Use um destes valores: BOT, URA."},
            {"field": "idade", "code": "ABAIXO_DO_MINIMO",
             "message": "O valor mínimo é 0."},
        ])


def test_query_parameters_are_converted_and_checked(plugin_app):
    client = plugin_app.test_client()
    token = _token(plugin_app, ["testes:ler"])
    assert _get(client, "/api/v1/testes/lista", token).get_json()["page"] == {
        "limit": 50, "next_cursor": None}
    assert _get(client, "/api/v1/testes/lista?limit=7", token).get_json()[
        "page"]["limit"] == 7
    response = _get(client, "/api/v1/testes/lista?limit=500", token)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "limit", "code": "ACIMA_DO_MAXIMO",
         "message": "O valor máximo é 200."}]
    response = _get(client, "/api/v1/testes/lista?limit=dez", token)
    assert response.get_json()["errors"] == [
        {"field": "limit", "code": "TIPO_INVALIDO",
         "message": "Tipo inválido: esperado número inteiro."}]


def test_business_error_carries_its_extra_members(plugin_app):
    client = plugin_app.test_client()
    token = _token(plugin_app, ["testes:ler"])
    response = _get(client, "/api/v1/testes/conflito", token)
    assert response.status_code == 409
    assert response.get_json() == _problem(
        "TESTE_FALHOU", 409, "Falha de teste", "Conflito de teste.",
        "/api/v1/testes/conflito", tentativas_restantes=4)


def test_new_auth_kind_guards_its_routes(plugin_app):
    client = plugin_app.test_client()
    refused = _get(client, "/api/v1/testes/sessao")
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "SESSAO_CLIENTE_EXIGIDA"
    accepted = _get(client, "/api/v1/testes/sessao", **{"X-Cliente-Sessao": "cs_ok"})
    assert accepted.get_json() == {"sessao": "cs_ok"}


def test_unexpected_failure_is_500_without_traceback(plugin_app, caplog):
    client = plugin_app.test_client()
    with caplog.at_level(logging.ERROR, logger="core.toolkits.api"):
        response = _get(client, "/api/v1/testes/falha",
                        _token(plugin_app, ["testes:ler"]))
    assert response.status_code == 500
    assert response.get_json() == _problem(
        "ERRO_INTERNO", 500, "Erro interno",
        f"Erro inesperado. Informe o código {RID} ao suporte.", "/api/v1/testes/falha")
    assert "segredo" not in response.get_data(as_text=True)
    record = caplog.records[-1]
    assert "teste-0001" in record.getMessage()
    assert "***.456.789-**" in record.exc_text
    assert "123.456.789-09" not in record.exc_text


def test_routes_cannot_be_added_after_mounting(app):
    with pytest.raises(RuntimeError, match="sanea_api_routes"):
        app.extensions["sanea.api"].route("GET", "/tarde")(_list)


# --- OpenAPI ------------------------------------------------------------------------


def test_openapi_document_is_valid(plugin_app):
    response = plugin_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate_openapi(spec)
    operation = spec["paths"]["/imoveis/{matricula}"]["get"]
    assert operation["operationId"] == "obter_imovel"
    assert operation["security"] == [{"bearerAuth": ["imoveis:ler"]}]
    assert sorted(operation["responses"]) == ["200", "401", "403", "404", "422", "500"]
    assert operation["responses"]["404"]["description"] == (
        "IMOVEL_NAO_ENCONTRADO: Imóvel não encontrado")
    assert operation["responses"]["200"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/Imovel"}}
    assert spec["components"]["schemas"]["Imovel"] == PROPERTY_SCHEMA
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    echo = spec["paths"]["/testes/eco"]["post"]
    assert sorted(echo["responses"]) == ["201", "400", "401", "403", "422", "500"]
    assert spec["paths"]["/openapi.json"]["get"]["security"] == []


def test_problem_bodies_match_the_documented_schema(app, client, house):
    validator = Draft202012Validator(PROBLEM_SCHEMA)
    for response in (_get(client, "/api/v1/imoveis/1234560"),
                     _get(client, "/api/v1/nao-existe"),
                     _get(client, "/api/v1/imoveis/1234567",
                          _token(app, ["imoveis:ler"]))):
        validator.validate(response.get_json())


# --- personal data in logs ------------------------------------------------------------


def test_mask_personal_data_hides_cpf_cnpj_and_email():
    text = ("cliente 123.456.789-09 / 12345678909 empresa 11.222.333/0001-81 "
            "e 11222333000181 e-mail maria.silva@example.com matrícula 1234560")
    assert mask_personal_data(text) == (
        "cliente ***.456.789-** / ***.456.789-** empresa **.***.***/0001-** "
        "e **.***.***/0001-** e-mail m***a@example.com matrícula 1234560")


def test_mask_checks_alphanumeric_cnpj_digits():
    assert mask_personal_data("cnpj 12ABC34501DE35") == "cnpj **.***.***/01DE-**"
    assert mask_personal_data("código ABCDEFGHJKLM12") == "código ABCDEFGHJKLM12"


# --- the CLI ------------------------------------------------------------------------


def test_api_token_cli_issues_and_revokes(app, client, house):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sanea", "api-token", "issue", "--partner", "URA",
                                 "--scope", "imoveis:ler", "--create-partner"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert _get(client, "/api/v1/imoveis/1234560", token).status_code == 200
    prefix = parse_token(token).prefix
    result = runner.invoke(args=["sanea", "api-token", "revoke", prefix])
    assert result.output == f"Token {prefix} revogado.\n"
    assert _get(client, "/api/v1/imoveis/1234560", token).get_json()["code"] == (
        "TOKEN_INVALIDO")


def test_api_token_cli_refuses_unknown_scope(app):
    result = app.test_cli_runner().invoke(args=[
        "sanea", "api-token", "issue", "--partner", "URA", "--scope", "x:y",
        "--create-partner"])
    assert result.exit_code == 1
    assert "Escopo desconhecido: x:y." in result.output
    assert db.session.scalar(select(Partner)) is None


def test_manifest_path_prefixes_cover_whole_segments():
    from core.manifest import path_covers

    prefix = "/imoveis/{matricula}/autoleitura"
    assert path_covers(prefix, "/imoveis/1234560/autoleitura")
    assert path_covers(prefix, "/imoveis/1234560/autoleitura/leituras:verificar")
    assert not path_covers(prefix, "/imoveis/1234560")
    assert not path_covers(prefix, "/imoveis/1234560/autoleituras")
    assert not path_covers("/identificacoes", "/identificacao")


def test_disabled_plugin_route_is_unavailable_not_unknown(make_app):
    caer = make_app("caer")  # customer identification, no self-reading
    client = caer.test_client()
    response = client.get("/api/v1/imoveis/1234560/autoleitura/janela")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert (body["code"], body["detail"]) == (
        "RECURSO_NAO_DISPONIVEL",
        "O serviço Autoleitura não está disponível nesta companhia.")
    unknown = client.get("/api/v1/nada-aqui").get_json()
    assert unknown["code"] == "RECURSO_NAO_ENCONTRADO"


def test_deeply_nested_json_is_400_not_500(app, client):
    token = _token(app, ["clientes:identificar"])  # CAERN enables customer_access
    response = client.post(
        "/api/v1/identificacoes", data="[" * 100_000 + "]" * 100_000,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["detail"] == (
        "O corpo JSON tem aninhamento ou números grandes demais.")


def test_a_body_over_the_limit_is_413_before_it_is_read(app, client):
    from core.toolkits.api import API_BODY_LIMIT

    response = client.post(
        "/api/v1/identificacoes", data=b"x" * (API_BODY_LIMIT + 1),
        headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    body = response.get_json()
    assert (body["code"], body["detail"]) == (
        "REQUISICAO_GRANDE_DEMAIS", "O corpo da requisição passa de 12 MB.")
