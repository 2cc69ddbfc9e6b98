"""Describe the partner API as one OpenAPI 3.1 document, from the registry.

Served at ``GET /api/v1/openapi.json``; every route, its parameters, its
request and response schemas, the problem body of every error and the
bearer token it needs come from the same declarations that serve it.
"""

from __future__ import annotations

import copy
from collections import defaultdict

from flask import current_app

from core.toolkits.api import (
    API_PREFIX,
    AUTH_ERRORS,
    INTERNAL_ERROR,
    JSON_MIME,
    MALFORMED_REQUEST,
    PROBLEM_MIME,
    VALIDATION,
    ApiCall,
    ErrorKind,
    Route,
)

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
PROBLEM_REF = {"$ref": "#/components/schemas/Problema"}
REQUEST_ID_HEADER_REF = {"$ref": "#/components/headers/RequestId"}

FIELD_ERROR_SCHEMA = {
    "type": "object",
    "required": ["field", "code", "message"],
    "properties": {
        "field": {"type": "string", "description": "Campo, com pontos: a.b.0"},
        "code": {"type": "string", "examples": ["OBRIGATORIO"]},
        "message": {"type": "string"},
    },
}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Corpo de erro (RFC 9457 com code, errors e trace_id).",
    "required": ["type", "title", "status", "code", "detail", "instance",
                 "trace_id", "errors"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:gsan:erro:IMOVEL_NAO_ENCONTRADO"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "trace_id": {"type": "string", "description": "Igual ao X-Request-Id."},
        "errors": {"type": "array", "items": FIELD_ERROR_SCHEMA},
    },
    "additionalProperties": True,
}
DESCRIPTION = (
    "API de parceiros (bots, loja virtual, gateways). Autentique com "
    "`Authorization: Bearer gsk_<ambiente>_<prefixo>_<segredo>`, emitido por um "
    "administrador em Parceiros › Tokens de API; cada rota exige um escopo, e "
    "`família:*` concede todos os escopos da família. Toda resposta traz "
    "`X-Request-Id`; todo erro é `application/problem+json` com `code`, "
    "`errors` e `trace_id`."
)


def _schema_ref(schema, components: dict) -> dict:
    """Put a titled schema in components and return a $ref to it."""
    title = schema.get("title")
    if not title:
        return copy.deepcopy(dict(schema))
    known = components.setdefault(title, copy.deepcopy(dict(schema)))
    if known != schema:
        raise ValueError(f"two different API schemas are titled {title!r}")
    return {"$ref": f"#/components/schemas/{title}"}


def _parameter(param) -> dict:
    return {
        "name": param.name, "in": param.location, "description": param.description,
        "required": param.required or param.location == "path",
        "schema": copy.deepcopy(dict(param.schema)),
    }


def _error_kinds(route: Route) -> list[ErrorKind]:
    kinds = list(AUTH_ERRORS) if route.auth != "none" else []
    if route.request_schema is not None:
        kinds += [MALFORMED_REQUEST, VALIDATION]
    elif any(param.location == "query" for param in route.params):
        kinds.append(VALIDATION)
    return [*kinds, *route.errors, INTERNAL_ERROR]


def _responses(route: Route, schemas: dict) -> dict:
    headers = {"X-Request-Id": REQUEST_ID_HEADER_REF}
    success = {"description": "Sucesso", "headers": headers}
    if route.response_schema is not None:
        success["content"] = {
            JSON_MIME: {"schema": _schema_ref(route.response_schema, schemas)}}
    responses = {str(route.status): success}
    for status, extra in route.extensions.get("openapi_responses", {}).items():
        # other successes of the route (202 besides 200...)
        responses[str(status)] = {"headers": headers, **copy.deepcopy(extra)}
    by_status = defaultdict(list)
    for kind in _error_kinds(route):
        if kind not in by_status[kind.status]:
            by_status[kind.status].append(kind)
    for status in sorted(by_status):
        responses[str(status)] = {
            "description": "; ".join(f"{k.code}: {k.title}" for k in by_status[status]),
            "headers": headers,
            "content": {PROBLEM_MIME: {"schema": PROBLEM_REF}},
        }
    return responses


def _operation(route: Route, schemas: dict) -> dict:
    description = route.description
    if route.scope:
        description = f"{description}\n\nEscopo exigido: `{route.scope}`.".strip()
    operation = {
        "operationId": route.operation_id, "summary": route.summary,
        "description": description, "tags": list(route.tags),
        "parameters": [_parameter(p) for p in route.params]
        + [{"$ref": "#/components/parameters/RequestId"}],
        "responses": _responses(route, schemas),
        "security": [] if route.auth == "none"
        else [{"bearerAuth": [route.scope] if route.scope else []}],
    }
    if route.request_schema is not None:
        operation["requestBody"] = {"required": True, "content": {
            JSON_MIME: {"schema": _schema_ref(route.request_schema, schemas)}}}
    if "openapi_request_body" in route.extensions:  # e.g. a multipart upload
        operation["requestBody"] = copy.deepcopy(
            route.extensions["openapi_request_body"])
    if route.scope:
        operation["x-escopo"] = route.scope
    if route.use_case:
        operation["x-caso-de-uso"] = route.use_case
    operation.update({k: v for k, v in route.extensions.items() if k.startswith("x-")})
    return operation


def _components(schemas: dict) -> dict:
    return {
        "schemas": {"Problema": PROBLEM_SCHEMA, **schemas},
        "securitySchemes": {"bearerAuth": {
            "type": "http", "scheme": "bearer",
            "bearerFormat": "gsk_<ambiente>_<prefixo>_<segredo>"}},
        "parameters": {"RequestId": {
            "name": "X-Request-Id", "in": "header", "required": False,
            "description": "Identificador da chamada; devolvido igual na resposta.",
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}}},
        "headers": {"RequestId": {
            "description": "O X-Request-Id enviado, ou um gerado (também trace_id).",
            "schema": {"type": "string"}}},
    }


def build_openapi(registry, title: str = "API de parceiros — Sanea") -> dict:
    """Build the OpenAPI 3.1 document of every route in *registry*."""
    paths: dict[str, dict] = defaultdict(dict)
    schemas: dict[str, dict] = {}
    for route in registry.routes:
        paths[route.path][route.method.lower()] = _operation(route, schemas)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": API_VERSION, "description": DESCRIPTION},
        "servers": [{"url": API_PREFIX}],
        "paths": dict(paths),
        "components": _components(schemas),
        "security": [{"bearerAuth": []}],
    }


def get_openapi(call: ApiCall) -> dict:
    """Documento OpenAPI desta API."""
    return current_app.extensions["sanea.api"].openapi()


def register(api) -> None:
    """Serve the document at /api/v1/openapi.json (public)."""
    api.route("GET", "/openapi.json", operation_id="obter_openapi", auth="none",
              tags=("Documentação",), response_schema={"type": "object"})(get_openapi)
