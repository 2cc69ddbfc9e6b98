"""Handle money as ``Decimal``: rounding, pt_BR parsing and formatting, splits.

Money is rounded half-up to the cent unless a company parameter says
otherwise (specs/README.md rule 7). Installment splits round each
installment down to the cent and let the last one absorb the remainder
(core-domain.md §3.1, step 4).
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

_NUMBER = re.compile(r"^(?P<int>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<frac>\d+))?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")

MoneyInput = Decimal | int | str


def to_decimal(value: MoneyInput) -> Decimal:
    """Convert ``value`` to ``Decimal`` without rounding.

    Floats are refused: a binary float cannot carry an exact amount.
    Strings use the Python notation (``"1234.56"``); for pt_BR text use
    :func:`parse_decimal`.
    """
    if isinstance(value, bool | float):
        raise TypeError(
            f"money must be Decimal, int or str, not {type(value).__name__}"
        )
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    try:
        result = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"Valor inválido: {value!r}.") from None
    if not result.is_finite():
        raise ValueError(f"Valor inválido: {value!r}.")
    return result


def to_money(value: MoneyInput, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round ``value`` to the cent, half-up unless ``rounding`` says otherwise."""
    return to_decimal(value).quantize(CENT, rounding=rounding)


def truncate_money(value: MoneyInput) -> Decimal:
    """Round ``value`` down (towards zero) to the cent."""
    return to_money(value, rounding=ROUND_DOWN)


def parse_decimal(text: str) -> Decimal:
    """Parse a pt_BR number such as ``"1.234,5678"`` into an exact ``Decimal``.

    Accepts an optional sign, an optional ``R$`` prefix, dots as thousands
    separators (in groups of three) and a comma as the decimal separator.
    """
    cleaned = _SPACES.sub("", text or "")
    negative = False
    if cleaned.startswith("-"):
        negative, cleaned = True, cleaned[1:]
    if cleaned.upper().startswith("R$"):
        cleaned = cleaned[2:]
    if cleaned.startswith("-") and not negative:
        negative, cleaned = True, cleaned[1:]

    match = _NUMBER.match(cleaned)
    if match is None:
        raise ValueError(f"Número inválido: {text!r}. Use o formato 1.234,56.")
    digits = match.group("int").replace(".", "")
    fraction = match.group("frac") or ""
    result = Decimal(f"{digits}.{fraction}" if fraction else digits)
    return -result if negative else result


def parse_money(text: str) -> Decimal:
    """Parse a pt_BR amount such as ``"R$ 1.234,56"`` into cents.

    More than two decimal places is an error, not a silent rounding.
    """
    value = parse_decimal(text)
    if value != value.quantize(CENT):
        raise ValueError(f"Valor com mais de duas casas decimais: {text!r}.")
    return value.quantize(CENT)


def format_number(value: MoneyInput, places: int = 2) -> str:
    """Format ``value`` the pt_BR way with ``places`` decimals: ``1.234,56``."""
    quantum = Decimal(1).scaleb(-places)
    rounded = to_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{places}f}"
    text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"-{text}" if rounded < 0 else text


def format_brl(value: MoneyInput) -> str:
    """Format ``value`` as Brazilian reais: ``R$ 1.234,56`` (``-R$ 1,00``)."""
    rounded = to_money(value)
    text = f"R$ {format_number(abs(rounded))}"
    return f"-{text}" if rounded < 0 else text


def split_installments(total: MoneyInput, count: int) -> list[Decimal]:
    """Split ``total`` into ``count`` installments; the last absorbs the rest.

    Each installment is ``total / count`` rounded down to the cent; the
    last one is what remains, so the installments always add up to the
    total.
    """
    if count < 1:
        raise ValueError("A quantidade de parcelas deve ser pelo menos 1.")
    amount = to_money(total)
    installment = truncate_money(amount / count)
    last = amount - installment * (count - 1)
    return [installment] * (count - 1) + [last]


def installment_amount(total: MoneyInput, count: int, number: int) -> Decimal:
    """Return installment ``number`` (1-based) of ``total`` split in ``count``."""
    if not 1 <= number <= count:
        raise ValueError(f"Parcela {number} fora do intervalo 1..{count}.")
    amount = to_money(total)
    installment = truncate_money(amount / count)
    if number < count:
        return installment
    return amount - installment * (count - 1)
