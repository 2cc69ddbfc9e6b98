"""FEBRABAN "arrecadação" barcode of bills and payment slips.

The 44-digit barcode (``barcode``) and its 48-digit typed form
(``typed_line``), segment 2 (sanitation), in the layout GSAN prints:

====  ===  ================================================================
pos   len  content
====  ===  ================================================================
1     1    product ``8`` (arrecadação)
2     1    segment ``2`` (saneamento)
3     1    value id: 6/7 check digits in mod 10, 8/9 in mod 11; 6 and 8 carry
           a value in cents, 7 and 9 a reference quantity (not money)
4     1    general check digit over the other 43 digits
5     11   value in cents, zero-padded
16    4    FEBRABAN company code
20    24   identification of the document (per payment type)
44    1    payment type (:class:`PaymentType`)
====  ===  ================================================================

The typed line cuts the 44 digits into four blocks of 11 and appends to each
its own check digit in the same modulus.

Limitation: the value id also picks the modulus, so a misread value id is
checked with the other algorithm and may pass by chance (in the worked
example, 6 read as 9 yields the same general digit). The FEBRABAN layout
offers no check against it; such a code decodes as a reference quantity,
never as money.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import Final

from core.services.identifiers import mod10_check_digit, mod11_check_digit

__all__ = [
    "Barcode",
    "BillIdentification",
    "InvalidBarcode",
    "PaymentType",
    "bill_identification",
    "build_barcode",
    "build_bill_barcode",
    "check_digit",
    "collection_document_identification",
    "customer_collection_document_identification",
    "customer_invoice_identification",
    "customer_slip_identification",
    "decode_bill_identification",
    "format_typed_line",
    "mod10_check_digit",
    "mod11_check_digit",
    "parse_barcode",
    "property_slip_identification",
    "reference_check_digit",
    "slip_by_id_identification",
    "typed_line",
]

PRODUCT_COLLECTION: Final = 8
SEGMENT_SANITATION: Final = 2
BARCODE_LENGTH: Final = 44
TYPED_LINE_LENGTH: Final = 48
IDENTIFICATION_LENGTH: Final = 24

# value id -> (modulus, carries a real value in cents)
_VALUE_IDS: Final = {6: (10, True), 7: (10, False), 8: (11, True), 9: (11, False)}
_MAX_VALUE_FIELD: Final = 10**11 - 1
_SEPARATORS = re.compile(r"[\s.\-]")
_CENT = Decimal("0.01")


class InvalidBarcode(ValueError):
    """A barcode or typed line that fails a check, or a field that does not fit.

    ``code`` names the failed check (``DV_GERAL``, ``DV_BLOCO_2``, ...); the
    message is Portuguese.
    """

    def __init__(self, message: str, code: str = "INVALIDO") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class PaymentType(IntEnum):
    """Payment type, the 44th digit: which document the barcode pays."""

    PROPERTY_SLIP_BY_ID = 1
    BILL = 3
    PROPERTY_SLIP = 4
    COLLECTION_DOCUMENT = 5
    CUSTOMER_SLIP = 6
    CUSTOMER_INVOICE = 7
    CUSTOMER_COLLECTION_DOCUMENT = 8
    CUSTOMER_SLIP_BY_ID = 9


@dataclass(frozen=True)
class BillIdentification:
    """The fields a bill (payment type 3) carries in its identification."""

    locality: int
    registration: int
    year: int
    month: int
    reference_check_digit: int
    nine_digit_registration: bool


@dataclass(frozen=True)
class Barcode:
    """A checked barcode, decoded field by field.

    ``value`` is the amount in reais for value ids 6 and 8 and ``None`` for 7
    and 9, whose value field is a reference quantity (``reference_quantity``).
    ``bill`` is decoded for payment type 3 only.
    """

    barcode: str
    product: int
    segment: int
    value_id: int
    general_check_digit: int
    value: Decimal | None
    reference_quantity: int | None
    company_code: str
    identification: str
    payment_type: int
    bill: BillIdentification | None = None

    @property
    def modulus(self) -> int:
        """Return the modulus of the check digits, 10 or 11."""
        return _VALUE_IDS[self.value_id][0]

    @property
    def typed_line(self) -> str:
        """Return the 48-digit typed line of this barcode."""
        return _typed_line_of(self.barcode, self.modulus)


# -- check digits --------------------------------------------------------------


def check_digit(digits: str, modulus: int) -> int:
    """Compute the FEBRABAN check digit of *digits* in mod 10 or mod 11."""
    if modulus == 10:
        return mod10_check_digit(digits)
    if modulus == 11:
        return mod11_check_digit(digits)
    raise InvalidBarcode("O módulo do dígito verificador deve ser 10 ou 11.", "MODULO")


def reference_check_digit(year: int, month: int) -> int:
    """Compute the mod-10 digit of a bill's reference, taken as the number YYYYMM."""
    _reference(year, month)
    return mod10_check_digit(f"{year:04d}{month:02d}")


def _reference(year: int, month: int) -> str:
    """Return a reference month as MMAAAA, after checking it."""
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        raise InvalidBarcode(f"Referência {month}/{year} inválida.", "REFERENCIA")
    return f"{month:02d}{year:04d}"


# -- identification fields -----------------------------------------------------


def _field(value: int | str, width: int, label: str) -> str:
    """Return *value* zero-padded to *width* digits, or raise if it does not fit."""
    text = value
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(int(value))  # an IntEnum too, whatever its __str__
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()):
        raise InvalidBarcode(f"{label} deve ser um número não negativo.", "CAMPO")
    if len(text) > width:
        raise InvalidBarcode(f"{label} tem mais de {width} dígitos.", "CAMPO")
    return text.zfill(width)


def bill_identification(locality: int, registration: int, year: int, month: int) -> str:
    """Build the identification of a bill (payment type 3).

    Locality (3) + matrícula (9) + ``0`` + ``1`` (9-digit matrícula) +
    reference MMAAAA + its mod-10 digit + ``000``.
    """
    return (
        _field(locality, 3, "Localidade")
        + _field(registration, 9, "Matrícula")
        + "01"
        + _reference(year, month)
        + str(reference_check_digit(year, month))
        + "000"
    )


def property_slip_identification(
    locality: int, registration: int, debit_type: int, year: int
) -> str:
    """Build the identification of a property's payment slip (payment type 4).

    Locality (3) + matrícula (9) + ``01`` + debit type (3) + year (4) + ``000``.
    """
    return (
        _field(locality, 3, "Localidade")
        + _field(registration, 9, "Matrícula")
        + "01"
        + _field(debit_type, 3, "Tipo de débito")
        + _field(year, 4, "Ano")
        + "000"
    )


def collection_document_identification(
    locality: int, registration: int, sequence: int, document_type: int
) -> str:
    """Build the identification of a collection document (payment type 5).

    Locality (3) + matrícula (9) + document sequence (9) + document type (2)
    + ``1``.
    """
    return (
        _field(locality, 3, "Localidade")
        + _field(registration, 9, "Matrícula")
        + _field(sequence, 9, "Sequencial do documento")
        + _field(document_type, 2, "Tipo de documento")
        + "1"
    )


def customer_slip_identification(
    locality: int, customer: int, debit_type: int, year: int
) -> str:
    """Build the identification of a customer's payment slip (payment type 6).

    Locality (3) + customer (8) + ``000`` + debit type (3) + year (4) + ``000``.
    """
    return (
        _field(locality, 3, "Localidade")
        + _field(customer, 8, "Cliente")
        + "000"
        + _field(debit_type, 3, "Tipo de débito")
        + _field(year, 4, "Ano")
        + "000"
    )


def customer_invoice_identification(
    customer: int, year: int, month: int, sequence: int
) -> str:
    """Build the identification of a responsible customer's invoice (type 7).

    Customer (9) + ``00`` + reference MMAAAA + its mod-10 digit + invoice
    sequence (6).
    """
    return (
        _field(customer, 9, "Cliente")
        + "00"
        + _reference(year, month)
        + str(reference_check_digit(year, month))
        + _field(sequence, 6, "Sequencial da fatura")
    )


def customer_collection_document_identification(
    customer: int, sequence: int, document_type: int
) -> str:
    """Build the identification of a customer's collection document (type 8).

    ``000`` + customer (8) + sequence (9) + document type (2) + ``00``.
    """
    return (
        "000"
        + _field(customer, 8, "Cliente")
        + _field(sequence, 9, "Sequencial do documento")
        + _field(document_type, 2, "Tipo de documento")
        + "00"
    )


def slip_by_id_identification(locality: int, owner: int, slip_id: int) -> str:
    """Build the identification of a payment slip found by its id (types 1 and 9).

    Locality (3) + matrícula (type 1) or customer (type 9) (9) + slip id (9)
    + ``00`` + ``1``.
    """
    return (
        _field(locality, 3, "Localidade")
        + _field(owner, 9, "Matrícula ou cliente")
        + _field(slip_id, 9, "Guia")
        + "001"
    )


# -- building ------------------------------------------------------------------


def _value_field(value: Decimal | int, as_reference: bool) -> str:
    """Return the 11-digit value field: cents, or a whole reference quantity."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidBarcode("O valor deve ser Decimal ou inteiro.", "VALOR")
    amount = Decimal(value)
    units = amount if as_reference else amount * 100
    if not amount.is_finite() or units != units.to_integral_value():
        raise InvalidBarcode(
            f"O valor {value} não cabe no campo sem arredondar "
            f"({'quantidade inteira' if as_reference else 'centavos'}).",
            "VALOR",
        )
    if not 0 <= units <= _MAX_VALUE_FIELD:
        raise InvalidBarcode(
            f"O valor {value} está fora do campo de 11 dígitos.", "VALOR"
        )
    return f"{int(units):011d}"


def build_barcode(
    value: Decimal,
    company_code: int | str,
    identification: str,
    payment_type: int,
    modulus: int = 10,
    *,
    segment: int = SEGMENT_SANITATION,
    as_reference: bool = False,
) -> str:
    """Build the 44-digit collection barcode of a document.

    *value* is in reais, with at most two decimal places (it is never
    rounded here); with *as_reference* it is a whole reference quantity and
    the value id becomes 7 (mod 10) or 9 (mod 11) instead of 6 or 8.
    *modulus* is the company's (``parm_nnmodulodigitoverif``).
    """
    check_digit("0", modulus)  # refuses a modulus other than 10 or 11
    value_id = {10: 6, 11: 8}[modulus] + (1 if as_reference else 0)
    if not isinstance(identification, str) or len(identification) != 24:
        raise InvalidBarcode("A identificação deve ter 24 dígitos.", "CAMPO")
    identification = _field(identification, IDENTIFICATION_LENGTH, "Identificação")
    body = (
        f"{PRODUCT_COLLECTION}{_field(segment, 1, 'Segmento')}{value_id}"
        + _value_field(value, as_reference)
        + _field(company_code, 4, "Código da empresa FEBRABAN")
        + identification
        + _field(payment_type, 1, "Tipo de pagamento")
    )
    general = check_digit(body, modulus)
    return f"{body[:3]}{general}{body[3:]}"


def build_bill_barcode(
    value: Decimal,
    company_code: int | str,
    locality: int,
    registration: int,
    year: int,
    month: int,
    modulus: int = 10,
) -> str:
    """Build the barcode of a monthly bill (payment type 3)."""
    identification = bill_identification(locality, registration, year, month)
    return build_barcode(value, company_code, identification, PaymentType.BILL, modulus)


def _typed_line_of(barcode: str, modulus: int) -> str:
    """Cut a barcode into four blocks of 11 and append each block's digit."""
    blocks = (barcode[start : start + 11] for start in range(0, BARCODE_LENGTH, 11))
    return "".join(f"{block}{check_digit(block, modulus)}" for block in blocks)


def typed_line(barcode: str) -> str:
    """Return the 48-digit typed line of a 44-digit barcode, after checking it."""
    if len(_clean(barcode)) != BARCODE_LENGTH:
        raise InvalidBarcode("Informe o código de barras de 44 dígitos.", "TAMANHO")
    return parse_barcode(barcode).typed_line


def format_typed_line(code: str) -> str:
    """Format a typed line (or a barcode) as four space-separated blocks of 12."""
    line = parse_barcode(code).typed_line
    blocks = (line[start : start + 12] for start in range(0, TYPED_LINE_LENGTH, 12))
    return " ".join(blocks)


# -- reading -------------------------------------------------------------------


def _clean(code: str) -> str:
    """Drop spaces, dots and dashes; refuse any other non-digit character."""
    if not isinstance(code, str):
        raise InvalidBarcode("O código de barras deve ser informado como texto.")
    digits = _SEPARATORS.sub("", code)
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidBarcode(
            "O código de barras contém caracteres que não são dígitos.",
            "CARACTERE_INVALIDO",
        )
    return digits


def _modulus_of(code: str) -> int:
    """Check product and value id of a barcode or typed line; return its modulus."""
    if code[0] != str(PRODUCT_COLLECTION):
        raise InvalidBarcode(
            f"Produto {code[0]} não é de arrecadação (esperado 8).", "PRODUTO"
        )
    value_id = int(code[2])
    if value_id not in _VALUE_IDS:
        raise InvalidBarcode(
            f"Identificador de valor {value_id} inválido (esperado 6, 7, 8 ou 9).",
            "IDENTIFICADOR_VALOR",
        )
    return _VALUE_IDS[value_id][0]


def _join_typed_line(line: str, modulus: int) -> str:
    """Check each block's digit of a typed line; return the 44-digit barcode."""
    blocks = [line[start : start + 12] for start in range(0, TYPED_LINE_LENGTH, 12)]
    for number, block in enumerate(blocks, start=1):
        if check_digit(block[:11], modulus) != int(block[11]):
            raise InvalidBarcode(
                f"Dígito verificador do bloco {number} da linha digitável não confere.",
                f"DV_BLOCO_{number}",
            )
    return "".join(block[:11] for block in blocks)


def parse_barcode(code: str) -> Barcode:
    """Read a 44-digit barcode or a 48-digit typed line and check every digit.

    Spaces, dots and dashes are ignored. Each block digit of a typed line,
    the general digit and, for a bill, the digit of its reference are
    checked; the first that fails raises :class:`InvalidBarcode`.
    """
    digits = _clean(code)
    if len(digits) not in (BARCODE_LENGTH, TYPED_LINE_LENGTH):
        raise InvalidBarcode(
            f"O código tem {len(digits)} dígitos; esperados 44 (código de barras) "
            "ou 48 (linha digitável).",
            "TAMANHO",
        )
    modulus = _modulus_of(digits)
    if len(digits) == TYPED_LINE_LENGTH:
        digits = _join_typed_line(digits, modulus)
    general = check_digit(digits[:3] + digits[4:], modulus)
    if general != int(digits[3]):
        raise InvalidBarcode(
            "Dígito verificador geral (posição 4) do código de barras não confere.",
            "DV_GERAL",
        )
    return _decode(digits)


def _decode(barcode: str) -> Barcode:
    """Split a checked 44-digit barcode into its fields."""
    value_id = int(barcode[2])
    real_value = _VALUE_IDS[value_id][1]
    value_field = int(barcode[4:15])
    identification = barcode[19:43]
    payment_type = int(barcode[43])
    bill = None
    if payment_type == PaymentType.BILL:
        bill = decode_bill_identification(identification)
    return Barcode(
        barcode=barcode,
        product=int(barcode[0]),
        segment=int(barcode[1]),
        value_id=value_id,
        general_check_digit=int(barcode[3]),
        value=(Decimal(value_field) / 100).quantize(_CENT) if real_value else None,
        reference_quantity=None if real_value else value_field,
        company_code=barcode[15:19],
        identification=identification,
        payment_type=payment_type,
        bill=bill,
    )


def decode_bill_identification(identification: str) -> BillIdentification:
    """Read the fields of a bill's 24-digit identification and check its reference.

    A ``1`` at position 14 marks the 9-digit matrícula; a ``0`` the older
    8-digit layout (matrícula followed by ``000``).
    """
    if len(identification) != IDENTIFICATION_LENGTH or not identification.isdigit():
        raise InvalidBarcode("A identificação da conta deve ter 24 dígitos.", "TAMANHO")
    flag = identification[13]
    if flag not in "01":
        raise InvalidBarcode(
            f"Indicador de matrícula '{flag}' inválido na identificação da conta.",
            "LEIAUTE_CONTA",
        )
    nine_digits = flag == "1"
    registration = identification[3:12] if nine_digits else identification[3:11]
    month, year = int(identification[14:16]), int(identification[16:20])
    digit = int(identification[20])
    if reference_check_digit(year, month) != digit:
        raise InvalidBarcode(
            "Dígito verificador da referência da conta não confere.", "DV_REFERENCIA"
        )
    return BillIdentification(
        locality=int(identification[:3]),
        registration=int(registration),
        year=year,
        month=month,
        reference_check_digit=digit,
        nine_digit_registration=nine_digits,
    )
