"""Import a GSAN utility's reference tables and cadastral skeleton from CSV.

Call :func:`import_gsan` inside a transaction (it never commits), or start
the job ``core.import_gsan`` (``flask sanea import-gsan DIR``), which keeps
the counts and notes on its run record. See README.md in this folder.
"""

from core.gsan_import.importer import SOURCES, find_file, import_gsan, read_export
from core.gsan_import.reader import GsanImportError, Problem
from core.gsan_import.report import ImportReport, Note

__all__ = [
    "GsanImportError",
    "ImportReport",
    "Note",
    "Problem",
    "SOURCES",
    "find_file",
    "import_gsan",
    "read_export",
]
