"""Map GSAN's reference tables onto the core's codes, by their descriptions.

GSAN's numeric ids differ between forks, so a GSAN row is matched to one of
our codes by its description: the ``gsan_names`` column of the core's
reference CSV files, or else the code's label. A matched code gets the GSAN
id in ``gsan_id``. An unmatched row is created with a code made from its
description when the table is open-ended (anomalies, debit types...), and
only reported when the table is closed (connection situations, categories),
because the core's rules depend on every closed code it knows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from core.domain import reference as r
from core.gsan_import.bulk import gsan_ids, insert_rows, set_gsan_ids
from core.gsan_import.naming import normalize, slug, unique_code
from core.gsan_import.schema import Field, Record
from core.reference_data import CORE_DIR, gsan_names

UNCLASSIFIED_TYPE = "gsan_unclassified"
# leitura_anorm_consumo ids (core-domain.md §2.7) -> our consumption rules.
_CONSUMPTION_RULES = {
    0: "none",
    1: "minimum",
    2: "average",
    3: "measured",
    5: "greater",
    6: "lesser",
}


@dataclass(frozen=True)
class ReferenceSource:
    """A GSAN reference table and how its rows become ours."""

    gsan_table: str
    model: type
    key: str
    description: str
    closed: bool
    in_use: str | None = None
    fields: tuple[Field, ...] = ()
    copied: tuple[str, ...] = ()  # columns a duplicate takes from its matched code
    complete: Callable | None = None  # (values, matched, context) -> values | None
    finish: Callable | None = None  # (context) -> None, after the table is written

    def all_fields(self) -> tuple[Field, ...]:
        """Return the description, in-use and extra fields."""
        base = (Field(self.description, "label", "text", 120, required=True),)
        if self.in_use:
            base += (Field(self.in_use, "active", "in_use"),)
        return base + self.fields


@dataclass
class WriteContext:
    """What the writers share: id maps, the report, defaults and tallies."""

    session: object
    report: object
    ids: dict[str, dict[int, int]]
    default_deadline_days: int
    reference_files: tuple[Path, ...] = ()
    tallies: dict[str, int] = field(default_factory=dict)

    def tally(self, key: str) -> None:
        """Count one occurrence of a summary note's subject."""
        self.tallies[key] = self.tallies.get(key, 0) + 1


def description_map(session, model, files: tuple[Path, ...]) -> dict[str, str]:
    """Return {normalized GSAN description: code} for a reference table."""
    table = model.__tablename__
    names = {
        normalize(label): code
        for code, label in session.execute(select(model.code, model.label)).all()
    }
    paths = [CORE_DIR / f"{table}.csv"] + [p for p in files if p.stem == table]
    for path in paths:
        if path.exists():
            names.update({normalize(k): v for k, v in gsan_names(path).items()})
    return names


def _preference(record: Record):
    return (record.values.get("active") is False, record.gsan_id)


def _not_mapped(ctx, source, record, reason: str) -> None:
    label = record.values["label"]
    unused = "" if record.values.get("active", True) else " (fora de uso no GSAN)"
    ctx.report.count(source.gsan_table, "not_mapped")
    ctx.report.note(
        "not_mapped",
        source.gsan_table,
        f"{source.gsan_table} id {record.gsan_id} '{label}'{unused}: {reason}; "
        "não importada",
        record.gsan_id,
    )


def _new_row(source, record, target, taken, ctx) -> dict | None:
    values = dict(record.values, gsan_id=record.gsan_id)
    if target is not None:
        values["code"] = unique_code(target.code, record.gsan_id, taken)
        values["label"] = target.label
        values.update({name: getattr(target, name) for name in source.copied})
    else:
        values["code"] = unique_code(slug(values["label"]), record.gsan_id, taken)
    if source.complete:
        return source.complete(values, target is not None, ctx)
    return values


def write_reference(ctx: WriteContext, source: ReferenceSource, records) -> None:
    """Link, create or report every GSAN row of one reference table."""
    session, table = ctx.session, source.model.__table__
    columns = [table.c.id, table.c.code, table.c.label, table.c.gsan_id]
    columns += [table.c[name] for name in source.copied]
    existing = session.execute(select(*columns)).all()
    linked = {row.gsan_id for row in existing if row.gsan_id is not None}
    by_code = {row.code: row for row in existing}
    names = description_map(session, source.model, ctx.reference_files)
    taken, claimed, links, inserts = set(by_code), set(), [], []
    for record in sorted(records, key=_preference):
        if record.gsan_id in linked:
            ctx.report.count(source.gsan_table, "unchanged")
            continue
        code = names.get(normalize(record.values["label"]))
        target = by_code.get(code)
        if target is not None and target.gsan_id is None and code not in claimed:
            claimed.add(code)
            links.append((target.id, record.gsan_id))
            ctx.report.count(source.gsan_table, "linked")
        elif source.closed:
            _not_mapped(ctx, source, record, _closed_reason(target, claimed))
        else:
            row = _new_row(source, record, target, taken, ctx)
            if row is None:
                ctx.report.count(source.gsan_table, "not_mapped")
                continue
            inserts.append(row)
            ctx.report.count(source.gsan_table, "added")
    set_gsan_ids(session, table, links)
    insert_rows(session, table, inserts)
    ctx.ids[source.gsan_table] = gsan_ids(session, table)
    if source.finish:
        source.finish(ctx)


def _closed_reason(target, claimed) -> str:
    if target is None:
        return "nenhum código do Sanea corresponde a esta descrição"
    other = (
        "outra linha desta exportação"
        if target.code in claimed
        else (f"o id {target.gsan_id} do GSAN")
    )
    return f"o código '{target.code}' já está vinculado a {other}"


# -- completion of created rows ----------------------------------------------


def _with_category(values: dict, matched: bool, ctx: WriteContext) -> dict | None:
    category = ctx.ids.get("categoria", {}).get(values["category_id"])
    if category is None:
        ctx.report.note(
            "not_mapped",
            "subcategoria",
            f"subcategoria id {values['gsan_id']} '{values['label']}': a categoria "
            f"{values['category_id']} do GSAN não foi mapeada; não importada",
            values["gsan_id"],
        )
        return None
    return dict(values, category_id=category)


def _anomaly_rules(values: dict, matched: bool, ctx: WriteContext) -> dict:
    with_reading = _CONSUMPTION_RULES.get(values.pop("_with_reading", None))
    without = _CONSUMPTION_RULES.get(values.pop("_without_reading", None))
    if matched:
        return values
    if with_reading and without:
        return dict(
            values,
            rule_with_reading=with_reading,
            rule_without_reading=without,
            needs_review=False,
        )
    ctx.report.note(
        "review",
        "leitura_anormalidade",
        f"leitura_anormalidade id {values['gsan_id']} '{values['label']}': criada "
        f"como '{values['code']}' com a regra 'average' (média) — revisar a regra "
        "de consumo",
        values["gsan_id"],
    )
    return dict(
        values,
        rule_with_reading="average",
        rule_without_reading="average",
        needs_review=True,
    )


def _unclassified_type(ctx: WriteContext) -> int:
    model = r.RequestType
    found = ctx.session.scalar(select(model.id).where(model.code == UNCLASSIFIED_TYPE))
    if found is not None:
        return found
    insert_rows(
        ctx.session,
        model.__table__,
        [
            {
                "code": UNCLASSIFIED_TYPE,
                "label": "Não classificado (importado do GSAN)",
                "active": True,
            }
        ],
    )
    return ctx.session.scalar(select(model.id).where(model.code == UNCLASSIFIED_TYPE))


def _specification(values: dict, matched: bool, ctx: WriteContext) -> dict:
    type_id = ctx.ids.get("solicitacao_tipo", {}).get(values.get("request_type_id"))
    if type_id is None:
        type_id = _unclassified_type(ctx)
        ctx.tally("unclassified")
    values["request_type_id"] = type_id
    if values.get("deadline_days") is None:
        ctx.tally("deadline_defaulted")
        values.update(deadline_days=ctx.default_deadline_days, deadline_defaulted=True)
    return values


def _specification_notes(ctx: WriteContext) -> None:
    table = "solicitacao_tipo_especificacao"
    if ctx.tallies.get("unclassified"):
        ctx.report.note(
            "info",
            table,
            (
                f"{ctx.tallies['unclassified']} especificação(ões) sem tipo de "
                "solicitação (coluna sotp_id ausente ou vazia) ligada(s) ao tipo "
                "'Não classificado (importado do GSAN)'"
            ),
        )
    if ctx.tallies.get("deadline_defaulted"):
        ctx.report.note(
            "info",
            table,
            (
                f"{ctx.tallies['deadline_defaulted']} especificação(ões) sem prazo "
                f"receberam o prazo padrão de {ctx.default_deadline_days} dia(s) "
                "(parâmetro core.default_request_deadline_days) e ficaram marcadas "
                "deadline_defaulted"
            ),
        )


SOURCES: tuple[ReferenceSource, ...] = (
    ReferenceSource(
        "categoria",
        r.Category,
        "catg_id",
        "catg_dscategoria",
        closed=True,
        in_use="catg_icuso",
    ),
    ReferenceSource(
        "subcategoria",
        r.Subcategory,
        "scat_id",
        "scat_dssubcategoria",
        closed=False,
        in_use="scat_icuso",
        fields=(
            Field("catg_id", "category_id", "ref", required=True, ref="categoria"),
        ),
        complete=_with_category,
    ),
    ReferenceSource(
        "ligacao_agua_situacao",
        r.WaterSituation,
        "last_id",
        "last_dsligacaoaguasituacao",
        closed=True,
        in_use="last_icuso",
    ),
    ReferenceSource(
        "ligacao_esgoto_situacao",
        r.SewerSituation,
        "lest_id",
        "lest_dsligacaoesgotosituacao",
        closed=True,
        in_use="lest_icuso",
    ),
    ReferenceSource(
        "leitura_anormalidade",
        r.ReadingAnomaly,
        "ltan_id",
        "ltan_dsleituraanormalidade",
        closed=False,
        in_use="ltan_icuso",
        fields=(
            Field("lacs_idconsacobrarcomleit", "_with_reading"),
            Field("lacs_idconsacobrarsemleit", "_without_reading"),
        ),
        copied=("rule_with_reading", "rule_without_reading", "accepts_reading"),
        complete=_anomaly_rules,
    ),
    ReferenceSource(
        "debito_tipo",
        r.DebitType,
        "dbtp_id",
        "dbtp_dsdebitotipo",
        closed=False,
        in_use="dbtp_icuso",
        fields=(Field("dbtp_vllimite", "limit_value", "decimal"),),
    ),
    ReferenceSource(
        "solicitacao_tipo",
        r.RequestType,
        "sotp_id",
        "sotp_dssolicitacaotipo",
        closed=False,
        in_use="sotp_icuso",
    ),
    ReferenceSource(
        "solicitacao_tipo_especificacao",
        r.RequestSpecification,
        "step_id",
        "step_dssolicitacaotipoespecificacao",
        closed=False,
        in_use="step_icuso",
        fields=(
            Field("sotp_id", "request_type_id", "ref", ref="solicitacao_tipo"),
            Field("step_nndiaprazo", "deadline_days"),
        ),
        complete=_specification,
        finish=_specification_notes,
    ),
    ReferenceSource(
        "hidrometro_marca",
        r.MeterBrand,
        "himc_id",
        "himc_dshidrometromarca",
        closed=False,
        in_use="himc_icuso",
        fields=(Field("himc_dsabreviadahidrometromarca", "abbreviation", "text", 10),),
    ),
    ReferenceSource(
        "hidrometro_diametro",
        r.MeterDiameter,
        "hidm_id",
        "hidm_dshidrometrodiametro",
        closed=False,
        in_use="hidm_icuso",
    ),
    ReferenceSource(
        "hidrometro_capacidade",
        r.MeterCapacity,
        "hicp_id",
        "hicp_dshidrometrocapacidade",
        closed=False,
        in_use="hicp_icuso",
        fields=(Field("hicp_nndigitosleituramaximo", "digits"),),
    ),
)
