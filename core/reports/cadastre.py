"""Cadastre reports: properties counted by connection situation."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from sqlalchemy import func, select

from core.domain.cadastre import Locality, Property, Sector
from core.domain.reference import SewerSituation, WaterSituation
from core.extensions import db
from core.toolkits.reports import (
    Column,
    Parameter,
    ReportData,
    ReportDefinition,
    ReportGroup,
)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def locality_choices() -> list[tuple[int, str]]:
    """Return every locality as ``(id, '001 - Name')``, by code."""
    rows = db.session.execute(
        select(Locality.id, Locality.code, Locality.name).order_by(Locality.code)
    )
    return [(id_, f"{code:03d} - {name}") for id_, code, name in rows]


def sector_choices() -> list[tuple[int, str]]:
    """Return every sector as ``(id, '001.002 - Name')``, by locality and code."""
    rows = db.session.execute(
        select(Sector.id, Locality.code, Sector.code, Sector.name)
        .join(Locality, Sector.locality_id == Locality.id)
        .order_by(Locality.code, Sector.code)
    )
    return [(id_, f"{loc:03d}.{code:03d} - {name}") for id_, loc, code, name in rows]


def validate_sector_in_locality(params: dict) -> dict[str, str]:
    """Refuse a sector that is not inside the chosen locality."""
    sector_id, locality_id = params.get("sector"), params.get("locality")
    if sector_id is None or locality_id is None:
        return {}
    sector = db.session.get(Sector, sector_id)
    if sector.locality_id == locality_id:
        return {}
    locality = db.session.get(Locality, locality_id)
    return {"sector": f"Setor: o setor {sector} não pertence à localidade {locality}."}


def _counts(params: dict):
    """Count properties per locality, sector, water and sewer situation."""
    keys = (
        Locality.code, Locality.name, Sector.code, Sector.name,
        WaterSituation.id, WaterSituation.label, SewerSituation.id,
        SewerSituation.label,
    )
    stmt = (
        select(*keys, func.count(Property.id))
        .select_from(Property)
        .join(Locality, Property.locality_id == Locality.id)
        .join(Sector, Property.sector_id == Sector.id)
        .join(WaterSituation, Property.water_situation_id == WaterSituation.id)
        .join(SewerSituation, Property.sewer_situation_id == SewerSituation.id)
        .group_by(*keys)
        .order_by(Locality.code, Sector.code, WaterSituation.id, SewerSituation.id)
    )
    if params.get("locality") is not None:
        stmt = stmt.where(Property.locality_id == params["locality"])
    if params.get("sector") is not None:
        stmt = stmt.where(Property.sector_id == params["sector"])
    return db.session.execute(stmt).all()


def _share(part: int, whole: int) -> Decimal:
    return (HUNDRED * part / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def properties_by_situation(params: dict) -> ReportData:
    """Group the counts by locality with subtotals and a grand total."""
    counts = _counts(params)
    grand = sum(row[-1] for row in counts)
    groups = []
    for (code, name), rows in groupby(counts, key=lambda r: (r[0], r[1])):
        lines = [
            {"sector": f"{sector_code:03d} - {sector_name}", "water": water,
             "sewer": sewer, "properties": count, "share": _share(count, grand)}
            for _, _, sector_code, sector_name, _, water, _, sewer, count in rows
        ]
        subtotal = sum(line["properties"] for line in lines)
        groups.append(ReportGroup(
            f"{code:03d} - {name}", lines,
            {"properties": subtotal, "share": _share(subtotal, grand)},
        ))
    total = {"properties": grand, "share": HUNDRED.quantize(CENT) if grand else None}
    return ReportData(groups, total)


PROPERTIES_BY_SITUATION = ReportDefinition(
    name="cadastre.properties_by_situation",
    title="Relatório de Imóveis por Situação de Ligação",
    description="Imóveis por situação da ligação de água e de esgoto, por "
    "localidade e setor, com totais por localidade e total geral.",
    query=properties_by_situation,
    validate=validate_sector_in_locality,
    group_label="Localidade",
    subtotal_label="Total da localidade",
    columns=(
        Column("sector", "Setor", width=24),
        Column("water", "Situação da ligação de água", width=25),
        Column("sewer", "Situação da ligação de esgoto", width=25),
        Column("properties", "Imóveis", "int", width=12),
        Column("share", "% do total", "percent", width=14),
    ),
    parameters=(
        Parameter("locality", "Localidade", "choice", choices=locality_choices),
        Parameter("sector", "Setor", "choice", choices=sector_choices),
        Parameter("title", "Título", max_length=120, in_header=False,
                  help="Deixe em branco para o título padrão."),
    ),
)
