"""The errors of identification and access, with their catalogue entries (§2.4)."""

from __future__ import annotations

from core.toolkits.api import ApiError, ErrorKind

DOCUMENT_INVALID = ErrorKind("DOCUMENTO_INVALIDO", 422, "Documento inválido")
REGISTRATION_INVALID = ErrorKind("MATRICULA_INVALIDA", 422, "Matrícula inválida")
FACTOR_INVALID = ErrorKind("FATOR_INVALIDO", 422, "Fator inválido")
FACTOR_NOT_APPLICABLE = ErrorKind("FATOR_NAO_APLICAVEL", 422, "Fator não aplicável")
FACTORS_PENDING = ErrorKind("FATORES_PENDENTES", 422, "Fatores pendentes")
IDENTIFICATION_NOT_FOUND = ErrorKind(
    "IDENTIFICACAO_NAO_ENCONTRADA", 404, "Identificação não encontrada")
IDENTIFICATION_EXPIRED = ErrorKind(
    "IDENTIFICACAO_EXPIRADA", 410, "Identificação expirada")
CODE_INVALID = ErrorKind("CODIGO_INVALIDO", 422, "Código inválido")
CODE_EXPIRED = ErrorKind("CODIGO_EXPIRADO", 410, "Código expirado")
RESEND_TOO_SOON = ErrorKind("REENVIO_MUITO_CEDO", 429, "Reenvio muito cedo")
EMAIL_MISSING = ErrorKind("EMAIL_INEXISTENTE", 422, "E-mail inexistente")
EMAIL_INVALID = ErrorKind("EMAIL_INVALIDO", 422, "E-mail inválido")
EMAIL_TOO_LONG = ErrorKind("EMAIL_MUITO_LONGO", 422, "E-mail muito longo")
WEAK_PASSWORD = ErrorKind("SENHA_FRACA", 422, "Senha fraca")
WRONG_PASSWORD = ErrorKind("SENHA_ATUAL_INCORRETA", 422, "Senha atual incorreta")
LOGIN_EXISTS = ErrorKind("CADASTRO_JA_EXISTE", 409, "Cadastro já existe")


class AccessError(ApiError):
    """A refused identification step or access change.

    ``field`` names the form field at fault (screens show the message next
    to it); the API answers the problem body of the error's kind.
    """

    def __init__(self, kind: ErrorKind, detail: str, *, field: str | None = None,
                 **options):
        super().__init__(kind, detail, **options)
        self.field = field
