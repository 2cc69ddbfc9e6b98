"""Import a folder of GSAN tables: check everything, then write in batches.

``import_gsan`` reads every known table of the folder and checks every
value first (types, references between tables, repeated ids); one problem
anywhere refuses the whole export with its file, line and column. Only then
are the tables written, parents before children, through Core executemany,
in the caller's transaction: the caller commits, or rolls back on error.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.gsan_import import cadastre, reference
from core.gsan_import.bulk import gsan_ids
from core.gsan_import.reader import GsanImportError, Problem, Problems, read_table
from core.gsan_import.report import ImportReport
from core.gsan_import.schema import Record, parse_records, required_columns

log = logging.getLogger(__name__)
SOURCES = reference.SOURCES + cadastre.SOURCES


@dataclass
class Export:
    """The checked records of one GSAN export, by GSAN table name."""

    directory: Path
    state: str
    records: dict[str, list[Record]] = field(default_factory=dict)
    auxiliary: dict[str, dict[int, object]] = field(default_factory=dict)


def find_file(directory: Path, table: str) -> Path | None:
    """Return ``<table>.csv`` (or ``g_<table>.csv``) inside the folder."""
    for name in (f"{table}.csv", f"g_{table}.csv"):
        path = directory / name
        if path.is_file():
            return path
    return None


def imported_ids(session) -> dict[str, dict[int, int]]:
    """Return {GSAN table: {gsan id: our id}} of what is already imported."""
    return {s.gsan_table: gsan_ids(session, s.model.__table__) for s in SOURCES}


def _read(path: Path, key: str, fields, known, problems) -> list[Record]:
    table = read_table(path, required_columns(key, fields), problems)
    return parse_records(table, key, fields, known)


def read_export(session, directory: Path, state: str) -> Export:
    """Read and check every known table of the folder; refuse it on any problem."""
    if not directory.is_dir():
        raise GsanImportError(
            [Problem(str(directory), None, None, "pasta não encontrada")]
        )
    export, problems = Export(directory, state), Problems()
    known = {name: set(ids) for name, ids in imported_ids(session).items()}
    for name, (key, fields) in cadastre.AUXILIARY.items():
        path = find_file(directory, name)
        if path:
            records = _read(path, key, fields, known, problems)
            export.auxiliary[name] = {
                r.gsan_id: r.values[fields[0].target] for r in records
            }
            known[name] = set(export.auxiliary[name])
    for source in SOURCES:
        path = find_file(directory, source.gsan_table)
        if path:
            records = _read(path, source.key, source.all_fields(), known, problems)
            export.records[source.gsan_table] = records
            known[source.gsan_table] |= {record.gsan_id for record in records}
    if not export.records:
        problems.add(
            str(directory),
            None,
            None,
            "nenhuma tabela conhecida do GSAN "
            "nesta pasta (por exemplo localidade.csv ou quadra.csv)",
        )
    problems.raise_if_any()
    return export


def import_gsan(
    session,
    directory: str | Path,
    *,
    state: str,
    default_deadline_days: int,
    reference_files: tuple[Path, ...] = (),
) -> ImportReport:
    """Import a GSAN export into the session's transaction and report it.

    ``state`` places municipalities the export does not place; specifications
    without a deadline get ``default_deadline_days``. Raises GsanImportError,
    before writing anything, when the export has a malformed row.
    """
    started = time.monotonic()
    export = read_export(session, Path(directory), state)
    report = ImportReport()
    ctx = reference.WriteContext(
        session,
        report,
        imported_ids(session),
        default_deadline_days,
        tuple(reference_files),
    )
    for source in reference.SOURCES:
        if source.gsan_table in export.records:
            reference.write_reference(ctx, source, export.records[source.gsan_table])
    for source in cadastre.SOURCES:
        if source.gsan_table in export.records:
            records = export.records[source.gsan_table]
            cadastre.write_entity(ctx, source, records, export)
    log.info(
        "gsan import of %s: %s rows added, %s linked in %.2fs",
        directory,
        report.total("added"),
        report.total("linked"),
        time.monotonic() - started,
    )
    return report
