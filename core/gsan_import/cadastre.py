"""Import GSAN's cadastral skeleton: municipalities down to blocks and groups.

Rows are keyed by their GSAN id (``gsan_id``): a row already imported is
left as it is, a new one is inserted in batches. Uniqueness rules of ours
(a sector's code inside its locality, a block's number inside its sector...)
are checked against the database before a table is written, so a clash
refuses the export instead of failing half-way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from core.domain import cadastre as c
from core.gsan_import.bulk import gsan_ids, insert_rows
from core.gsan_import.reader import Problems
from core.gsan_import.schema import Field, Record

# Brazilian telephone area codes (DDD) by state, to place a municipality.
_AREA_CODES = {
    "SP": range(11, 20),
    "RJ": (21, 22, 24),
    "ES": (27, 28),
    "MG": (31, 32, 33, 34, 35, 37, 38),
    "PR": (41, 42, 43, 44, 45, 46),
    "SC": (47, 48, 49),
    "RS": (51, 53, 54, 55),
    "DF": (61,),
    "GO": (62, 64),
    "TO": (63,),
    "MT": (65, 66),
    "MS": (67,),
    "AC": (68,),
    "RO": (69,),
    "BA": (71, 73, 74, 75, 77),
    "SE": (79,),
    "PE": (81, 87),
    "AL": (82,),
    "PB": (83,),
    "RN": (84,),
    "CE": (85, 88),
    "PI": (86, 89),
    "PA": (91, 93, 94),
    "AM": (92, 97),
    "RR": (95,),
    "AP": (96,),
    "MA": (98, 99),
}
STATE_BY_AREA_CODE = {code: uf for uf, codes in _AREA_CODES.items() for code in codes}


@dataclass(frozen=True)
class EntitySource:
    """A GSAN cadastral table and the model its rows become."""

    gsan_table: str
    model: type
    key: str
    noun: str
    fields: tuple[Field, ...]
    unique: tuple[str, ...] = ()  # our columns unique together
    derive: Callable | None = None  # (values, export) -> None, before writing

    def all_fields(self) -> tuple[Field, ...]:
        """Return the fields read from the GSAN file."""
        return self.fields


def _state(values: dict, export) -> None:
    states = export.auxiliary.get("unidade_federacao", {})
    area_code = values.pop("_area_code", None)
    state = states.get(values.pop("_state_id", None))
    state = state or STATE_BY_AREA_CODE.get(area_code) or export.state
    values["state"] = state.upper()


def _locality_municipality(values: dict, export) -> None:
    if values.get("municipality_id") is not None:
        return
    votes = Counter(
        record.values["municipality_id"]
        for record in export.records.get("setor_comercial", ())
        if record.values["locality_id"] == values["code"]
        and record.values["municipality_id"] is not None
    )
    if votes:
        values["municipality_id"] = min(votes, key=lambda m: (-votes[m], m))


def _text(gsan: str, target: str, size: int, required: bool = True) -> Field:
    return Field(gsan, target, "text", size, required=required)


def _ref(gsan: str, target: str, table: str, required: bool = False) -> Field:
    return Field(gsan, target, "ref", required=required, ref=table)


SOURCES: tuple[EntitySource, ...] = (
    EntitySource(
        "municipio",
        c.Municipality,
        "muni_id",
        "município",
        (
            _text("muni_nmmunicipio", "name", 80),
            _text("muni_cdibge", "ibge_code", 7, False),
            Field("muni_cdddd", "_area_code"),
            _ref("unfe_id", "_state_id", "unidade_federacao"),
        ),
        unique=("ibge_code",),
        derive=_state,
    ),
    EntitySource(
        "gerencia_regional",
        c.RegionalOffice,
        "greg_id",
        "gerência regional",
        (
            _text("greg_nmregional", "name", 80),
            _text("greg_nmabreviado", "short_name", 10, False),
        ),
    ),
    EntitySource(
        "unidade_negocio",
        c.BusinessUnit,
        "uneg_id",
        "unidade de negócio",
        (
            _text("uneg_nmunidadenegocio", "name", 80),
            _text("uneg_nmabreviado", "short_name", 10, False),
            _ref("greg_id", "regional_office_id", "gerencia_regional"),
        ),
    ),
    EntitySource(
        "localidade",
        c.Locality,
        "loca_id",
        "localidade",
        (
            Field("loca_id", "code", low=0, high=999),
            _text("loca_nmlocalidade", "name", 80),
            _ref("greg_id", "regional_office_id", "gerencia_regional"),
            _ref("uneg_id", "business_unit_id", "unidade_negocio"),
            _ref("muni_idprincipal", "municipality_id", "municipio"),
        ),
        unique=("code",),
        derive=_locality_municipality,
    ),
    EntitySource(
        "setor_comercial",
        c.Sector,
        "stcm_id",
        "setor comercial",
        (
            _ref("loca_id", "locality_id", "localidade", True),
            Field("stcm_cdsetorcomercial", "code", required=True),
            _text("stcm_nmsetorcomercial", "name", 80),
            _ref("muni_id", "municipality_id", "municipio"),
        ),
        unique=("locality_id", "code"),
    ),
    EntitySource(
        "faturamento_grupo",
        c.BillingGroup,
        "ftgr_id",
        "grupo de faturamento",
        (
            _text("ftgr_dsfaturamentogrupo", "description", 80),
            Field("ftgr_amreferencia", "reference_month", "month"),
            Field("ftgr_nndiavencimento", "due_day", low=1, high=31),
            Field("ftgr_icuso", "active", "in_use"),
        ),
    ),
    EntitySource(
        "rota",
        c.Route,
        "rota_id",
        "rota",
        (
            _ref("stcm_id", "sector_id", "setor_comercial", True),
            Field("rota_cdrota", "code", required=True),
            _ref("ftgr_id", "billing_group_id", "faturamento_grupo"),
        ),
        unique=("sector_id", "code"),
    ),
    EntitySource(
        "quadra",
        c.Block,
        "qdra_id",
        "quadra",
        (
            _ref("stcm_id", "sector_id", "setor_comercial", True),
            Field("qdra_nnquadra", "number", required=True),
            _ref("rota_id", "route_id", "rota"),
            Field("qdra_icredeagua", "has_water_network", "network"),
            Field("qdra_icredeesgoto", "has_sewer_network", "network"),
        ),
        unique=("sector_id", "number"),
    ),
)
# Tables read only to complete others (a municipality's state).
AUXILIARY = {"unidade_federacao": ("unfe_id", (_text("unfe_dsufsigla", "state", 2),))}


def _resolve(source: EntitySource, record: Record, ids: dict, export) -> dict:
    values = dict(record.values, gsan_id=record.gsan_id)
    if source.derive:
        source.derive(values, export)
    for spec in source.fields:
        if spec.kind == "ref" and not spec.target.startswith("_"):
            gsan = values.get(spec.target)
            values[spec.target] = None if gsan is None else ids[spec.ref][gsan]
    return values


def _check_unique(session, source, records, rows, export) -> None:
    """Refuse rows whose unique columns clash with the database or each other."""
    if not source.unique:
        return
    table = source.model.__table__
    taken = {
        tuple(key): None
        for key in session.execute(
            select(*[table.c[name] for name in source.unique])
        ).all()
    }
    column = next(f.gsan for f in source.fields if f.target == source.unique[-1])
    problems = Problems()
    for record, row in zip(records, rows, strict=True):
        key = tuple(row[name] for name in source.unique)
        if None in key:
            continue
        if key in taken:
            where = "no banco" if taken[key] is None else f"na linha {taken[key]}"
            problems.add(
                f"{source.gsan_table}.csv",
                record.line,
                column,
                f"{source.noun} {key[-1]} já existe {where}",
            )
        taken.setdefault(key, record.line)
    problems.raise_if_any()


def write_entity(ctx, source: EntitySource, records: list[Record], export) -> None:
    """Insert the GSAN rows of one cadastral table that are not imported yet."""
    existing = ctx.ids.get(source.gsan_table, {})
    new = [record for record in records if record.gsan_id not in existing]
    rows = [_resolve(source, record, ctx.ids, export) for record in new]
    _check_unique(ctx.session, source, new, rows, export)
    insert_rows(ctx.session, source.model.__table__, rows)
    ctx.ids[source.gsan_table] = gsan_ids(ctx.session, source.model.__table__)
    ctx.report.count(source.gsan_table, "added", len(new))
    ctx.report.count(source.gsan_table, "unchanged", len(records) - len(new))
