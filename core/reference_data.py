"""Load the reference CSV files the core and the plugins ship.

Each file is named after its table and uses ';'. Rows are keyed by
``code``: a missing code is inserted, an existing one is left as the
administrator may have edited it, so loading twice changes nothing.
A ``<name>_code`` column resolves to the ``<name>_id`` foreign key;
``gsan_names`` (the GSAN descriptions a code stands for) feeds the GSAN
importer's mapping and is not stored.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Boolean, Integer, Numeric, select

from core.domain import reference as r
from core.domain.base import Model

CORE_DIR = Path(__file__).resolve().parent / "reference"
CORE_FILES = [
    "water_situation.csv", "sewer_situation.csv", "category.csv", "subcategory.csv",
    "reading_anomaly.csv",
]


def model_for_table(name: str):
    """Return the mapped class of a table name."""
    for mapper in Model.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == name:
            return mapper.class_
    raise KeyError(f"no model for table {name}")


def read_rows(path: Path) -> list[dict]:
    """Read a reference CSV as a list of dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def gsan_names(path: Path) -> dict[str, str]:
    """Map each GSAN description listed in a file to its code."""
    names = {}
    for row in read_rows(path):
        for name in filter(None, (row.get("gsan_names") or "").split("|")):
            names[name.strip().upper()] = row["code"]
    return names


def _convert(column, text: str):
    if text == "":
        return None
    if isinstance(column.type, Boolean):
        return text.lower() in ("true", "1", "sim")
    if isinstance(column.type, Integer):
        return int(text)
    if isinstance(column.type, Numeric):
        return Decimal(text)
    return text


def load_file(session, path: Path) -> int:
    """Insert the rows of one file whose codes are missing; return the count."""
    model = model_for_table(path.stem)
    columns = model.__table__.columns
    existing = set(session.scalars(select(model.code)))
    added = 0
    for row in read_rows(path):
        if row["code"] in existing:
            continue
        values = {}
        for key, text in row.items():
            if key == "gsan_names":
                continue
            if key.endswith("_code") and key[:-5] + "_id" in columns:
                target = model_for_table(key[:-5])
                values[key[:-5] + "_id"] = session.scalar(
                    select(target.id).where(target.code == text)
                )
            else:
                values[key] = _convert(columns[key], text)
        session.add(model(**values))
        existing.add(row["code"])
        added += 1
    session.flush()
    return added


def load_all(session, extra_files: list[Path] = ()) -> dict[str, int]:
    """Load the core's files and then the plugins'; return rows added per table."""
    counts = {}
    for path in [CORE_DIR / name for name in CORE_FILES] + list(extra_files):
        counts[path.stem] = counts.get(path.stem, 0) + load_file(session, path)
    return counts


__all__ = ["load_all", "load_file", "gsan_names", "read_rows", "r"]
