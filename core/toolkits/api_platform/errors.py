"""The platform's entries of the error catalogue (integração §2.4)."""

from __future__ import annotations

from core.toolkits.api import ErrorKind

SESSION_REQUIRED = ErrorKind(
    "SESSAO_CLIENTE_EXIGIDA", 401, "Sessão do cliente exigida"
)
SESSION_EXPIRED = ErrorKind(
    "SESSAO_CLIENTE_EXPIRADA", 401, "Sessão do cliente expirada"
)
CUSTOMER_NOT_FOUND = ErrorKind(
    "CLIENTE_NAO_ENCONTRADO", 404, "Cliente não encontrado"
)
PROPERTY_NOT_FOUND = ErrorKind("IMOVEL_NAO_ENCONTRADO", 404, "Imóvel não encontrado")
IDEMPOTENCY_KEY_MISSING = ErrorKind(
    "IDEMPOTENCY_KEY_AUSENTE", 400, "Idempotency-Key ausente"
)
IDEMPOTENCY_KEY_INVALID = ErrorKind(
    "IDEMPOTENCY_KEY_INVALIDA", 400, "Idempotency-Key inválida"
)
IDEMPOTENCY_KEY_REUSED = ErrorKind(
    "IDEMPOTENCY_KEY_REUTILIZADA", 422, "Idempotency-Key reutilizada"
)
IDEMPOTENCY_IN_PROGRESS = ErrorKind(
    "IDEMPOTENCY_EM_ANDAMENTO", 409, "Requisição em andamento"
)
RATE_LIMITED = ErrorKind("LIMITE_EXCEDIDO", 429, "Limite de requisições excedido")
CURSOR_INVALID = ErrorKind("CURSOR_INVALIDO", 422, "Cursor inválido")
IDENTIFICATION_LOCKED = ErrorKind(
    "IDENTIFICACAO_BLOQUEADA", 423, "Identificação bloqueada"
)
CREDENTIAL_LOCKED = ErrorKind("CREDENCIAL_BLOQUEADA", 423, "Credencial bloqueada")
CONCURRENCY_CONFLICT = ErrorKind(
    "CONFLITO_CONCORRENCIA", 409, "Conflito de concorrência"
)
PROVIDER_UNAVAILABLE = ErrorKind(
    "PROVEDOR_INDISPONIVEL", 503, "Provedor indisponível"
)

#: Errors every route of a customer session may answer.
SESSION_ERRORS = (SESSION_REQUIRED, SESSION_EXPIRED)
#: Errors the Idempotency-Key layer may answer.
IDEMPOTENCY_ERRORS = (
    IDEMPOTENCY_KEY_MISSING, IDEMPOTENCY_KEY_INVALID, IDEMPOTENCY_KEY_REUSED,
    IDEMPOTENCY_IN_PROGRESS,
)
