"""Serve the partner web services under ``/api/v1`` (integração §2.1-§2.4).

A route is declared once on the :class:`ApiRegistry` with its scope, its
kind of authentication and its request and response schemas; the same
declaration drives the request pipeline and the OpenAPI document::

    @api.route("GET", "/imoveis/{matricula}", scope="imoveis:ler",
               response_schema=PROPERTY_SCHEMA, errors=(PROPERTY_NOT_FOUND,))
    def get_property(call, matricula):
        ...
        return {"matricula": matricula, ...}

Every call goes through one pipeline: request id, authentication (the
route's ``auth`` kind), scope, the registry's middlewares, validation of
the query and the JSON body, the handler. Every failure leaves as the one
problem body of §2.4, built by :func:`problem_response`.

Extension points for what comes next (idempotency, paging, rate limits,
customer sessions): :meth:`ApiRegistry.add_auth_kind` for a new kind of
caller, :meth:`ApiRegistry.add_middleware` to wrap every call after
authentication, and ``Route.extensions`` for per-route settings those
layers read (``Route.extensions["x-..."]`` also reaches the OpenAPI
operation).

Status codes of authentication: no or unknown token 401 NAO_AUTENTICADO;
revoked or expired 401 TOKEN_INVALIDO; a token of an inactive partner 403
PARCEIRO_INATIVO (the token is genuine, the partner is refused); a call
from outside the token's networks 403 ORIGEM_NAO_PERMITIDA; a missing
scope 403 ESCOPO_INSUFICIENTE.

Limitations:

- The token row is read on every call (no cache across calls), so a
  revocation holds from the next call on; it costs one indexed query.
- ``X-Canal`` (§2.1) is not read yet; the partner's default channel is on
  the credential for the layer that will need it.
- Path parameters are documented, not validated by the pipeline: handlers
  check them and answer with their business code (MATRICULA_INVALIDA).
  Query parameters take scalar types only (no arrays or objects).
- Decimals leave as JSON strings ("12.34"), never as floats.
- Unknown routes and methods under /api/v1 are answered by app-wide 404
  and 405 handlers that pass other paths to the handler registered before
  them; a 404/405 handler registered later must hand /api/v1 back.
- The OpenAPI document is 3.1 (JSON Schema 2020-12, nullable fields as
  ``["string", "null"]``); tools that read only 3.0 will not take it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, Flask, Response, current_app, has_request_context, request
from flask.sessions import SessionInterface
from jsonschema import Draft202012Validator
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.domain.base import utcnow
from core.extensions import csrf, db
from core.plugins import call_in_order
from core.services.identifiers import validate_cnpj
from core.toolkits.api_models import (
    Credential,
    address_allowed,
    find_credential,
    parse_token,
    scope_allows,
    secret_matches,
    touch_token,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
# No partner call needs more: a photo is at most a few MB (photo_max_mb).
API_BODY_LIMIT = 12 * 1024 * 1024
PROBLEM_MIME = "application/problem+json"
JSON_MIME = "application/json"
REQUEST_ID_HEADER = "X-Request-Id"
ACTOR_KEY = "sanea.api_actor"  # WSGI environ key: the partner's audit name
TOUCH_INTERVAL = timedelta(minutes=5)  # how stale last_used_at may get
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Scopes of §2.2 (plus the property lookup of the core), with what they allow.
BASE_SCOPES = {
    "imoveis:ler": "Consultar dados cadastrais de imóveis",
    "clientes:identificar": "Identificar clientes por documento e fatores",
    "clientes:ler": "Consultar dados de clientes",
    "clientes:escrever": "Alterar e-mail, senha e telefones de clientes",
    "faturas:ler": "Consultar faturas",
    "debitos:ler": "Consultar débitos",
    "parcelamento:escrever": "Simular e efetuar parcelamentos",
    "pix:gerar": "Gerar QR Codes PIX",
    "autoleitura:ler": "Consultar a autoleitura",
    "autoleitura:escrever": "Aderir, sair e informar autoleitura",
    "laudos:ler": "Validar laudos",
    "ra:ler": "Consultar registros de atendimento",
    "pagamentos:notificar": "Notificar pagamentos",
    "arrecadacao:ler": "Consultar valores arrecadados",
    "faturamento:ler": "Consultar valores faturados",
}


# --- errors ------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorKind:
    """One entry of the error catalogue: code, HTTP status and title."""

    code: str
    status: int
    title: str


NOT_AUTHENTICATED = ErrorKind("NAO_AUTENTICADO", 401, "Não autenticado")
INVALID_TOKEN = ErrorKind("TOKEN_INVALIDO", 401, "Token inválido")
INSUFFICIENT_SCOPE = ErrorKind("ESCOPO_INSUFICIENTE", 403, "Escopo insuficiente")
ORIGIN_NOT_ALLOWED = ErrorKind("ORIGEM_NAO_PERMITIDA", 403, "Origem não permitida")
# A suspended partner holds a genuine token: it is known, but refused (403).
PARTNER_INACTIVE = ErrorKind("PARCEIRO_INATIVO", 403, "Parceiro inativo")
MALFORMED_REQUEST = ErrorKind("REQUISICAO_MALFORMADA", 400, "Requisição malformada")
VALIDATION = ErrorKind("VALIDACAO", 422, "Dados inválidos")
ROUTE_NOT_FOUND = ErrorKind("RECURSO_NAO_ENCONTRADO", 404, "Recurso não encontrado")
RESOURCE_UNAVAILABLE = ErrorKind(
    "RECURSO_NAO_DISPONIVEL", 404, "Recurso não disponível"
)
METHOD_NOT_ALLOWED = ErrorKind("METODO_NAO_PERMITIDO", 405, "Método não permitido")
REQUEST_TOO_LARGE = ErrorKind("REQUISICAO_GRANDE_DEMAIS", 413, "Requisição grande demais")
INTERNAL_ERROR = ErrorKind("ERRO_INTERNO", 500, "Erro interno")

AUTH_ERRORS = (NOT_AUTHENTICATED, INVALID_TOKEN, PARTNER_INACTIVE, ORIGIN_NOT_ALLOWED,
               INSUFFICIENT_SCOPE)
PROBLEM_KEYS = ("type", "title", "status", "code", "detail", "instance", "trace_id",
                "errors")


class ApiError(Exception):
    """A failure the caller is told about in the problem body of §2.4.

    ``errors`` lists field errors (see :func:`field_error`); ``extra`` adds
    members of the error's own (``tentativas_restantes``...); ``headers``
    go on the response (``Retry-After``...).
    """

    def __init__(
        self,
        kind: ErrorKind,
        detail: str,
        *,
        errors: Iterable[dict] = (),
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(f"{kind.code}: {detail}")
        self.kind = kind
        self.detail = detail
        self.errors = list(errors)
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


def field_error(field_name: str, code: str, message: str) -> dict:
    """Return one entry of a problem's ``errors`` list."""
    return {"field": field_name, "code": code, "message": message}


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # exact: amounts travel as decimal strings
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    """Encode a response body: UTF-8 text, keys in the order given."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                      default=_json_default)


def problem_body(
    kind: ErrorKind,
    detail: str,
    errors: Iterable[dict] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict:
    """Build the problem body of §2.4 for the current request."""
    body = {
        "type": f"urn:gsan:erro:{kind.code}",
        "title": kind.title,
        "status": kind.status,
        "code": kind.code,
        "detail": detail,
        "instance": request.path,
        "trace_id": request_id(),
        "errors": list(errors),
    }
    for key, value in (extra or {}).items():
        if key in body:
            raise ValueError(f"problem member {key!r} is reserved")
        body[key] = value
    return body


def problem_response(
    kind: ErrorKind,
    detail: str,
    errors: Iterable[dict] = (),
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Answer with the problem body: the one way every API error leaves."""
    body = problem_body(kind, detail, errors, extra)
    response = Response(dumps(body), status=kind.status, mimetype=PROBLEM_MIME)
    response.headers.update(headers or {})
    return response


def error_response(exc: ApiError) -> Response:
    """Turn an :class:`ApiError` into its problem response."""
    return problem_response(exc.kind, exc.detail, exc.errors, exc.extra, exc.headers)


# --- request id ---------------------------------------------------------------

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_request_id() -> str:
    """Return a ULID: 48 bits of milliseconds and 80 random bits, 26 characters."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10))
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def request_id() -> str:
    """Return the request's id: the caller's X-Request-Id if sane, else a new one."""
    environ = request.environ  # per request, even when an app context is shared
    current = environ.get("sanea.request_id")
    if current is None:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        current = sent if _REQUEST_ID.fullmatch(sent) else new_request_id()
        environ["sanea.request_id"] = current
    return current


# --- personal data in logs ------------------------------------------------------

_EMAIL = re.compile(r"([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_CNPJ_FORMATTED = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-Z]{2}\.[0-9A-Z]{3}\.[0-9A-Z]{3}/[0-9A-Z]{4}-\d{2}"
    r"(?![0-9A-Za-z])"
)
_CNPJ_PLAIN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Z]{12}\d{2}(?![0-9A-Za-z])")
_CPF = re.compile(r"(?<![\d.])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![\d-])")


def _mask_email(match: re.Match) -> str:
    local = match[1]
    hidden = local[0] + "***" + (local[-1] if len(local) > 1 else "")
    return f"{hidden}@{match[2]}"


def _mask_plain_cnpj(match: re.Match) -> str:
    text = match[0]
    if text.isdigit() or validate_cnpj(text):
        return "**.***.***/" + text[8:12] + "-**"
    return text  # an upper-case word that is no CNPJ


def _mask_cpf(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match[0])
    return f"***.{digits[3:6]}.{digits[6:9]}-**"


def mask_personal_data(text: str) -> str:
    """Hide CPFs, CNPJs and e-mail addresses in a log text (LGPD).

    ``123.456.789-09`` and ``12345678909`` become ``***.456.789-**``; a CNPJ
    keeps only its branch (``**.***.***/0001-**``); ``maria@x.com`` becomes
    ``m***a@x.com``.
    """
    text = _EMAIL.sub(_mask_email, text)
    text = _CNPJ_FORMATTED.sub(lambda m: "**.***.***/" + m[0][11:15] + "-**", text)
    text = _CNPJ_PLAIN.sub(_mask_plain_cnpj, text)
    return _CPF.sub(_mask_cpf, text)


class PersonalDataFilter(logging.Filter):
    """Mask personal data in a record's message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_personal_data(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        return True


def install_log_masking(*logger_names: str) -> None:
    """Put a :class:`PersonalDataFilter` on each named logger, once."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, PersonalDataFilter) for f in logger.filters):
            logger.addFilter(PersonalDataFilter())


# --- routes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A path, query or header parameter, documented and (query) validated."""

    name: str
    location: str  # path | query | header
    schema: Mapping[str, Any]
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Route:
    """One operation of the partner API."""

    method: str
    path: str  # OpenAPI style, under /api/v1: "/imoveis/{matricula}"
    handler: Callable[..., Any]
    operation_id: str
    summary: str
    scope: str | None = None
    auth: str = "partner"  # a key of ApiRegistry.auth_kinds; "none" is public
    params: tuple[Param, ...] = ()
    request_schema: Mapping[str, Any] | None = None
    response_schema: Mapping[str, Any] | None = None
    status: int = 200
    errors: tuple[ErrorKind, ...] = ()
    description: str = ""
    tags: tuple[str, ...] = ()
    use_case: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rule(self) -> str:
        """Return the path as a Werkzeug rule: ``/imoveis/<matricula>``."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)

    @property
    def state_changing(self) -> bool:
        """Tell whether the method changes data (and so needs idempotency, §2.5)."""
        return self.method in STATE_CHANGING


@dataclass
class ApiCall:
    """What a handler and the middlewares know about the call being served.

    Reads may go through :attr:`connection`, a Core connection opened once
    for the call (the token check uses it too) and closed after it; writes
    go through ``db.session`` and commit once, as every command does.
    """

    route: Route
    path_params: dict[str, str]
    request_id: str
    partner: Credential | None = None
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    extras: dict[str, Any] = field(default_factory=dict)
    _connection: Connection | None = field(default=None, repr=False)

    @property
    def connection(self) -> Connection:
        """Return the call's Core connection, opening it on first use."""
        if self._connection is None:
            self._connection = db.engine.connect()
        return self._connection

    def close(self) -> None:
        """Give the connection back to the pool (its reads are rolled back)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


Middleware = Callable[[ApiCall, Callable[[], Response]], Response]
Authenticator = Callable[[ApiCall], None]


# --- validation -------------------------------------------------------------------

_TYPE_NAMES = {"string": "texto", "integer": "número inteiro", "number": "número",
               "boolean": "verdadeiro ou falso", "object": "objeto", "array": "lista",
               "null": "nulo"}


def _path_of(error, extra: str | None = None) -> str:
    parts = [str(part) for part in error.absolute_path]
    if extra is not None:
        parts.append(extra)
    return ".".join(parts)


def _type_message(error) -> str:
    expected = error.validator_value
    names = [expected] if isinstance(expected, str) else list(expected)
    return "Tipo inválido: esperado " + " ou ".join(
        _TYPE_NAMES.get(name, name) for name in names
    ) + "."


_SIMPLE_RULES = {
    "minLength": ("TAMANHO_MINIMO", "Informe ao menos {} caractere(s)."),
    "maxLength": ("TAMANHO_MAXIMO", "Informe no máximo {} caractere(s)."),
    "pattern": ("FORMATO_INVALIDO", "Formato inválido."),
    "format": ("FORMATO_INVALIDO", "Formato inválido ({})."),
    "minimum": ("ABAIXO_DO_MINIMO", "O valor mínimo é {}."),
    "exclusiveMinimum": ("ABAIXO_DO_MINIMO", "O valor deve ser maior que {}."),
    "maximum": ("ACIMA_DO_MAXIMO", "O valor máximo é {}."),
    "exclusiveMaximum": ("ACIMA_DO_MAXIMO", "O valor deve ser menor que {}."),
    "minItems": ("ITENS_INSUFICIENTES", "Informe ao menos {} item(ns)."),
    "maxItems": ("ITENS_EM_EXCESSO", "Informe no máximo {} item(ns)."),
    "const": ("VALOR_NAO_PERMITIDO", "Use o valor {}."),
}


def _field_errors(error) -> list[dict]:
    """Describe one jsonschema error as field errors, in Portuguese."""
    rule, value = error.validator, error.validator_value
    if rule == "required":
        missing = [name for name in value if name not in error.instance]
        return [field_error(_path_of(error, name), "OBRIGATORIO", "Campo obrigatório.")
                for name in missing]
    if rule == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        return [field_error(_path_of(error, name), "CAMPO_NAO_PERMITIDO",
                            "Campo não previsto.")
                for name in error.instance if name not in known]
    if rule == "type":
        return [field_error(_path_of(error), "TIPO_INVALIDO", _type_message(error))]
    if rule == "enum":
        options = ", ".join(str(option) for option in value)
        return [field_error(_path_of(error), "VALOR_NAO_PERMITIDO",
                            f"Use um destes valores: {options}.")]
    code, message = _SIMPLE_RULES.get(rule, ("INVALIDO", "Valor inválido."))
    return [field_error(_path_of(error), code, message.format(value))]


def schema_errors(validator: Draft202012Validator, instance: Any) -> tuple[bool, list]:
    """Validate *instance*; return (has a type error, field errors)."""
    found = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    errors, seen = [], set()
    for error in found:
        for item in _field_errors(error):
            key = (item["field"], item["code"])
            if key not in seen:
                seen.add(key)
                errors.append(item)
    return any(error.validator == "type" for error in found), errors


def _coerce(raw: str, schema: Mapping[str, Any]):
    """Convert a query-string value to the schema's type; raise ValueError."""
    kind = schema.get("type")
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    if kind == "boolean":
        lowered = raw.lower()
        if lowered not in ("true", "false", "1", "0"):
            raise ValueError(raw)
        return lowered in ("true", "1")
    return raw


def read_json_body(compiled: _CompiledRoute) -> Any:
    """Parse and validate the request's JSON body (400 or 422 on failure)."""
    raw = request.get_data(cache=True)
    if not raw:
        raise ApiError(MALFORMED_REQUEST, "Envie o corpo da requisição em JSON.")
    if not request.is_json:
        raise ApiError(MALFORMED_REQUEST,
                       "Envie o corpo com Content-Type: application/json.")
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError(MALFORMED_REQUEST, "O corpo deve estar em UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise ApiError(
            MALFORMED_REQUEST,
            f"O corpo não é um JSON válido (linha {exc.lineno}, coluna {exc.colno}).",
        ) from None
    except (RecursionError, ValueError):  # nested too deep, a number too long
        raise ApiError(MALFORMED_REQUEST,
                       "O corpo JSON tem aninhamento ou números grandes demais.") from None
    wrong_type, errors = schema_errors(compiled.body_validator, body)
    if wrong_type:
        raise ApiError(MALFORMED_REQUEST, "Há campos com tipo inválido.", errors=errors)
    if errors:
        raise ApiError(VALIDATION, "Há campos inválidos.", errors=errors)
    return body


def read_query(compiled: _CompiledRoute) -> dict[str, Any]:
    """Convert and validate the declared query parameters (422 on failure)."""
    values, errors = {}, []
    for param, validator in compiled.query_validators:
        raw = request.args.get(param.name)
        if raw is None:
            if param.required:
                errors.append(field_error(param.name, "OBRIGATORIO",
                                          "Parâmetro obrigatório."))
            elif "default" in param.schema:
                values[param.name] = param.schema["default"]
            continue
        try:
            value = _coerce(raw, param.schema)
        except ValueError:
            kind = _TYPE_NAMES.get(param.schema.get("type"), "valor válido")
            errors.append(field_error(param.name, "TIPO_INVALIDO",
                                      f"Tipo inválido: esperado {kind}."))
            continue
        for item in schema_errors(validator, value)[1]:
            errors.append({**item, "field": param.name})
        values[param.name] = value
    if errors:
        raise ApiError(VALIDATION, "Há parâmetros inválidos.", errors=errors)
    return values


# --- authentication ---------------------------------------------------------------


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _unauthenticated(detail: str) -> ApiError:
    return ApiError(NOT_AUTHENTICATED, detail,
                    headers={"WWW-Authenticate": 'Bearer realm="sanea"'})


def _invalid(detail: str) -> ApiError:
    return ApiError(INVALID_TOKEN, detail, headers={
        "WWW-Authenticate": 'Bearer realm="sanea", error="invalid_token"'})


def _touch(call: ApiCall, credential: Credential, now) -> None:
    """Record the token's use at most every TOUCH_INTERVAL (best effort)."""
    last = credential.last_used_at
    if last is not None and now - last < TOUCH_INTERVAL:
        return
    connection = call.connection
    try:
        touch_token(connection, credential.token_id, now)
        connection.commit()
    except SQLAlchemyError:
        connection.rollback()
        log.warning("token %s: could not record its last use", credential.prefix)


def authenticate_partner(call: ApiCall) -> None:
    """Check the ``gsk_`` bearer token and put its credential on the call."""
    text = _bearer()
    if text is None:
        raise _unauthenticated(
            "Envie o token do parceiro no cabeçalho Authorization: Bearer gsk_…")
    parts = parse_token(text)
    registry: ApiRegistry = current_app.extensions["sanea.api"]
    if parts is None or parts.env != registry.token_env:
        raise _unauthenticated("Token não reconhecido.")
    credential = find_credential(call.connection, parts.prefix)
    if credential is None or not secret_matches(parts.secret, credential.token_hash):
        raise _unauthenticated("Token não reconhecido.")
    now = utcnow()
    if credential.revoked_at is not None:
        raise _invalid(f"O token {parts.prefix} foi revogado.")
    if credential.expires_at is not None and credential.expires_at <= now:
        raise _invalid(f"O token {parts.prefix} expirou.")
    if not credential.partner_active:
        raise ApiError(PARTNER_INACTIVE,
                       f"O parceiro {credential.partner_name} está inativo.")
    if not address_allowed(request.remote_addr, credential.allowed_ips):
        raise ApiError(ORIGIN_NOT_ALLOWED,
                       "Este token não pode ser usado a partir deste endereço.")
    call.partner = credential
    request.environ[ACTOR_KEY] = credential.actor  # author of audited changes
    _touch(call, credential, now)


@event.listens_for(Session, "before_flush")
def _partner_as_actor(session, flush_context, instances):
    """Name the calling partner as the author of what an API call changes."""
    if has_request_context() and ACTOR_KEY in request.environ:
        session.info["actor"] = request.environ[ACTOR_KEY]


def check_scope(call: ApiCall) -> None:
    """Refuse the call when the partner's token lacks the route's scope."""
    needed = call.route.scope
    if needed and (call.partner is None or
                   not scope_allows(call.partner.scopes, needed)):
        raise ApiError(INSUFFICIENT_SCOPE,
                       f"Este recurso exige o escopo {needed}.")


# --- the registry -----------------------------------------------------------------


@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    body_validator: Draft202012Validator | None
    query_validators: tuple[tuple[Param, Draft202012Validator], ...]


class ApiRegistry:
    """The routes, scopes, kinds of authentication and middlewares of one app.

    Routes are added while the app is built (the core's, then each plugin's
    ``sanea_api_routes(api)`` hook); :meth:`mount` then freezes them into
    the ``/api/v1`` blueprint.
    """

    def __init__(self, token_env: str = "live"):
        self.token_env = token_env
        self.routes: list[Route] = []
        self.scopes: dict[str, str] = dict(BASE_SCOPES)
        self.auth_kinds: dict[str, Authenticator] = {
            "partner": authenticate_partner, "none": lambda call: None,
        }
        self.middlewares: list[Middleware] = []
        self._compiled: dict[str, _CompiledRoute] = {}
        self._mounted = False
        self._openapi_cache: dict | None = None

    # declaring --------------------------------------------------------------

    def add(self, route: Route) -> Route:
        """Add a route; refuse duplicates, unknown auth kinds and late additions."""
        if self._mounted:
            raise RuntimeError("API routes must be added in sanea_api_routes(api), "
                               "before the blueprint is mounted")
        if route.auth not in self.auth_kinds:
            raise ValueError(f"route {route.operation_id}: unknown auth {route.auth!r}")
        if route.operation_id in self._compiled:
            raise ValueError(f"duplicate API operation {route.operation_id!r}")
        if any((r.method, r.path) == (route.method, route.path) for r in self.routes):
            raise ValueError(f"duplicate API route {route.method} {route.path}")
        self.routes.append(route)
        self._compiled[route.operation_id] = _compile(route)
        if route.scope and route.scope not in self.scopes:
            self.scopes[route.scope] = route.summary
        return route

    def route(self, method: str, path: str, **options) -> Callable:
        """Decorate a handler ``handler(call, **path_params)`` as a route.

        ``options`` are :class:`Route` fields; ``operation_id`` defaults to
        the handler's name and ``summary`` to its docstring's first line.
        """
        def decorate(handler):
            doc = (handler.__doc__ or handler.__name__).strip().splitlines()[0]
            self.add(Route(
                method=method.upper(), path=path, handler=handler,
                operation_id=options.pop("operation_id", handler.__name__),
                summary=options.pop("summary", doc), **options,
            ))
            return handler

        return decorate

    def declare_scopes(self, scopes: Mapping[str, str]) -> None:
        """Make scopes (name to description) available to tokens."""
        self.scopes.update(scopes)

    def add_auth_kind(self, name: str, authenticator: Authenticator) -> None:
        """Add a kind of caller (a customer session, §2.3) routes may require."""
        self.auth_kinds[name] = authenticator

    def add_middleware(self, middleware: Middleware) -> None:
        """Wrap every authenticated call: ``middleware(call, proceed)``."""
        self.middlewares.append(middleware)

    def known_scopes(self) -> set[str]:
        """Return every scope a token may carry (wildcards excluded)."""
        return set(self.scopes)

    def scope_families(self) -> list[str]:
        """Return the families of the known scopes (``imoveis``...)."""
        return sorted({scope.split(":", 1)[0] for scope in self.scopes})

    # serving ------------------------------------------------------------------

    def mount(self, app: Flask) -> Blueprint:
        """Freeze the routes into the CSRF-exempt ``/api/v1`` blueprint."""
        blueprint = Blueprint("sanea_api", __name__, url_prefix=API_PREFIX)
        for route in self.routes:
            blueprint.add_url_rule(route.rule, endpoint=route.operation_id,
                                   view_func=_dispatch, methods=[route.method])
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
        self._mounted = True
        return blueprint

    def compiled(self, operation_id: str) -> _CompiledRoute:
        """Return a route with its validators."""
        return self._compiled[operation_id]

    def openapi(self) -> dict:
        """Return the OpenAPI document of the routes (built once)."""
        if self._openapi_cache is None:
            from core.api.openapi import build_openapi

            self._openapi_cache = build_openapi(self)
        return self._openapi_cache


def _compile(route: Route) -> _CompiledRoute:
    body = Draft202012Validator(route.request_schema) if route.request_schema else None
    query = tuple((param, Draft202012Validator(param.schema))
                  for param in route.params if param.location == "query")
    return _CompiledRoute(route, body, query)


def _to_response(route: Route, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    status, headers = route.status, None
    if isinstance(result, tuple):
        result, status, *rest = result
        headers = rest[0] if rest else None
    if result is None:
        return Response(status=status if status != 200 else 204, headers=headers)
    return Response(dumps(result), status=status, mimetype=JSON_MIME, headers=headers)


def _run(call: ApiCall, compiled: _CompiledRoute) -> Response:
    """Validate the query and body, then run the handler."""
    if compiled.query_validators:
        call.query = read_query(compiled)
    if compiled.body_validator is not None:
        call.body = read_json_body(compiled)
    return _to_response(call.route, call.route.handler(call, **call.path_params))


def _chain(registry: ApiRegistry, call: ApiCall, compiled) -> Response:
    def step(index: int) -> Response:
        if index == len(registry.middlewares):
            return _run(call, compiled)
        return registry.middlewares[index](call, lambda: step(index + 1))

    return step(0)


def _serve(registry: ApiRegistry, call: ApiCall, compiled) -> Response:
    try:
        registry.auth_kinds[call.route.auth](call)
        check_scope(call)
        return _chain(registry, call, compiled)
    except ApiError as exc:
        return error_response(exc)
    except OverflowError:  # a number past what the database column holds
        db.session.rollback()
        return problem_response(
            VALIDATION, "Um número informado excede o limite aceito.")
    except Exception:
        db.session.rollback()
        log.exception("api %s %s failed (request %s)", call.route.method,
                      call.route.path, call.request_id)
        return problem_response(
            INTERNAL_ERROR,
            f"Erro inesperado. Informe o código {call.request_id} ao suporte.")


def _dispatch(**path_params) -> Response:
    """Serve any partner API route through the pipeline."""
    started = time.perf_counter()
    registry: ApiRegistry = current_app.extensions["sanea.api"]
    compiled = registry.compiled(request.url_rule.endpoint.rpartition(".")[2])
    if (request.content_length or 0) > API_BODY_LIMIT:  # refused before reading it
        return problem_response(
            REQUEST_TOO_LARGE,
            f"O corpo da requisição passa de {API_BODY_LIMIT // (1024 * 1024)} MB.")
    call = ApiCall(compiled.route, path_params, request_id())
    try:
        response = _serve(registry, call, compiled)
    finally:
        call.close()
    if log.isEnabledFor(logging.INFO):
        partner = call.partner.partner_name if call.partner else "-"
        log.info("api %s %s -> %s in %.1f ms partner=%s request=%s",
                 call.route.method, call.route.path, response.status_code,
                 (time.perf_counter() - started) * 1000, partner, call.request_id)
    return response


# --- wiring -------------------------------------------------------------------------


def _under_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def _install_error_handlers(app: Flask) -> None:
    """Answer unknown routes and methods under /api/v1 with the problem body."""
    for code, kind, detail in (
        (404, ROUTE_NOT_FOUND, "Não há recurso neste endereço."),
        (405, METHOD_NOT_ALLOWED, "Este recurso não aceita o método {method}."),
        (413, REQUEST_TOO_LARGE, "O corpo da requisição passa do limite aceito."),
    ):
        app.register_error_handler(code, _api_error_handler(app, code, kind, detail))


def _disabled_api_paths(app: Flask) -> list[tuple[str, str]]:
    """Return (plugin title, path prefix) of installed plugins not enabled here."""
    from core.catalogue import plugin_manifests

    loaded = set(app.extensions.get("sanea.plugin_order", ()))
    return [(manifest.title, prefix)
            for name, manifest in plugin_manifests().items() if name not in loaded
            for prefix in manifest.api_paths]


def _unavailable(app: Flask, path: str) -> str | None:
    """Name the disabled plugin that serves *path* (under /api/v1), if any."""
    from core.manifest import path_covers

    paths = app.extensions.get("sanea.api.disabled_paths")
    if paths is None:
        paths = app.extensions["sanea.api.disabled_paths"] = _disabled_api_paths(app)
    return next((title for title, prefix in paths if path_covers(prefix, path)), None)


def _api_error_handler(app: Flask, code: int, kind: ErrorKind, detail: str):
    previous = app.error_handler_spec[None][code].copy()

    def handle(exc):
        if not _under_api(request.path):
            handler = next(iter(previous.values()), None)
            return handler(exc) if handler else exc
        title = _unavailable(app, request.path[len(API_PREFIX):]) if code == 404 else None
        if title is not None:
            log.info("api %s %s -> 404 unavailable request=%s", request.method,
                     mask_personal_data(request.path), request_id())
            return problem_response(
                RESOURCE_UNAVAILABLE,
                f"O serviço {title} não está disponível nesta companhia.")
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or ()))
        headers = {"Allow": allowed} if code == 405 else None
        log.info("api %s %s -> %s request=%s", request.method,
                 mask_personal_data(request.path), code, request_id())
        return problem_response(kind, detail.format(method=request.method),
                                headers=headers)

    return handle


class _TokenOnlySessions(SessionInterface):
    """Skip the cookie session for API calls that carry no cookie.

    Partners authenticate by token; opening and saving Flask's signed
    cookie session for them is pure cost. A call that sends a cookie (a
    logged-in browser on FAB's /api/v1/menu/) keeps its session.
    """

    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def open_session(self, app, request):
        if _under_api(request.path) and "HTTP_COOKIE" not in request.environ:
            return self.make_null_session(app)
        return self.inner.open_session(app, request)

    def save_session(self, app, session, response):
        return self.inner.save_session(app, session, response)


def _add_request_id(response: Response) -> Response:
    if _under_api(request.path):
        response.headers[REQUEST_ID_HEADER] = request_id()
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_api(app: Flask, pm) -> ApiRegistry:
    """Register the partner API blueprint and the plugins' routes."""
    from core.api import register_core_routes

    registry = ApiRegistry(app.config.setdefault("SANEA_API_TOKEN_ENV", "live"))
    app.extensions["sanea.api"] = registry
    register_core_routes(registry)
    call_in_order(pm, "sanea_api_routes", api=registry)
    registry.mount(app)
    _install_error_handlers(app)
    app.after_request(_add_request_id)
    if not isinstance(app.session_interface, _TokenOnlySessions):
        app.session_interface = _TokenOnlySessions(app.session_interface)
    install_log_masking(__name__, "core.api")
    return registry
