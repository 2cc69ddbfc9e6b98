"""The identification policy: which combinations of factors open a session.

A policy is written ``SENHA|MATRICULA+DATA_NASCIMENTO``: alternatives
separated by ``|``, the factors of one alternative by ``+`` (spec §2.3). It
is a company parameter and, for a partner, a column of its own limits; both
are checked here so a typo never leaves customers unable to identify.
"""

from __future__ import annotations

from core.domain.parameters import InvalidParameterValue

FACTORS = ("SENHA", "MATRICULA", "DATA_NASCIMENTO", "CODIGO_EMAIL")


def parse_policy(text: str) -> list[list[str]]:
    """Split a policy text into alternatives of factors (no checks)."""
    return [[factor.strip().upper() for factor in alternative.split("+")
             if factor.strip()]
            for alternative in text.split("|") if alternative.strip()]


def check_policy(text: object) -> None:
    """Raise InvalidParameterValue unless *text* is a usable policy."""
    alternatives = parse_policy(str(text or ""))
    if not alternatives:
        raise InvalidParameterValue(
            "Informe ao menos uma combinação de fatores, ex.: "
            "SENHA|MATRICULA+DATA_NASCIMENTO.")
    unknown = sorted({f for alt in alternatives for f in alt if f not in FACTORS})
    if unknown:
        raise InvalidParameterValue(
            "Fator(es) desconhecido(s): " + ", ".join(unknown)
            + ". Use " + ", ".join(FACTORS[:-1]) + " ou " + FACTORS[-1] + ".")
    repeated = [alt for alt in alternatives if len(set(alt)) != len(alt)]
    if repeated:
        raise InvalidParameterValue(
            "Fator repetido na combinação " + "+".join(repeated[0]) + ".")
