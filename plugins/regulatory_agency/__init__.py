"""Agências reguladoras (UC2099, UC2100, UC2101)."""

from core.manifest import Manifest

MANIFEST = Manifest(
    name="regulatory_agency",
    title="Agências de Regulação",
    version="0.1.0",
    use_cases=("UC2099", "UC2100", "UC2101"),
    table_prefix="regulatory_",
)
