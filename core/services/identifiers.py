"""Check digits and formats of Sanea's identifiers.

Pure functions, no database: the matrícula (``registration``) and customer
code with GSAN's mod-11 digit, the cadastral inscrição, and the CPF and CNPJ
of customers, including the alphanumeric CNPJ issued from July 2026
(Receita Federal, IN RFB 2.229/2024).

Validators (``validate_*``) answer ``True`` or ``False``; the ``check_*``
functions return the cleaned value or raise :class:`InvalidDocument`, whose
``code`` says which rule failed, as the partner API reports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

__all__ = [
    "CPF",
    "CNPJ",
    "Document",
    "Inscription",
    "InvalidDocument",
    "InvalidIdentifier",
    "check_cnpj",
    "check_cpf",
    "check_cpf_cnpj",
    "cnpj_check_digits",
    "cpf_check_digits",
    "format_cnpj",
    "format_cpf",
    "format_cpf_cnpj",
    "format_inscription",
    "format_registration",
    "make_cnpj",
    "make_cpf",
    "make_registration",
    "mod10_check_digit",
    "mod11_check_digit",
    "normalize_document",
    "parse_inscription",
    "split_registration",
    "validate_cnpj",
    "validate_cpf",
    "validate_cpf_cnpj",
    "validate_registration",
]

CPF: Final = "CPF"
CNPJ: Final = "CNPJ"

# Error codes of an invalid CPF/CNPJ, as the partner API names them.
LENGTH: Final = "TAMANHO"
BAD_CHARACTER: Final = "CARACTERE_INVALIDO"
CHECK_DIGIT: Final = "DIGITO_VERIFICADOR"
REPEATED: Final = "SEQUENCIA_REPETIDA"

_DOCUMENT_PUNCTUATION = re.compile(r"[.\-/\s]")
_CNPJ_BASE = re.compile(r"[0-9A-Z]{12}")
_INSCRIPTION_WIDTHS = (3, 3, 3, 4, 3)  # the block's width is a parameter


class InvalidIdentifier(ValueError):
    """An identifier that breaks its format or check digit.

    ``code`` is a stable upper-case code for APIs; the message is Portuguese.
    """

    def __init__(self, message: str, code: str = "INVALIDO") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class InvalidDocument(InvalidIdentifier):
    """A CPF or CNPJ that is not valid.

    ``code`` is one of TAMANHO, CARACTERE_INVALIDO, DIGITO_VERIFICADOR or
    SEQUENCIA_REPETIDA.
    """


# -- check digits ------------------------------------------------------------


def _digits_of(number: int | str, label: str) -> str:
    """Return *number* as a string of decimal digits, or raise."""
    if isinstance(number, bool):
        raise InvalidIdentifier(f"{label}: valor inválido.")
    text = str(number) if isinstance(number, int) else number
    if not text or not text.isascii() or not text.isdigit():
        raise InvalidIdentifier(f"{label}: informe apenas dígitos.")
    return text


def _mod11_of_values(values: list[int]) -> int:
    """Return the mod-11 digit of *values*, weights 2..9 cycling from the right."""
    total = sum(
        value * (2 + position % 8) for position, value in enumerate(reversed(values))
    )
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def mod11_check_digit(number: int | str) -> int:
    """Compute GSAN's mod-11 check digit of a decimal number.

    Weights 2, 3, ..., 9, 2, 3, ... from the rightmost digit; with ``r`` the
    weighted sum modulo 11 the digit is 0 when ``r`` is 0 or 1, else
    ``11 - r``. Used by the matrícula, the customer code and the mod-11
    FEBRABAN barcode.
    """
    digits = _digits_of(number, "Dígito verificador")
    return _mod11_of_values([int(digit) for digit in digits])


def mod10_check_digit(number: int | str) -> int:
    """Compute the mod-10 check digit of a decimal number.

    Weights 2, 1, 2, 1, ... from the rightmost digit; the *digits* of each
    product are added; the digit is 0 when the sum is a multiple of 10,
    else ``10 - sum % 10``.
    """
    digits = _digits_of(number, "Dígito verificador")
    total = 0
    for position, digit in enumerate(reversed(digits)):
        product = int(digit) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


# -- matrícula and customer code ---------------------------------------------


def make_registration(sequence: int) -> int:
    """Append the mod-11 check digit to a sequential number.

    ``make_registration(123456)`` is ``1234560``. Customer codes follow the
    same rule.
    """
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
        raise InvalidIdentifier("Matrícula: o sequencial deve ser um inteiro positivo.")
    return sequence * 10 + mod11_check_digit(sequence)


def _registration_digits(value: int | str) -> str:
    """Return the digits of a matrícula given as int, digits or "123456.7"."""
    if isinstance(value, str):
        value = value.strip()
        if re.fullmatch(r"\d+\.\d", value):
            value = value.replace(".", "")
    digits = _digits_of(value, "Matrícula")
    if len(digits) < 2:
        raise InvalidIdentifier("Matrícula: informe o número e o dígito verificador.")
    return digits


def split_registration(value: int | str) -> tuple[int, int]:
    """Split a matrícula into its sequential number and its check digit.

    The digit is not checked: ``split_registration(1234567)`` is
    ``(123456, 7)``.
    """
    digits = _registration_digits(value)
    return int(digits[:-1]), int(digits[-1])


def validate_registration(value: int | str) -> bool:
    """Tell whether the last digit of a matrícula is the mod-11 digit of the rest.

    Accepts an int, a string of digits or the displayed form ``"123456.0"``.
    """
    try:
        base, digit = split_registration(value)
    except InvalidIdentifier:
        return False
    return mod11_check_digit(base) == digit


def format_registration(value: int | str) -> str:
    """Format a matrícula for display: ``1234567`` becomes ``"123456.7"``."""
    digits = _registration_digits(value)
    return f"{digits[:-1]}.{digits[-1]}"


# -- inscrição -----------------------------------------------------------------


@dataclass(frozen=True)
class Inscription:
    """The cadastral position of a property: locality.sector.block.lot.sublot."""

    locality: int
    sector: int
    block: int
    lot: int
    sublot: int

    def format(self, block_digits: int = 3) -> str:
        """Format the inscription as ``LLL.SSS.QQQ.LLLL.SSS``."""
        return format_inscription(
            self.locality, self.sector, self.block, self.lot, self.sublot, block_digits
        )


def _inscription_widths(block_digits: int) -> tuple[int, ...]:
    """Return the widths of the five parts for a block of *block_digits*."""
    if block_digits not in (3, 4, 5):
        raise InvalidIdentifier("Inscrição: a quadra tem de 3 a 5 dígitos.")
    locality, sector, _, lot, sublot = _INSCRIPTION_WIDTHS
    return locality, sector, block_digits, lot, sublot


def format_inscription(
    locality: int,
    sector: int,
    block: int,
    lot: int,
    sublot: int,
    block_digits: int = 3,
) -> str:
    """Format an inscrição as ``LLL.SSS.QQQ.LLLL.SSS``.

    Each part is left-padded with zeros to its width (the block to
    *block_digits*, 3 to 5 by company); a longer value is kept whole, never cut.
    """
    widths = _inscription_widths(block_digits)
    parts = (locality, sector, block, lot, sublot)
    for part in parts:
        if isinstance(part, bool) or not isinstance(part, int) or part < 0:
            raise InvalidIdentifier("Inscrição: cada parte deve ser um inteiro ≥ 0.")
    padded = (str(part).zfill(width) for part, width in zip(parts, widths, strict=True))
    return ".".join(padded)


def _cut(text: str, widths: tuple[int, ...]) -> list[str]:
    """Cut *text* into consecutive pieces of the given widths."""
    pieces, start = [], 0
    for width in widths:
        pieces.append(text[start : start + width])
        start += width
    return pieces


def parse_inscription(text: str, block_digits: int = 3) -> Inscription:
    """Read an inscrição written with dots, or as bare digits of fixed widths."""
    widths = _inscription_widths(block_digits)
    text = text.strip()
    if "." in text:
        parts = text.split(".")
    elif len(text) == sum(widths):
        parts = _cut(text, widths)
    else:
        parts = []
    if len(parts) != 5 or not all(part.isascii() and part.isdigit() for part in parts):
        raise InvalidIdentifier(
            f"Inscrição '{text}' fora do formato LLL.SSS.QQQ.LLLL.SSS.", "INSCRICAO"
        )
    return Inscription(*(int(part) for part in parts))


# -- CPF and CNPJ --------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A checked CPF or CNPJ: its kind and its unformatted number."""

    kind: str
    number: str

    @property
    def formatted(self) -> str:
        """Return the number as displayed (``529.982.247-25``)."""
        return format_cpf(self.number) if self.kind == CPF else format_cnpj(self.number)


def normalize_document(text: str) -> str:
    """Strip dots, dashes, slashes and spaces from a typed CPF/CNPJ; upper-case it.

    Forms and APIs call this before validating; other characters are kept so
    that the check reports them.
    """
    return _DOCUMENT_PUNCTUATION.sub("", text).upper()


def _strip_punctuation(value: str, label: str) -> str:
    """Remove punctuation (not case) from *value*, which must be a string."""
    if not isinstance(value, str):
        raise InvalidDocument(f"{label} deve ser informado como texto.", BAD_CHARACTER)
    return _DOCUMENT_PUNCTUATION.sub("", value)


def cpf_check_digits(base: str) -> str:
    """Compute the two check digits of the 9-digit base of a CPF."""
    if not isinstance(base, str) or not (base.isascii() and base.isdigit()):
        raise InvalidDocument(
            "A base do CPF deve conter apenas dígitos.", BAD_CHARACTER
        )
    if len(base) != 9:
        raise InvalidDocument("A base do CPF deve ter 9 dígitos.", LENGTH)
    values = [int(digit) for digit in base]
    for _ in range(2):
        weights = range(len(values) + 1, 1, -1)  # 10..2, then 11..2
        pairs = zip(values, weights, strict=True)
        total = sum(value * weight for value, weight in pairs)
        remainder = total % 11
        values.append(0 if remainder < 2 else 11 - remainder)
    return f"{values[-2]}{values[-1]}"


def check_cpf(value: str) -> str:
    """Return the 11 digits of a valid CPF, or raise :class:`InvalidDocument`.

    Dots, dashes and spaces are ignored. Eleven equal digits are refused
    although they pass the arithmetic.
    """
    number = _strip_punctuation(value, "CPF")
    if len(number) != 11:
        raise InvalidDocument("O CPF deve ter 11 dígitos.", LENGTH)
    if not (number.isascii() and number.isdigit()):
        raise InvalidDocument("O CPF deve conter apenas dígitos.", BAD_CHARACTER)
    if len(set(number)) == 1:
        raise InvalidDocument("CPF com todos os dígitos iguais não é válido.", REPEATED)
    if cpf_check_digits(number[:9]) != number[9:]:
        raise InvalidDocument("O dígito verificador do CPF não confere.", CHECK_DIGIT)
    return number


def _cnpj_value(character: str) -> int:
    """Return the value of a CNPJ character: its ASCII code minus 48."""
    return ord(character) - 48


def cnpj_check_digits(base: str) -> str:
    """Compute the two check digits of the 12-character base of a CNPJ.

    The base holds digits and upper-case letters; each character is worth
    its ASCII code minus 48, so numeric CNPJs keep their digits.
    """
    if not isinstance(base, str) or not _CNPJ_BASE.fullmatch(base):
        raise InvalidDocument(
            "A base do CNPJ deve ter 12 dígitos ou letras maiúsculas.", BAD_CHARACTER
        )
    values = [_cnpj_value(character) for character in base]
    first = _mod11_of_values(values)
    second = _mod11_of_values([*values, first])
    return f"{first}{second}"


def check_cnpj(value: str) -> str:
    """Return the 14 characters of a valid CNPJ, or raise :class:`InvalidDocument`.

    Positions 1-12 are digits or upper-case letters (a lower-case letter is
    refused: call :func:`normalize_document` on typed input), positions 13-14
    are digits. Dots, slashes, dashes and spaces are ignored.
    """
    number = _strip_punctuation(value, "CNPJ")
    if len(number) != 14:
        raise InvalidDocument("O CNPJ deve ter 14 caracteres.", LENGTH)
    if not _CNPJ_BASE.fullmatch(number[:12]):
        raise InvalidDocument(
            "O CNPJ aceita apenas dígitos e letras maiúsculas "
            "nas 12 primeiras posições.",
            BAD_CHARACTER,
        )
    if not (number[12:].isascii() and number[12:].isdigit()):
        raise InvalidDocument(
            "Os dígitos verificadores do CNPJ devem ser numéricos.", BAD_CHARACTER
        )
    if len(set(number)) == 1:
        raise InvalidDocument(
            "CNPJ com todos os caracteres iguais não é válido.", REPEATED
        )
    if cnpj_check_digits(number[:12]) != number[12:]:
        raise InvalidDocument("O dígito verificador do CNPJ não confere.", CHECK_DIGIT)
    return number


def check_cpf_cnpj(value: str) -> Document:
    """Check a CPF (11 characters) or a CNPJ (14) and return it as a Document."""
    number = _strip_punctuation(value, "CPF/CNPJ")
    if len(number) == 11:
        return Document(CPF, check_cpf(number))
    if len(number) == 14:
        return Document(CNPJ, check_cnpj(number))
    raise InvalidDocument(
        "Informe um CPF (11 dígitos) ou um CNPJ (14 caracteres).", LENGTH
    )


def _is_valid(check: Callable[[str], object], value: str) -> bool:
    """Run a check_* function and turn its outcome into a boolean."""
    try:
        check(value)
    except InvalidDocument:
        return False
    return True


def validate_cpf(value: str) -> bool:
    """Tell whether *value* is a valid CPF (punctuation ignored)."""
    return _is_valid(check_cpf, value)


def validate_cnpj(value: str) -> bool:
    """Tell whether *value* is a valid CNPJ, numeric or alphanumeric.

    Punctuation is ignored but case is not: ``12.ABc.345/01DE-35`` is invalid.
    """
    return _is_valid(check_cnpj, value)


def validate_cpf_cnpj(value: str) -> bool:
    """Tell whether *value* is a valid CPF or CNPJ, chosen by its length."""
    return _is_valid(check_cpf_cnpj, value)


def format_cpf(value: str) -> str:
    """Format a valid CPF as ``529.982.247-25``."""
    number = check_cpf(value)
    return f"{number[:3]}.{number[3:6]}.{number[6:9]}-{number[9:]}"


def format_cnpj(value: str) -> str:
    """Format a valid CNPJ as ``12.ABC.345/01DE-35``."""
    number = check_cnpj(value)
    return f"{number[:2]}.{number[2:5]}.{number[5:8]}/{number[8:12]}-{number[12:]}"


def format_cpf_cnpj(value: str) -> str:
    """Format a valid CPF or CNPJ, chosen by its length."""
    return check_cpf_cnpj(value).formatted


def make_cpf(base: int | str) -> str:
    """Return the valid CPF whose first nine digits are *base* (for tests and demo).

    An int is left-padded with zeros to nine digits.
    """
    if isinstance(base, int) and not isinstance(base, bool):
        base = str(base).zfill(9)
    number = base + cpf_check_digits(base)
    return check_cpf(number)


def make_cnpj(base: int | str) -> str:
    """Return the valid CNPJ whose first twelve characters are *base*.

    An int is left-padded with zeros to twelve digits; a string may hold
    upper-case letters (alphanumeric CNPJ).
    """
    if isinstance(base, int) and not isinstance(base, bool):
        base = str(base).zfill(12)
    number = base + cnpj_check_digits(base)
    return check_cnpj(number)
