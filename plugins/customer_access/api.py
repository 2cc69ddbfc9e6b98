"""Routes of identification (UC2088-UC2091, UC2093, UC2096) and access (UC2092-UC2094).

Identification steps are exempt from ``Idempotency-Key`` (a passed factor
stays passed, §2.5); the customer's changes need a customer session and a
key. Handlers stay thin: the commands validate and flush, the platform
commits.
"""

from __future__ import annotations

from core.domain.cadastre import Customer
from core.extensions import db
from core.services.identifiers import normalize_document
from core.toolkits.api import VALIDATION, ApiCall, Param
from core.toolkits.api_platform.audit import audit_subject
from core.toolkits.api_platform.errors import (
    CREDENTIAL_LOCKED,
    CUSTOMER_NOT_FOUND,
    IDENTIFICATION_LOCKED,
    PROVIDER_UNAVAILABLE,
)
from core.toolkits.api_platform.routes import (
    also_answers,
    optional_json_body,
    platform_route,
    read_optional_json,
)
from core.toolkits.api_platform.sessions import channel_of, require_customer
from plugins.customer_access import errors as e
from plugins.customer_access.account import change_password, create_first_access
from plugins.customer_access.emails import send_change_code, update_email
from plugins.customer_access.factors import (
    prove_password,
    send_identification_code,
    verify_identification_code,
)
from plugins.customer_access.identify import (
    Caller,
    prove_birth_date,
    prove_registration,
    start_identification,
)

IDENTIFY, WRITE = "clientes:identificar", "clientes:escrever"
TAGS = ("Identificação do cliente",)
ACCOUNT_TAGS = ("Cadastro do cliente",)
FACTOR_NAMES = ["SENHA", "MATRICULA", "DATA_NASCIMENTO", "CODIGO_EMAIL"]


def _object(title, properties, required):
    return {"title": title, "type": "object", "required": list(required),
            "properties": properties, "additionalProperties": False}


def _text(max_length=200, **more):
    return {"type": "string", "maxLength": max_length, **more}


INSTANT = {"type": "string", "format": "date-time"}
SESSION_SCHEMA = {
    "type": ["object", "null"],
    "required": ["token", "expira_em", "cliente_id", "imoveis"],
    "properties": {
        "token": {"type": "string", "pattern": "^cs_"},
        "expira_em": INSTANT,
        "cliente_id": {"type": "integer"},
        "imoveis": {"type": "array", "items": {"type": "string"}},
    },
}
FACTORS_SCHEMA = {
    "title": "FatoresProvados",
    "type": "object",
    "required": ["fatores_ok", "sessao"],
    "properties": {
        "fatores_ok": {"type": "array", "items": {"enum": FACTOR_NAMES}},
        "sessao": SESSION_SCHEMA,
    },
}
IDENTIFICATION_SCHEMA = {
    "title": "Identificacao",
    "type": "object",
    "required": ["identificacao_id", "tipo_documento", "nome_mascarado",
                 "fatores_disponiveis", "politica", "expira_em"],
    "properties": {
        "identificacao_id": {"type": "string", "format": "uuid"},
        "tipo_documento": {"enum": ["CPF", "CNPJ"]},
        "nome_mascarado": {"type": "string", "examples": ["MARIA D* S****"]},
        "fatores_disponiveis": {"type": "array", "items": {"enum": FACTOR_NAMES}},
        "politica": {"type": "array", "items": {
            "type": "array", "items": {"enum": FACTOR_NAMES}}},
        "expira_em": INSTANT,
    },
}
CODE_SENT_SCHEMA = {
    "title": "CodigoEnviado",
    "type": "object",
    "required": ["destino_mascarado", "expira_em", "reenvio_permitido_em"],
    "properties": {"destino_mascarado": {"type": "string"}, "expira_em": INSTANT,
                   "reenvio_permitido_em": INSTANT,
                   "situacao": {"enum": ["PENDENTE_CONFIRMACAO"]}},
}
EMAIL_SCHEMA = {
    "title": "EmailDoCliente",
    "type": "object",
    "required": ["email", "confirmado"],
    "properties": {"email": {"type": "string"}, "confirmado": {"type": "boolean"}},
}
FIRST_ACCESS_SCHEMA = {
    "title": "PrimeiroAcesso",
    "type": "object",
    "required": ["cliente_id", "email", "fatores_ok", "sessao"],
    "properties": {"cliente_id": {"type": "integer"}, "email": {"type": "string"},
                   **FACTORS_SCHEMA["properties"]},
}
SEND_BODY = _object("EnvioDeCodigo", {"email": _text(120)}, [])
IDENTIFICATION_PATH = (Param("identificacao_id", "path", {"type": "string",
                                                          "maxLength": 64}),)
CUSTOMER_PATH = (Param("cliente_id", "path", {"type": "integer", "minimum": 1}),)
STEP_ERRORS = (e.IDENTIFICATION_NOT_FOUND, e.IDENTIFICATION_EXPIRED,
               IDENTIFICATION_LOCKED)
CODE_ERRORS = (e.RESEND_TOO_SOON, e.EMAIL_MISSING, e.EMAIL_INVALID,
               e.EMAIL_TOO_LONG, PROVIDER_UNAVAILABLE)


def _caller(call: ApiCall) -> Caller:
    return Caller(call.partner.partner_id, channel_of(call))


def _customer(call: ApiCall, cliente_id) -> Customer:
    require_customer(call, cliente_id)
    customer = db.session.get(Customer, int(cliente_id))
    if customer is None:
        raise e.AccessError(CUSTOMER_NOT_FOUND, f"Cliente {cliente_id} não encontrado.")
    return customer


# --- identification ----------------------------------------------------------------


def identify(call: ApiCall):
    """Validar CPF/CNPJ do cliente e abrir uma identificação (UC2088)."""
    audit_subject(call, normalize_document(call.body["documento"]))
    return start_identification(_caller(call), call.body["documento"]), 201


def prove_matricula(call: ApiCall, identificacao_id: str):
    """Validar a matrícula de um imóvel do cliente (UC2091)."""
    return prove_registration(_caller(call), identificacao_id, call.body["matricula"])


def prove_data_nascimento(call: ApiCall, identificacao_id: str):
    """Validar a data de nascimento do cliente (UC2090)."""
    return prove_birth_date(_caller(call), identificacao_id,
                            call.body["data_nascimento"])


def prove_senha(call: ApiCall, identificacao_id: str):
    """Validar a senha de acesso do cliente (UC2089)."""
    return prove_password(_caller(call), identificacao_id, call.body["senha"])


def send_codigo_email(call: ApiCall, identificacao_id: str):
    """Enviar código de validação ao e-mail do cliente (UC2093)."""
    body = read_optional_json(SEND_BODY)
    return send_identification_code(_caller(call), identificacao_id,
                                    body.get("email")), 202


def verify_codigo_email(call: ApiCall, identificacao_id: str):
    """Verificar o código enviado ao e-mail (UC2093)."""
    return verify_identification_code(_caller(call), identificacao_id,
                                      call.body["codigo"])


def first_access(call: ApiCall, identificacao_id: str):
    """Cadastrar a senha de acesso no primeiro acesso (UC2096)."""
    body = call.body
    return create_first_access(_caller(call), identificacao_id, body["email"],
                               body["codigo"], body["senha"],
                               body.get("confirmacao")), 201


# --- the customer's account ---------------------------------------------------


def put_email(call: ApiCall, cliente_id: int):
    """Atualizar o e-mail do cliente, confirmado por código (UC2092)."""
    customer = _customer(call, cliente_id)
    return update_email(customer, call.body["email"], call.body.get("codigo"))


def send_email_code(call: ApiCall, cliente_id: int):
    """Enviar código ao novo e-mail ou, sem e-mail, para trocar a senha (UC2093)."""
    customer = _customer(call, cliente_id)
    body = read_optional_json(SEND_BODY)
    return send_change_code(customer, body.get("email")), 202


def put_password(call: ApiCall, cliente_id: int):
    """Atualizar a senha de acesso do cliente (UC2094, UC2095)."""
    customer = _customer(call, cliente_id)
    body = call.body
    change_password(customer, body["nova_senha"], current=body.get("senha_atual"),
                    code=body.get("codigo"), confirmation=body.get("confirmacao"),
                    keep_session=call.extras["sessao_cliente"].id)
    return None, 204


def register(api) -> None:
    """Add the plugin's routes to the registry."""
    _register_identification(api)
    _register_account(api)


def _register_identification(api) -> None:
    route = platform_route
    # Exempt from Idempotency-Key: it changes no cadastral data, and a
    # repeated call only opens another short-lived identification.
    route(api, "POST", "/identificacoes", scope=IDENTIFY, tags=TAGS, use_case="UC2088",
          operation_id="criar_identificacao", status=201, idempotent=False,
          request_schema=_object("NovaIdentificacao",
                                 {"documento": _text(32, minLength=1)}, ["documento"]),
          response_schema=IDENTIFICATION_SCHEMA,
          errors=(e.DOCUMENT_INVALID, CUSTOMER_NOT_FOUND, IDENTIFICATION_LOCKED),
          )(identify)
    base = "/identificacoes/{identificacao_id}"
    steps = (
        ("matricula", "validar_matricula", "UC2091", prove_matricula,
         {"matricula": _text(20)}, (e.REGISTRATION_INVALID, e.FACTOR_INVALID)),
        ("data-nascimento", "validar_data_nascimento", "UC2090", prove_data_nascimento,
         {"data_nascimento": _text(10)},
         (VALIDATION, e.FACTOR_INVALID, e.FACTOR_NOT_APPLICABLE)),
        ("senha", "validar_senha", "UC2089", prove_senha, {"senha": _text(128)},
         (e.FACTOR_INVALID, e.FACTOR_NOT_APPLICABLE, CREDENTIAL_LOCKED)),
        ("codigo-email:verificar", "verificar_codigo_email", "UC2093",
         verify_codigo_email, {"codigo": _text(12)}, (e.CODE_INVALID, e.CODE_EXPIRED)),
    )
    for suffix, operation, use_case, handler, fields, errors in steps:
        route(api, "POST", f"{base}/{suffix}", scope=IDENTIFY, tags=TAGS,
              use_case=use_case, operation_id=operation, idempotent=False,
              params=IDENTIFICATION_PATH, response_schema=FACTORS_SCHEMA,
              request_schema=_object(f"Fator_{operation}", fields, list(fields)),
              errors=(*STEP_ERRORS, *errors))(handler)
    route(api, "POST", f"{base}/codigo-email", scope=IDENTIFY, tags=TAGS,
          use_case="UC2093", operation_id="enviar_codigo_email", idempotent=False,
          status=202, params=IDENTIFICATION_PATH, response_schema=CODE_SENT_SCHEMA,
          body_doc=optional_json_body(SEND_BODY),
          errors=(*STEP_ERRORS, *CODE_ERRORS, e.FACTORS_PENDING,
                  e.LOGIN_EXISTS))(send_codigo_email)
    route(api, "POST", f"{base}/primeiro-acesso", scope=IDENTIFY, tags=TAGS,
          use_case="UC2096", operation_id="cadastrar_senha_primeiro_acesso",
          idempotent=False, status=201, params=IDENTIFICATION_PATH,
          response_schema=FIRST_ACCESS_SCHEMA,
          request_schema=_object("PrimeiroAcessoPedido", {
              "email": _text(120), "codigo": _text(12), "senha": _text(128),
              "confirmacao": _text(128)}, ["email", "codigo", "senha"]),
          errors=(*STEP_ERRORS, e.FACTORS_PENDING, e.LOGIN_EXISTS, e.EMAIL_INVALID,
                  e.EMAIL_TOO_LONG, e.CODE_INVALID, e.CODE_EXPIRED, e.WEAK_PASSWORD,
                  VALIDATION))(first_access)


def _register_account(api) -> None:
    route = platform_route
    base = "/clientes/{cliente_id}"
    route(api, "PUT", f"{base}/email", customer=True, scope=WRITE, tags=ACCOUNT_TAGS,
          use_case="UC2092", operation_id="atualizar_email", params=CUSTOMER_PATH,
          request_schema=_object("NovoEmail", {"email": _text(120),
                                               "codigo": _text(12)}, ["email"]),
          response_schema=EMAIL_SCHEMA,
          also=[also_answers(202, "Código enviado ao novo e-mail; confirme com ele.",
                             CODE_SENT_SCHEMA)],
          errors=(CUSTOMER_NOT_FOUND, *CODE_ERRORS, e.CODE_INVALID,
                  e.CODE_EXPIRED))(put_email)
    route(api, "POST", f"{base}/email:enviar-codigo", customer=True, scope=WRITE,
          tags=ACCOUNT_TAGS, use_case="UC2093", operation_id="enviar_codigo_cliente",
          status=202, params=CUSTOMER_PATH, response_schema=CODE_SENT_SCHEMA,
          body_doc=optional_json_body(SEND_BODY),
          errors=(CUSTOMER_NOT_FOUND, *CODE_ERRORS))(send_email_code)
    route(api, "PUT", f"{base}/senha", customer=True, scope=WRITE, tags=ACCOUNT_TAGS,
          use_case="UC2094", operation_id="atualizar_senha", status=204,
          params=CUSTOMER_PATH,
          request_schema=_object("NovaSenha", {
              "nova_senha": _text(128), "senha_atual": _text(128),
              "codigo": _text(12), "confirmacao": _text(128)}, ["nova_senha"]),
          errors=(CUSTOMER_NOT_FOUND, e.FACTOR_NOT_APPLICABLE, e.WRONG_PASSWORD,
                  e.WEAK_PASSWORD, e.CODE_INVALID, e.CODE_EXPIRED, CREDENTIAL_LOCKED,
                  VALIDATION))(put_password)
