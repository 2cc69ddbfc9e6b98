"""PIX "BR Code": the EMV merchant-presented QR payload in the Banco Central profile.

A payload is a string of TLV fields: a 2-digit id, a 2-digit length of the
value (in characters), then the value. The last field is the CRC
(``6304`` + 4 upper-case hex digits): CRC-16/CCITT-FALSE of the whole
payload up to and including ``6304``.

The builders emit ASCII only, so characters and bytes count the same; the
parser accepts what the Banco Central's own examples contain (a mixed-case
merchant name, an upper-case GUI) and checks structure, lengths and CRC.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

__all__ = [
    "GUI",
    "BRCode",
    "InvalidBRCode",
    "build_brcode",
    "build_dynamic_brcode",
    "crc16",
    "parse_brcode",
    "parse_tlv",
    "tlv",
]

GUI: Final = "br.gov.bcb.pix"
STATIC_TXID: Final = "***"
MAX_NAME: Final = 25
MAX_CITY: Final = 15
MAX_AMOUNT: Final = 13

# Error codes, as the partner API reports them.
TLV_ERROR: Final = "TLV_INVALIDO"
CRC_ERROR: Final = "CRC_INVALIDO"
FIELD_ERROR: Final = "CAMPO_INVALIDO"
MISSING_FIELD: Final = "CAMPO_AUSENTE"

_TXID = re.compile(r"[A-Za-z0-9]{1,25}")
_AMOUNT = re.compile(r"\d+(\.\d{1,2})?")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_CRC_HEADER: Final = "6304"


class InvalidBRCode(ValueError):
    """A BR Code that cannot be built or read.

    ``code`` is ``TLV_INVALIDO``, ``CRC_INVALIDO``, ``CAMPO_INVALIDO`` or
    ``CAMPO_AUSENTE``; the message is Portuguese and names the field.
    """

    def __init__(self, message: str, code: str = FIELD_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class BRCode:
    """A checked BR Code, field by field.

    ``key`` is set for a static code (26-01) and ``location`` for a dynamic
    one (26-25, the PSP's URL without scheme). ``fields`` keeps every root
    field as read, including any this class does not name.
    """

    payload: str
    payload_format_indicator: str
    point_of_initiation_method: str | None
    gui: str
    key: str | None
    location: str | None
    description: str | None
    merchant_category_code: str
    transaction_currency: str
    amount: Decimal | None
    country_code: str
    merchant_name: str
    merchant_city: str
    postal_code: str | None
    txid: str
    crc: str
    fields: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def is_dynamic(self) -> bool:
        """Tell whether the charge lives at a PSP (location URL) rather than a key."""
        return self.location is not None


# -- CRC and TLV ---------------------------------------------------------------


def crc16(data: bytes | str) -> str:
    """Compute CRC-16/CCITT-FALSE of *data* as 4 upper-case hex digits.

    Polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR;
    text is encoded as UTF-8. ``crc16(b"123456789")`` is ``"29B1"``.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    crc = 0xFFFF
    for byte in data:  # one table lookup per byte instead of eight shifts
        crc = ((crc << 8) & 0xFFFF) ^ _CRC_TABLE[(crc >> 8) ^ byte]
    return f"{crc:04X}"


def _crc_table() -> tuple[int, ...]:
    """Return the CRC of each byte value, the polynomial 0x1021 applied 8 times."""
    table = []
    for value in range(256):
        crc = value << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        table.append(crc & 0xFFFF)
    return tuple(table)


_CRC_TABLE: Final = _crc_table()


def tlv(field_id: str, value: str) -> str:
    """Encode one field: its 2-digit id, the 2-digit length of *value*, *value*."""
    if len(value) > 99:
        raise InvalidBRCode(
            f"Campo {field_id}: {len(value)} caracteres, o máximo é 99.", FIELD_ERROR
        )
    return f"{field_id}{len(value):02d}{value}"


def parse_tlv(text: str) -> dict[str, str]:
    """Split *text* into its TLV fields, in order; refuse any broken structure.

    Each field's declared length must match the characters that follow, the
    string must end exactly at a field's end and no id may repeat.
    """
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        header = text[position : position + 4]
        if len(header) < 4 or not (header.isascii() and header.isdigit()):
            raise InvalidBRCode(
                f"Estrutura TLV inválida na posição {position + 1}.", TLV_ERROR
            )
        field_id, length = header[:2], int(header[2:])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length:
            raise InvalidBRCode(
                f"Campo {field_id} declara {length} caracteres e tem {len(value)}.",
                TLV_ERROR,
            )
        if field_id in fields:
            raise InvalidBRCode(f"Campo {field_id} repetido.", TLV_ERROR)
        fields[field_id] = value
        position += 4 + length
    return fields


# -- building ------------------------------------------------------------------


def _ascii(text: str) -> str:
    """Strip accents and drop any character that is not printable ASCII."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (char for char in decomposed if char.isascii() and char.isprintable())
    return " ".join("".join(kept).split())


def _label(text: str, limit: int, what: str) -> str:
    """Return *text* as upper-case ASCII cut to *limit* characters."""
    label = _ascii(text).upper()[:limit].rstrip()
    if not label:
        raise InvalidBRCode(f"{what} não pode ficar vazio.", FIELD_ERROR)
    return label


def _amount(amount: Decimal | None) -> str | None:
    """Format an amount as ``123.45``; refuse zero, negatives and fractions of cent."""
    if amount is None:
        return None
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidBRCode("O valor do Pix deve ser um Decimal.", FIELD_ERROR)
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidBRCode(
            f"Valor {amount} inválido: positivo e com até 2 casas decimais.",
            FIELD_ERROR,
        )
    text = f"{amount:.2f}"
    if len(text) > MAX_AMOUNT:
        raise InvalidBRCode(f"Valor {amount} excede 13 caracteres.", FIELD_ERROR)
    return text


def _txid(txid: str | None) -> str:
    """Check a static code's txid: 1-25 letters and digits, or ``***``."""
    if txid is None or txid == STATIC_TXID:
        return STATIC_TXID
    if not _TXID.fullmatch(txid):
        raise InvalidBRCode(
            f"txid '{txid}' inválido: de 1 a 25 letras e dígitos, ou ***.", FIELD_ERROR
        )
    return txid


def _assemble(
    account: str,
    amount: str | None,
    name: str,
    city: str,
    txid: str,
    dynamic: bool,
) -> str:
    """Join the root fields in their order and append the CRC."""
    parts = [tlv("00", "01")]
    if dynamic:
        parts.append(tlv("01", "12"))
    parts += [tlv("26", account), tlv("52", "0000"), tlv("53", "986")]
    if amount is not None:
        parts.append(tlv("54", amount))
    parts += [tlv("58", "BR"), tlv("59", name), tlv("60", city)]
    parts.append(tlv("62", tlv("05", txid)))
    body = "".join(parts) + _CRC_HEADER
    return body + crc16(body)


def build_brcode(
    key: str,
    amount: Decimal | None,
    merchant_name: str,
    merchant_city: str,
    txid: str | None = STATIC_TXID,
    description: str | None = None,
) -> str:
    """Build a static BR Code paying *amount* (or any amount, if None) to *key*.

    *key* is the Pix key (CPF/CNPJ digits, e-mail, ``+55`` phone or EVP).
    The name and city become upper-case ASCII without accents, cut to 25 and
    15 characters; *description* (26-02) loses its accents only. *txid* is
    the conciliation reference of 1-25 letters and digits, ``***`` if none.
    """
    key = key.strip() if isinstance(key, str) else ""
    if not key or not key.isascii():
        raise InvalidBRCode("Chave Pix vazia ou com caracteres não ASCII.", FIELD_ERROR)
    account = tlv("00", GUI) + tlv("01", key)
    if description:
        account += tlv("02", _ascii(description))
    return _assemble(
        account,
        _amount(amount),
        _label(merchant_name, MAX_NAME, "Nome do recebedor"),
        _label(merchant_city, MAX_CITY, "Cidade do recebedor"),
        _txid(txid),
        dynamic=False,
    )


def build_dynamic_brcode(
    location: str,
    merchant_name: str,
    merchant_city: str,
    amount: Decimal | None = None,
) -> str:
    """Build a single-use BR Code pointing at a charge created at the PSP.

    *location* is the URL the PSP returned (the scheme is dropped); the
    point of initiation is ``12`` and the txid ``***``, since the charge's
    txid lives at the PSP.
    """
    location = re.sub(r"^https?://", "", location.strip())
    if not location or not location.isascii():
        raise InvalidBRCode("URL de localização vazia ou não ASCII.", FIELD_ERROR)
    return _assemble(
        tlv("00", GUI) + tlv("25", location),
        _amount(amount),
        _label(merchant_name, MAX_NAME, "Nome do recebedor"),
        _label(merchant_city, MAX_CITY, "Cidade do recebedor"),
        STATIC_TXID,
        dynamic=True,
    )


# -- reading -------------------------------------------------------------------


def _ensure(condition: bool, message: str, code: str = FIELD_ERROR) -> None:
    """Raise :class:`InvalidBRCode` with *message* unless *condition* holds."""
    if not condition:
        raise InvalidBRCode(message, code)


def _required(fields: dict[str, str], field_id: str, name: str) -> str:
    """Return a mandatory field's value, or raise naming it."""
    if field_id not in fields:
        raise InvalidBRCode(f"Campo {field_id} ({name}) ausente.", MISSING_FIELD)
    return fields[field_id]


def _check_frame(text: str, fields: dict[str, str]) -> None:
    """Check that 00 comes first, the CRC field last, and that the CRC matches."""
    ids = list(fields)
    _ensure(bool(ids) and ids[0] == "00", "O campo 00 deve ser o primeiro.", TLV_ERROR)
    _ensure(fields["00"] == "01", "Campo 00 (formato do payload) deve ser 01.")
    _ensure(ids[-1] == "63", "O campo 63 (CRC) deve ser o último.", TLV_ERROR)
    crc = fields["63"]
    _ensure(bool(_HEX4.fullmatch(crc)), "Campo 63: CRC de 4 dígitos hex.", TLV_ERROR)
    expected = crc16(text[:-4])
    _ensure(
        crc.upper() == expected,
        f"CRC {crc} não confere; o calculado é {expected}.",
        CRC_ERROR,
    )


def _merchant_account(fields: dict[str, str]) -> dict[str, str]:
    """Find the Pix merchant account template (26-51) and return its sub-fields."""
    for field_id in (f"{number:02d}" for number in range(26, 52)):
        if field_id in fields:
            sub = parse_tlv(fields[field_id])
            if sub.get("00", "").lower() == GUI:
                _ensure(
                    ("01" in sub) != ("25" in sub),
                    f"Campo {field_id}: informe a chave (01) ou a URL (25), só uma.",
                )
                return sub
    raise InvalidBRCode(f"Conta Pix ({GUI}) ausente.", MISSING_FIELD)


def _parse_amount(fields: dict[str, str]) -> Decimal | None:
    """Read field 54, if present: digits with an optional point and 2 decimals."""
    text = fields.get("54")
    if text is None:
        return None
    _ensure(
        len(text) <= MAX_AMOUNT and bool(_AMOUNT.fullmatch(text)),
        f"Campo 54 (valor) inválido: '{text}'.",
    )
    return Decimal(text)


def _check_merchant(fields: dict[str, str]) -> None:
    """Check the fixed-value and length-limited root fields."""
    initiation = fields.get("01")
    _ensure(initiation in (None, "11", "12"), "Campo 01 deve ser 11 ou 12.")
    category = _required(fields, "52", "categoria")
    _ensure(len(category) == 4 and category.isdigit(), "Campo 52 deve ter 4 dígitos.")
    _ensure(_required(fields, "53", "moeda") == "986", "Campo 53 (moeda) deve ser 986.")
    _ensure(_required(fields, "58", "país") == "BR", "Campo 58 (país) deve ser BR.")
    name = _required(fields, "59", "nome do recebedor")
    _ensure(bool(name.strip()), "Campo 59 (nome) vazio.")
    _ensure(len(name) <= MAX_NAME, "Campo 59 (nome) deve ter até 25 caracteres.")
    city = _required(fields, "60", "cidade do recebedor")
    _ensure(bool(city.strip()), "Campo 60 (cidade) vazio.")
    _ensure(len(city) <= MAX_CITY, "Campo 60 (cidade) deve ter até 15 caracteres.")


def _parse_txid(fields: dict[str, str]) -> str:
    """Read the txid (62-05): 1-25 letters and digits, or ``***``."""
    additional = parse_tlv(_required(fields, "62", "dados adicionais"))
    txid = additional.get("05")
    if txid is None:
        raise InvalidBRCode("Campo 62-05 (txid) ausente.", MISSING_FIELD)
    _ensure(
        txid == STATIC_TXID or bool(_TXID.fullmatch(txid)),
        f"Campo 62-05 (txid) inválido: '{txid}'.",
    )
    return txid


def parse_brcode(text: str) -> BRCode:
    """Read a BR Code and check its structure, field lengths and CRC.

    Surrounding whitespace is ignored; a broken TLV structure, a wrong CRC, a
    missing or out-of-rule field raise :class:`InvalidBRCode`.
    """
    _ensure(isinstance(text, str), "O BR Code deve ser informado como texto.")
    text = text.strip()
    fields = parse_tlv(text)
    _check_frame(text, fields)
    account = _merchant_account(fields)
    _check_merchant(fields)
    return BRCode(
        payload=text,
        payload_format_indicator=fields["00"],
        point_of_initiation_method=fields.get("01"),
        gui=account["00"],
        key=account.get("01"),
        location=account.get("25"),
        description=account.get("02"),
        merchant_category_code=fields["52"],
        transaction_currency=fields["53"],
        amount=_parse_amount(fields),
        country_code=fields["58"],
        merchant_name=fields["59"],
        merchant_city=fields["60"],
        postal_code=fields.get("61"),
        txid=_parse_txid(fields),
        crc=fields["63"].upper(),
        fields=fields,
    )
