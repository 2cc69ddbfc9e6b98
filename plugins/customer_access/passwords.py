"""Hash portal passwords with Argon2id and check the password policy (UC2094).

The Argon2 cost is argon2-cffi's default (RFC 9106's low-memory profile);
``app.config["CUSTOMER_ACCESS_ARGON2"]`` may lower it, which only tests do.
Rows migrated from GSAN hold its unsalted SHA-1 in Base64: such a value is
accepted once and replaced by an Argon2id hash (§4.A UC2089).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from core.toolkits.api import field_error

MIN_LENGTH, MAX_LENGTH, DOCUMENT_RUN = 8, 64, 6


def _hasher() -> PasswordHasher:
    return PasswordHasher(**current_app.config.get("CUSTOMER_ACCESS_ARGON2", {}))


def hash_password(password: str) -> str:
    """Return the Argon2id hash of a password."""
    return _hasher().hash(password)


def _legacy_matches(password: str, stored: str) -> bool:
    digest = base64.b64encode(hashlib.sha1(password.encode("utf-8")).digest())
    return hmac.compare_digest(digest.decode("ascii"), stored)


def check_password(password: str, stored: str) -> tuple[bool, str | None]:
    """Verify a password; return (matches, a new hash to store or None)."""
    if not stored.startswith("$argon2"):
        if _legacy_matches(password, stored):
            return True, hash_password(password)
        return False, None
    hasher = _hasher()
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, hash_password(password) if hasher.check_needs_rehash(stored) else None


def _document_runs(document: str) -> set[str]:
    runs = (document[i:i + DOCUMENT_RUN]
            for i in range(len(document) - DOCUMENT_RUN + 1))
    return {run for run in runs if run.isdigit()}


def password_problems(
    password: str,
    document: str,
    birth_date: date | None = None,
    current_hash: str | None = None,
) -> list[dict]:
    """Return the policy rules a new password breaks, as field errors."""
    problems = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.append(("TAMANHO", f"Use de {MIN_LENGTH} a {MAX_LENGTH} caracteres."))
    if not any(char.isalpha() for char in password):
        problems.append(("SEM_LETRA", "Use ao menos uma letra."))
    if not any(char.isdigit() for char in password):
        problems.append(("SEM_DIGITO", "Use ao menos um número."))
    if any(run in password for run in _document_runs(document)):
        problems.append(("CONTEM_DOCUMENTO",
                         "Não use 6 ou mais dígitos seguidos do seu documento."))
    if birth_date and (f"{birth_date:%d%m%Y}" in password
                       or f"{birth_date:%Y%m%d}" in password):
        problems.append(("CONTEM_DATA_NASCIMENTO", "Não use sua data de nascimento."))
    if current_hash and check_password(password, current_hash)[0]:
        problems.append(("IGUAL_ATUAL", "A nova senha deve ser diferente da atual."))
    return [field_error("nova_senha", code, message) for code, message in problems]
