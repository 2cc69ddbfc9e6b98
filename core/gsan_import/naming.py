"""Compare GSAN descriptions and derive stable codes from them."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
CODE_SIZE = 60


def normalize(description: str) -> str:
    """Return a description upper-cased, without accents or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", description)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", plain).strip().upper()


def slug(description: str) -> str:
    """Return a lower-case ASCII code of a description: '> 75 mm' is 'mais_de_75_mm'."""
    text = description.replace(">", " mais de ").replace("<", " menos de ")
    text = normalize(text).lower()
    code = _NOT_WORD.sub("_", text).strip("_")[:CODE_SIZE].rstrip("_")
    return code or "sem_descricao"


def unique_code(base: str, gsan_id: int, taken: set[str]) -> str:
    """Return ``base``, or ``base_<gsan_id>`` when taken; reserve the result."""
    code = base
    if code in taken:
        suffix = f"_{gsan_id}"
        code = base[: CODE_SIZE - len(suffix)] + suffix
    counter = 2
    while code in taken:
        suffix = f"_{gsan_id}_{counter}"
        code = base[: CODE_SIZE - len(suffix)] + suffix
        counter += 1
    taken.add(code)
    return code
