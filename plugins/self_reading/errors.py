"""The errors of self-reading, with their catalogue entries (§2.4, §4.C)."""

from __future__ import annotations

from core.toolkits.api import ErrorKind

ADHESION_MISSING = ErrorKind("ADESAO_INEXISTENTE", 404, "Adesão inexistente")
ADHESION_ACTIVE = ErrorKind("ADESAO_JA_ATIVA", 409, "Adesão já ativa")
NOT_ELIGIBLE = ErrorKind("AUTOLEITURA_NAO_ELEGIVEL", 422, "Imóvel não elegível")
OUTSIDE_WINDOW = ErrorKind("FORA_DA_JANELA", 422, "Fora da janela de autoleitura")
READING_INVALID = ErrorKind("LEITURA_INVALIDA", 422, "Leitura inválida")
OUT_OF_RANGE = ErrorKind("LEITURA_FORA_DA_FAIXA", 422, "Leitura fora da faixa")
ALREADY_APPLIED = ErrorKind("LEITURA_JA_APLICADA", 409, "Leitura já aplicada")
PHOTO_REQUIRED = ErrorKind("FOTO_OBRIGATORIA", 422, "Foto obrigatória")
NO_SCHEDULE = ErrorKind("SEM_CRONOGRAMA", 422, "Sem cronograma de leitura")
FILE_TOO_LARGE = ErrorKind("ARQUIVO_GRANDE", 413, "Arquivo grande demais")
FILE_TYPE = ErrorKind("TIPO_NAO_PERMITIDO", 415, "Tipo de arquivo não permitido")
EMPTY_FILE = ErrorKind("ARQUIVO_VAZIO", 422, "Arquivo vazio")
FILE_KINDS = {413: FILE_TOO_LARGE, 415: FILE_TYPE, 422: EMPTY_FILE}
