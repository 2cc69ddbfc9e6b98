"""Describe what an import did, table by table, in Portuguese.

The same numbers travel as a job run's counts (``<gsan table>.<kind>``) and
its notes as the run's business errors, so the CLI and the admin render one
report from either source.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

KINDS = ("added", "linked", "unchanged", "not_mapped")
_KIND_LABELS = {
    "added": "adicionada(s)",
    "linked": "vinculada(s) a código do Sanea",
    "unchanged": "inalterada(s)",
    "not_mapped": "não mapeada(s)",
}
NOTE_KINDS = {
    "not_mapped": "Não mapeadas",
    "review": "Para revisar",
    "info": "Observações",
}


@dataclass(frozen=True)
class Note:
    """Something an administrator should read about one GSAN row or table."""

    kind: str  # not_mapped | review | info
    table: str
    message: str
    gsan_id: int | None = None

    @property
    def ref(self) -> str:
        """Return the job-error reference ``kind:table[:gsan id]``."""
        tail = "" if self.gsan_id is None else f":{self.gsan_id}"
        return f"{self.kind}:{self.table}{tail}"


@dataclass
class ImportReport:
    """Counts per GSAN table and the notes of one import."""

    counts: Counter = field(default_factory=Counter)
    tables: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def count(self, table: str, kind: str, n: int = 1) -> None:
        """Add n rows of ``table`` to one of KINDS."""
        if table not in self.tables:
            self.tables.append(table)
        self.counts[f"{table}.{kind}"] += n

    def note(self, kind: str, table: str, message: str, gsan_id=None) -> None:
        """Record a note for the administrator."""
        self.notes.append(Note(kind, table, message, gsan_id))

    def total(self, kind: str) -> int:
        """Return the rows of every table counted as ``kind``."""
        return sum(n for key, n in self.counts.items() if key.endswith("." + kind))

    def lines(self) -> list[str]:
        """Render the report as Portuguese text lines."""
        return render(dict(self.counts), [(n.ref, n.message) for n in self.notes])


def _table_line(table: str, counts: dict[str, int]) -> str:
    parts = [
        f"{counts.get(f'{table}.{kind}', 0)} {_KIND_LABELS[kind]}"
        for kind in KINDS
        if counts.get(f"{table}.{kind}", 0) or kind != "linked"
    ]
    return f"  {table}: " + ", ".join(parts)


def render(counts: dict[str, int], notes: list[tuple[str | None, str]]) -> list[str]:
    """Render counts ``{table.kind: n}`` and notes ``[(ref, message)]``."""
    tables = list(dict.fromkeys(key.rsplit(".", 1)[0] for key in counts))
    lines = ["Importação do GSAN — linhas por tabela:"]
    lines += [_table_line(table, counts) for table in tables]
    changed = sum(n for k, n in counts.items() if k.endswith((".added", ".linked")))
    if not changed:
        lines.append("Nada a importar: o banco já tem todas as linhas da exportação.")
    for kind, title in NOTE_KINDS.items():
        selected = [msg for ref, msg in notes if (ref or "").startswith(kind + ":")]
        if selected:
            lines.append(f"{title} ({len(selected)}):")
            lines += [f"  - {msg}" for msg in selected]
    return lines
