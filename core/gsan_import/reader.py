"""Read GSAN tables exported as CSV, checking every value against its column.

A problem is never raised on the spot: it is collected with its file, line
and column, so that one pass over the export reports what is wrong with it
and the importer can refuse the whole export before writing anything.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?\d+([.,]\d+)?")
_ENCODINGS = ("utf-8-sig", "cp1252")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the export, where it was found."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", linha {self.line}"
        if self.column:
            where += f", coluna {self.column}"
        return f"{where}: {self.message}"


class GsanImportError(Exception):
    """The export was refused; nothing of it was imported."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = list(problems)
        self.total = total if total is not None else len(self.problems)
        more = self.total - 1
        suffix = f" (e mais {more} erro(s))" if more > 0 else ""
        super().__init__(f"{self.problems[0]}{suffix}")


class Problems:
    """Collect the problems of a validation pass, keeping the first ``limit``."""

    def __init__(self, limit: int = 50):
        self.limit = limit
        self.items: list[Problem] = []
        self.total = 0

    def add(
        self, file: str, line: int | None, column: str | None, message: str
    ) -> None:
        """Record one problem."""
        self.total += 1
        if len(self.items) < self.limit:
            self.items.append(Problem(file, line, column, message))

    def raise_if_any(self) -> None:
        """Refuse the export when anything was recorded."""
        if self.total:
            raise GsanImportError(self.items, self.total)


class Row:
    """One data line of a GSAN table, with typed accessors that report problems."""

    __slots__ = ("table", "line", "values")

    def __init__(self, table: Table, line: int, values: dict[str, str]):
        self.table = table
        self.line = line
        self.values = values

    def raw(self, column: str) -> str:
        """Return the stripped text of a column ('' when the file lacks it)."""
        return (self.values.get(column) or "").strip()

    def problem(self, column: str | None, message: str) -> None:
        """Record a problem of this row."""
        self.table.problems.add(self.table.file, self.line, column, message)

    def _present(self, column: str, required: bool) -> str | None:
        text = self.raw(column)
        if text == "":
            if required:
                self.problem(column, "valor obrigatório ausente")
            return None
        return text

    def integer(self, column: str, required: bool = True) -> int | None:
        """Return a column as int, or None when empty (a problem if required)."""
        text = self._present(column, required)
        if text is None:
            return None
        if not _INTEGER.fullmatch(text):
            self.problem(column, f"valor '{text}' não é um número inteiro")
            return None
        return int(text)

    def decimal(self, column: str, required: bool = False) -> Decimal | None:
        """Return a column as Decimal (point or comma), or None when empty."""
        text = self._present(column, required)
        if text is None:
            return None
        if not _DECIMAL.fullmatch(text):
            self.problem(column, f"valor '{text}' não é um número decimal")
            return None
        return Decimal(text.replace(",", "."))

    def text(self, column: str, size: int, required: bool = True) -> str | None:
        """Return a column's text, refusing one longer than ``size``."""
        text = self._present(column, required)
        if text is not None and len(text) > size:
            self.problem(column, f"texto com {len(text)} caracteres; máximo {size}")
            return None
        return text

    def indicator(self, column: str) -> bool | None:
        """Return a GSAN indicator (1 = yes, 2 = no) as bool, None when empty."""
        text = self._present(column, False)
        if text is None:
            return None
        if text not in ("1", "2"):
            message = f"valor '{text}' não é um indicador (1 = sim, 2 = não)"
            self.problem(column, message)
            return None
        return text == "1"

    def bounded(self, column: str, low: int, high: int, required: bool = True):
        """Return an integer that must lie between ``low`` and ``high``."""
        value = self.integer(column, required)
        if value is not None and not low <= value <= high:
            self.problem(column, f"valor '{value}' fora do intervalo {low} a {high}")
            return None
        return value

    def month(self, column: str, required: bool = False) -> int | None:
        """Return a reference month YYYYMM, checking the month part."""
        value = self.integer(column, required)
        valid = value is not None and 1900 <= value // 100 <= 2999
        if value is not None and not (valid and 1 <= value % 100 <= 12):
            self.problem(column, f"valor '{value}' não é um mês de referência AAAAMM")
            return None
        return value


class Table:
    """A GSAN table read from one CSV file."""

    def __init__(self, name: str, file: str, columns: list[str], problems: Problems):
        self.name = name
        self.file = file
        self.columns = columns
        self.problems = problems
        self.rows: list[Row] = []

    def has(self, column: str) -> bool:
        """Tell whether the file's header carries a column."""
        return column in self.columns


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _delimiter(header: str) -> str:
    for candidate in (";", "\t", "|"):
        if candidate in header and "," not in header:
            return candidate
    return ","


def read_table(path: Path, required: Iterable[str], problems: Problems) -> Table:
    """Read one GSAN CSV file; record header and column-count problems."""
    text = _decode(path)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header = [name.strip().lower() for name in next(reader, [])]
    table = Table(path.stem, path.name, header, problems)
    for column in required:
        if column not in header:
            problems.add(path.name, 1, column, "coluna obrigatória ausente")
    records = []
    start = reader.line_num + 1  # the physical line where the next record begins
    for values in reader:
        records.append((start, values))
        start = reader.line_num + 1
    if records and any("\n" in value or "\r" in value for value in records[-1][1]):
        # A quoted value may span lines, but one that runs to the end of the
        # file is a quote opened and never closed: report where it opened.
        line, _ = records.pop()
        problems.add(path.name, line, None,
                     "aspas abertas e não fechadas até o fim do arquivo")
    for line, values in records:
        if not values or values == [""]:
            continue
        if len(values) != len(header):
            problems.add(
                path.name,
                line,
                None,
                f"a linha tem {len(values)} colunas; o cabeçalho tem {len(header)}",
            )
            continue
        table.rows.append(Row(table, line, dict(zip(header, values, strict=True))))
    return table
