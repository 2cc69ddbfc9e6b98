"""Declare platform routes: customer session, idempotency and paging in one call.

``platform_route`` wraps :meth:`ApiRegistry.route`, adding the headers and
query parameters the platform reads and the errors it may answer, so the
OpenAPI document tells partners exactly what to send::

    @platform_route(api, "POST", "/imoveis/{matricula}/autoleitura/adesao",
                    customer=True, scope="autoleitura:escrever", status=201)
    def join(call, matricula): ...

State-changing methods require ``Idempotency-Key`` unless ``idempotent``
is False (read-only POSTs such as ``…:verificar``).
"""

from __future__ import annotations

import json

from flask import request
from jsonschema import Draft202012Validator

from core.toolkits.api import (
    JSON_MIME,
    MALFORMED_REQUEST,
    STATE_CHANGING,
    VALIDATION,
    ApiError,
    Param,
    schema_errors,
)
from core.toolkits.api_models import CHANNELS
from core.toolkits.api_platform.errors import (
    CURSOR_INVALID,
    IDEMPOTENCY_ERRORS,
    RATE_LIMITED,
    SESSION_ERRORS,
)
from core.toolkits.api_platform.idempotency import EXEMPT, EXTENSION, HEADER, REQUIRED
from core.toolkits.api_platform.paging import PAGE_PARAMS
from core.toolkits.api_platform.sessions import (
    AUTH_KIND,
    CHANNEL_HEADER,
    SESSION_HEADER,
)

IDEMPOTENCY_PARAM = Param(
    HEADER, "header", {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    "Chave única da operação: repetir a chamada com a mesma chave e o mesmo "
    "corpo devolve a primeira resposta (Idempotent-Replayed: true).",
    required=True,
)
SESSION_PARAM = Param(
    SESSION_HEADER, "header", {"type": "string", "pattern": "^cs_[A-Za-z0-9_-]{43}$"},
    "Sessão do cliente obtida na identificação (POST /identificacoes).",
    required=True,
)
CHANNEL_PARAM = Param(
    CHANNEL_HEADER, "header", {"type": "string", "enum": list(CHANNELS)},
    "Canal da chamada; o padrão é o canal do parceiro.",
)


def _unique(kinds) -> tuple:
    seen = []
    for kind in kinds:
        if kind not in seen:
            seen.append(kind)
    return tuple(seen)


def platform_route(
    api,
    method: str,
    path: str,
    *,
    customer: bool = False,
    idempotent: bool | None = None,
    paged: bool = False,
    params=(),
    errors=(),
    extensions=None,
    also=(),
    body_doc=None,
    **options,
):
    """Return the decorator of a route with the platform's parameters and errors.

    ``also`` lists :func:`also_answers` entries; ``body_doc`` documents a
    body the toolkit does not parse itself (optional JSON, multipart).
    """
    method = method.upper()
    idempotent = method in STATE_CHANGING if idempotent is None else idempotent
    params, kinds, extra = list(params), list(errors), dict(extensions or {})
    if customer:
        options["auth"] = AUTH_KIND
        params.append(SESSION_PARAM)
        kinds = [*SESSION_ERRORS, *kinds]
        extra["x-sessao-cliente"] = True
    if idempotent:
        params.append(IDEMPOTENCY_PARAM)
        kinds += IDEMPOTENCY_ERRORS
        extra[EXTENSION] = REQUIRED
    elif method in STATE_CHANGING:
        extra[EXTENSION] = EXEMPT
    if paged:
        params += PAGE_PARAMS
        kinds.append(CURSOR_INVALID)
        extra["x-paginada"] = True
    params.append(CHANNEL_PARAM)
    kinds.append(RATE_LIMITED)
    if also:
        extra["openapi_responses"] = {k: v for entry in also for k, v in entry.items()}
    if body_doc is not None:
        extra["openapi_request_body"] = body_doc
    return api.route(method, path, params=tuple(params), errors=_unique(kinds),
                     extensions=extra, **options)


def also_answers(status: int, description: str, schema=None) -> dict:
    """Describe another success status of a route (``openapi_responses``)."""
    entry: dict = {"description": description}
    if schema is not None:
        entry["content"] = {JSON_MIME: {"schema": dict(schema)}}
    return {str(status): entry}


def optional_json_body(schema) -> dict:
    """Document a JSON body the route accepts but does not require."""
    return {"required": False, "content": {JSON_MIME: {"schema": dict(schema)}}}


def read_optional_json(schema) -> dict:
    """Parse an optional JSON body: {} when absent, 400/422 when invalid."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(MALFORMED_REQUEST, "O corpo não é um JSON válido.") from None
    wrong_type, errors = schema_errors(Draft202012Validator(schema), body)
    if wrong_type:
        raise ApiError(MALFORMED_REQUEST, "Há campos com tipo inválido.", errors=errors)
    if errors:
        raise ApiError(VALIDATION, "Há campos inválidos.", errors=errors)
    return body
