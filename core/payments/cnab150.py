"""Read and write the FEBRABAN CNAB 150 return file of barcode payments.

Records are 150 characters; the first is the record code (core-domain.md
§3.3, offsets 0-based, end exclusive):

- **A** header: remessa code [1], agreement [2:22], company name [22:42],
  bank code [42:45], bank name [45:65], generation date [65:73], NSA
  [73:79], layout version [79:81], service [81:98];
- **G** barcode payment: agency/account [1:21], payment date [21:29],
  credit date [29:37], barcode [37:81], amount received [81:93], tariff
  [93:100], sequence [100:108], collecting agency [108:116], collection
  channel [116], authentication [117:140], payment form [140];
- **Z** trailer: record count [1:7], total [7:24].

A file that breaks the layout is refused as a whole with the number of
the first offending line; nothing of it is imported. A barcode that fails
its check digits is not a layout error: the line is kept and rejected on
its own when payments are created.

Limitation: direct-debit records (B, C, E, F) and agency records (X) are
refused; direct debit has a return file of its own, not handled here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

RECORD_LENGTH = 150
_CENT = Decimal("0.01")
_EOF = "\x1a"


class CnabError(ValueError):
    """A return file that breaks the layout; names the offending line."""

    def __init__(self, line_number: int, message: str) -> None:
        super().__init__(f"Linha {line_number}: {message}")
        self.line_number = line_number
        self.message = message


@dataclass(frozen=True)
class Header:
    """Record A: who sent the file, when, and its sequence number (NSA)."""

    remittance_code: int
    agreement: str
    company_name: str
    bank_code: str
    bank_name: str
    generated_on: date
    nsa: int
    layout_version: str
    service: str


@dataclass(frozen=True)
class Detail:
    """Record G: one payment of a barcode."""

    line_number: int
    raw: str
    account: str
    paid_on: date
    credited_on: date
    barcode: str
    amount: Decimal
    tariff: Decimal
    sequence: int
    collecting_agency: str
    channel: str
    authentication: str
    payment_form: str


@dataclass(frozen=True)
class Trailer:
    """Record Z: how many records the file has and the sum of its payments."""

    record_count: int
    total: Decimal


@dataclass(frozen=True)
class ReturnFile:
    """A parsed return file; ``lines`` keeps every raw record in order."""

    header: Header
    details: tuple[Detail, ...]
    trailer: Trailer
    lines: tuple[str, ...]


def _digits(record: str, start: int, end: int, line: int, label: str) -> str:
    text = record[start:end]
    if not (text.isascii() and text.isdigit()):
        raise CnabError(line, f"campo {label} (posições {start + 1}-{end}) não é "
                              f"numérico: {text!r}.")
    return text


def _date(record: str, start: int, line: int, label: str) -> date:
    text = _digits(record, start, start + 8, line, label)
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise CnabError(line, f"data {label} inválida: {text}.") from None


def _money(record: str, start: int, end: int, line: int, label: str) -> Decimal:
    return (Decimal(_digits(record, start, end, line, label)) / 100).quantize(_CENT)


def _split_lines(content: bytes | str) -> list[str]:
    if isinstance(content, bytes):
        try:
            content = content.decode("latin-1")
        except UnicodeDecodeError:  # latin-1 decodes any byte; kept for clarity
            raise CnabError(1, "arquivo com codificação inválida.") from None
    content = content.rstrip(_EOF + "\r\n")
    if not content.strip():
        raise CnabError(1, "arquivo vazio.")
    return [line.rstrip("\r") for line in content.split("\n")]


def _header(record: str) -> Header:
    return Header(
        remittance_code=int(_digits(record, 1, 2, 1, "código de remessa")),
        agreement=record[2:22].strip(),
        company_name=record[22:42].strip(),
        bank_code=_digits(record, 42, 45, 1, "código do banco"),
        bank_name=record[45:65].strip(),
        generated_on=_date(record, 65, 1, "de geração"),
        nsa=int(_digits(record, 73, 79, 1, "NSA")),
        layout_version=record[79:81].strip(),
        service=record[81:98].strip(),
    )


def _detail(record: str, line: int) -> Detail:
    return Detail(
        line_number=line,
        raw=record,
        account=record[1:21].strip(),
        paid_on=_date(record, 21, line, "de pagamento"),
        credited_on=_date(record, 29, line, "de crédito"),
        barcode=_digits(record, 37, 81, line, "código de barras"),
        amount=_money(record, 81, 93, line, "valor recebido"),
        tariff=_money(record, 93, 100, line, "tarifa"),
        sequence=int(_digits(record, 100, 108, line, "sequencial")),
        collecting_agency=record[108:116].strip(),
        channel=record[116],
        authentication=record[117:140].strip(),
        payment_form=record[140],
    )


def _trailer(record: str, line: int) -> Trailer:
    return Trailer(
        record_count=int(_digits(record, 1, 7, line, "quantidade de registros")),
        total=_money(record, 7, 24, line, "valor total"),
    )


def parse_return_file(content: bytes | str) -> ReturnFile:
    """Parse a whole return file, or raise :class:`CnabError` at its first fault."""
    lines = _split_lines(content)
    for number, record in enumerate(lines, start=1):
        if len(record) != RECORD_LENGTH:
            raise CnabError(number, f"registro com {len(record)} caracteres; "
                                    f"esperados {RECORD_LENGTH}.")
    if lines[0][0] != "A":
        raise CnabError(1, "o primeiro registro deve ser o header (A).")
    header = _header(lines[0])
    if header.remittance_code != 2:
        raise CnabError(1, "o arquivo não é de retorno (código de remessa 2).")

    details, trailer = [], None
    for number, record in enumerate(lines[1:], start=2):
        code = record[0]
        if trailer is not None:
            raise CnabError(number, "registro após o trailer (Z).")
        if code == "G":
            details.append(_detail(record, number))
        elif code == "Z":
            trailer = _trailer(record, number)
        else:
            raise CnabError(number, f"tipo de registro {code!r} não aceito neste "
                                    "arquivo (esperados G e Z).")
    if trailer is None:
        raise CnabError(len(lines), "arquivo sem trailer (Z).")
    _check_totals(header, details, trailer, len(lines))
    return ReturnFile(header, tuple(details), trailer, tuple(lines))


def _check_totals(header, details, trailer, count: int) -> None:
    if trailer.record_count != count:
        raise CnabError(count, f"o trailer informa {trailer.record_count} registros; "
                               f"o arquivo tem {count}.")
    total = sum((d.amount for d in details), Decimal("0.00"))
    if trailer.total != total:
        raise CnabError(count, f"o trailer informa total {trailer.total}; a soma "
                               f"dos pagamentos é {total}.")


# --- writing (banks' simulators, tests, the demo) --------------------------


def _text(value: str, width: int) -> str:
    return str(value)[:width].ljust(width)


def _num(value: int | Decimal, width: int, cents: bool = False) -> str:
    number = int((Decimal(value) * 100).to_integral_value()) if cents else int(value)
    return str(number).zfill(width)[-width:]


def header_record(header: Header) -> str:
    """Return the 150-character A record of ``header``."""
    record = (
        "A" + _num(header.remittance_code, 1) + _text(header.agreement, 20)
        + _text(header.company_name, 20) + _num(int(header.bank_code), 3)
        + _text(header.bank_name, 20) + header.generated_on.strftime("%Y%m%d")
        + _num(header.nsa, 6) + _text(header.layout_version, 2)
        + _text(header.service, 17)
    )
    return record.ljust(RECORD_LENGTH)


def detail_record(
    barcode: str, amount: Decimal, paid_on: date, credited_on: date | None = None,
    sequence: int = 1, tariff: Decimal = Decimal(0), account: str = "",
    channel: str = "1", payment_form: str = "1", authentication: str = "",
) -> str:
    """Return a 150-character G record paying ``barcode``."""
    credited_on = credited_on or paid_on
    record = (
        "G" + _text(account, 20) + paid_on.strftime("%Y%m%d")
        + credited_on.strftime("%Y%m%d") + _text(barcode, 44)
        + _num(amount, 12, cents=True) + _num(tariff, 7, cents=True)
        + _num(sequence, 8) + _text("", 8) + _text(channel, 1)
        + _text(authentication, 23) + _text(payment_form, 1)
    )
    return record.ljust(RECORD_LENGTH)


def trailer_record(record_count: int, total: Decimal) -> str:
    """Return the 150-character Z record."""
    return ("Z" + _num(record_count, 6) + _num(total, 17, cents=True)).ljust(
        RECORD_LENGTH
    )


def build_return_file(header: Header, details: list[str]) -> str:
    """Join a header, G records and a computed trailer into a file's text."""
    total = sum((Decimal(r[81:93]) / 100 for r in details), Decimal("0.00"))
    lines = [header_record(header), *details, trailer_record(len(details) + 2, total)]
    return "\r\n".join(lines) + "\r\n"
