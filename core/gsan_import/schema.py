"""Declare how a GSAN column becomes a column of ours, and parse records.

A ``Field`` names the GSAN column, the target column and the kind of value;
``parse_records`` turns a table's rows into ``Record`` objects, checking
every value and every reference to another GSAN table (it must exist in the
export or already be imported) and recording problems instead of raising.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.gsan_import.reader import Row, Table

# GSAN's network indicator on a block: 1 no network, 2 network, 3 partial.
_NETWORK = {"1": False, "2": True, "3": True}


@dataclass(frozen=True)
class Field:
    """One GSAN column read into one of our columns."""

    gsan: str
    target: str
    kind: str = "int"  # int text decimal indicator in_use network month ref
    size: int = 0
    required: bool = False
    ref: str | None = None  # the GSAN table a "ref" column points to
    low: int | None = None  # bounds of an "int"
    high: int | None = None


@dataclass
class Record:
    """One GSAN row, checked: its id, its line and our column values.

    A ``ref`` field's value is still the GSAN id of the referenced row; the
    writer turns it into our id once the parent table is written.
    """

    gsan_id: int
    line: int
    values: dict = field(default_factory=dict)


def _network(row: Row, column: str) -> bool | None:
    text = row.raw(column)
    if text == "":
        return None
    if text not in _NETWORK:
        row.problem(column, f"valor '{text}' não é um indicador de rede (1, 2 ou 3)")
        return None
    return _NETWORK[text]


def _reference(row: Row, spec: Field, known: dict[str, set[int]]) -> int | None:
    value = row.integer(spec.gsan, spec.required)
    if spec.ref not in known:  # an auxiliary table the export left out
        return value
    if value is not None and value not in known[spec.ref]:
        row.problem(
            spec.gsan,
            f"valor '{value}' não corresponde a nenhuma linha de {spec.ref}.csv "
            "nem a uma linha já importada",
        )
        return None
    return value


def convert(row: Row, spec: Field, known: dict[str, set[int]]):
    """Return the value of one field of a row (None when empty or wrong)."""
    kind, column, required = spec.kind, spec.gsan, spec.required
    if kind == "int" and spec.low is not None:
        return row.bounded(column, spec.low, spec.high, required)
    if kind == "int":
        return row.integer(column, required)
    if kind == "text":
        return row.text(column, spec.size, required)
    if kind == "decimal":
        return row.decimal(column, required)
    if kind == "indicator":
        return row.indicator(column)
    if kind == "in_use":
        return row.indicator(column) is not False
    if kind == "network":
        return _network(row, column)
    if kind == "month":
        return row.month(column, required)
    if kind == "ref":
        return _reference(row, spec, known)
    raise ValueError(f"unknown field kind {kind}")


def required_columns(key: str, fields: tuple[Field, ...]) -> list[str]:
    """Return the columns a table's header must carry."""
    return [key] + [f.gsan for f in fields if f.required]


def parse_records(
    table: Table, key: str, fields: tuple[Field, ...], known: dict[str, set[int]]
) -> list[Record]:
    """Check every row of a table and return its records (problems recorded)."""
    records: list[Record] = []
    seen: dict[int, int] = {}
    for row in table.rows:
        gsan_id = row.integer(key)
        values = {spec.target: convert(row, spec, known) for spec in fields}
        if gsan_id is None:
            continue
        if gsan_id in seen:
            row.problem(key, f"id {gsan_id} repetido (já na linha {seen[gsan_id]})")
            continue
        seen[gsan_id] = row.line
        records.append(Record(gsan_id, row.line, values))
    return records
