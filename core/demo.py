"""Lay synthetic demo properties over an imported GSAN skeleton.

The proportions come from the latest month of GSAN's
``un_resumo_ligacao_economia`` (connections per block, subcategory and
water/sewer situation): every such cell is weighted by its connections and
the N properties are drawn by systematic sampling over the shuffled cells,
so that N equal to the month's connections reproduces the month exactly and
a smaller N keeps its proportions. Every property gets a customer (CPF for
residential, CNPJ otherwise, both valid), customer-property relations,
economies, its connections and a street address; routes the export left
without a billing group are given one, sector by sector in turn.

Running it again adds N more properties: matrículas, customer codes and
lots continue after the highest ones in the database, so nothing collides.
``prepare_demo`` (``make run``) lays them only on a database without any.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import bindparam, func, select, update

from core.domain import cadastre as c
from core.domain import reference as r
from core.domain.base import utcnow
from core.extensions import db
from core.gsan_import.bulk import insert_rows
from core.gsan_import.reader import Problems, read_table
from core.reference_data import CORE_DIR
from core.services.identifiers import (
    InvalidIdentifier,
    format_registration,
    make_cnpj,
    make_cpf,
    make_registration,
)

log = logging.getLogger(__name__)
SKELETON_DIR = CORE_DIR / "skeleton"
RESUMO = "un_resumo_ligacao_economia.csv"
_RESUMO_COLUMNS = (
    "rele_amreferencia",
    "qdra_id",
    "scat_id",
    "last_id",
    "lest_id",
    "rele_qtligacoes",
    "rele_qteconomias",
)
_SPREAD = 104_729  # a prime: spreads sequences over document numbers bijectively

FIRST_NAMES = (
    "Maria",
    "José",
    "Ana",
    "João",
    "Francisca",
    "Antônio",
    "Antônia",
    "Francisco",
    "Adriana",
    "Carlos",
    "Juliana",
    "Paulo",
    "Márcia",
    "Pedro",
    "Fernanda",
    "Lucas",
    "Patrícia",
    "Luiz",
    "Aline",
    "Marcos",
    "Sandra",
    "Rafael",
    "Camila",
    "Raimundo",
    "Luciana",
    "Daniel",
    "Vanessa",
    "Marcelo",
    "Cláudia",
    "Bruno",
    "Débora",
    "Eduardo",
    "Tereza",
    "Felipe",
    "Raimunda",
    "Sebastião",
    "Josefa",
    "Gabriel",
    "Letícia",
    "Rodrigo",
    "Helena",
    "Manoel",
    "Beatriz",
    "Thiago",
    "Rita",
)
SURNAMES = (
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Soares",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
    "Cardoso",
    "Ramos",
    "Gonçalves",
    "Santana",
    "Teixeira",
    "Araújo",
    "Cavalcante",
    "Bezerra",
    "Monteiro",
    "Medeiros",
    "Batista",
)
TRADES = (
    "Comércio de Alimentos",
    "Materiais de Construção",
    "Serviços",
    "Auto Peças",
    "Panificadora",
    "Restaurante",
    "Farmácia",
    "Confecções",
    "Distribuidora",
    "Oficina Mecânica",
    "Mercadinho",
    "Papelaria",
)
INDUSTRIES = (
    "Indústria de Alimentos",
    "Cerâmica",
    "Metalúrgica",
    "Indústria Têxtil",
    "Laticínios",
    "Gráfica",
)
PUBLIC_BODIES = (
    "Escola Municipal",
    "Escola Estadual",
    "Unidade Básica de Saúde",
    "Secretaria Municipal",
    "Creche Municipal",
    "Centro Comunitário",
)
STREET_TYPES = ("Rua", "Rua", "Rua", "Avenida", "Travessa", "Alameda")
STREET_NAMES = (
    "Sete de Setembro",
    "Quinze de Novembro",
    "Tiradentes",
    "Floriano Peixoto",
    "Duque de Caxias",
    "Marechal Deodoro",
    "Dom Pedro II",
    "Princesa Isabel",
    "Castro Alves",
    "Rui Barbosa",
    "Santos Dumont",
    "Getúlio Vargas",
    "José de Alencar",
    "Machado de Assis",
    "Cecília Meireles",
    "Carlos Gomes",
    "Das Flores",
    "Dos Ipês",
    "Das Palmeiras",
    "Das Mangueiras",
    "Do Sol",
    "Da Paz",
    "São José",
    "São Francisco",
    "Santa Luzia",
    "Nossa Senhora de Fátima",
    "Joaquim Nabuco",
    "Monteiro Lobato",
    "Anita Garibaldi",
    "Bento Gonçalves",
    "Padre Cícero",
    "Frei Caneca",
    "Barão do Rio Branco",
    "Independência",
    "Da Liberdade",
    "Do Comércio",
    "Projetada",
    "Cândido Rondon",
)
_CUT = {"cut"}
_SUPPRESSED = {"suppressed", "partially_suppressed", "partially_suppressed_on_request"}


class DemoError(Exception):
    """The demo cannot be laid (no blocks, an unreadable resumo...)."""


@dataclass(frozen=True)
class Block:
    """An imported block, with what a property needs from it."""

    id: int
    sector_id: int
    locality_id: int
    number: int
    district: str | None
    has_sewer_network: bool


@dataclass(frozen=True)
class Cell:
    """Connections of one block with one subcategory and pair of situations."""

    block: Block
    subcategory_id: int
    water_id: int
    sewer_id: int
    connections: int
    economies: int


@dataclass
class Catalogue:
    """Our ids by GSAN id, and the codes the generator needs."""

    blocks: dict[int, Block]
    subcategories: dict[int, int]
    water: dict[int, int]
    sewer: dict[int, int]
    category_of: dict[int, str]  # subcategory id -> category code
    water_code: dict[int, str]
    water_connected: set[int]
    sewer_connected: set[int]


@dataclass
class DemoReport:
    """What a demo run created."""

    counts: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


# -- where the proportions come from ------------------------------------------


def resumo_path(directory: str | Path | None) -> Path | None:
    """Return the resumo file of a GSAN export folder, if it has one."""
    if not directory:
        return None
    for path in (Path(directory) / "resumo" / RESUMO, Path(directory) / RESUMO):
        if path.is_file():
            return path
    return None


def last_import_dir(session) -> str | None:
    """Return the folder of the last successful GSAN import run, if any."""
    from core.gsan_import.job import JOB_NAME
    from core.toolkits.jobs import JobRun

    run = session.scalars(
        select(JobRun)
        .where(JobRun.name == JOB_NAME, JobRun.status == "done")
        .order_by(JobRun.id.desc())
        .limit(1)
    ).first()
    return run.params_dict().get("directory") if run else None


def _catalogue(session) -> Catalogue:
    sector_district = {}
    query = select(
        c.Block.id,
        c.Block.gsan_id,
        c.Block.sector_id,
        c.Sector.locality_id,
        c.Block.number,
        c.Sector.name,
        c.Block.has_sewer_network,
    )
    blocks = {}
    for row in session.execute(query.join(c.Sector)).all():
        district = sector_district.setdefault(
            row.sector_id, (row.name or "").split("/")[0].strip()[:60] or None
        )
        blocks[row.gsan_id if row.gsan_id is not None else -row.id] = Block(
            row.id,
            row.sector_id,
            row.locality_id,
            row.number,
            district,
            row.has_sewer_network,
        )
    categories = dict(session.execute(select(r.Category.id, r.Category.code)).all())
    subs = session.execute(
        select(r.Subcategory.id, r.Subcategory.gsan_id, r.Subcategory.category_id)
    ).all()
    waters = session.execute(select(r.WaterSituation)).scalars().all()
    sewers = session.execute(select(r.SewerSituation)).scalars().all()
    return Catalogue(
        blocks=blocks,
        subcategories={s.gsan_id: s.id for s in subs if s.gsan_id is not None},
        water={w.gsan_id: w.id for w in waters if w.gsan_id is not None},
        sewer={s.gsan_id: s.id for s in sewers if s.gsan_id is not None},
        category_of={s.id: categories[s.category_id] for s in subs},
        water_code={w.id: w.code for w in waters},
        water_connected={w.id for w in waters if w.has_connection},
        sewer_connected={s.id for s in sewers if s.has_connection},
    )


def _read_resumo(path: Path) -> list[dict[str, int]]:
    problems = Problems()
    table = read_table(path, _RESUMO_COLUMNS, problems)
    rows = [{name: row.integer(name) for name in _RESUMO_COLUMNS} for row in table.rows]
    if problems.total:
        raise DemoError(f"Resumo ilegível: {problems.items[0]}")
    return rows


def resumo_cells(path: Path, catalogue: Catalogue) -> tuple[int, list[Cell], int]:
    """Return (latest month, its cells, rows skipped) of a resumo file."""
    rows = _read_resumo(path)
    if not rows:
        raise DemoError(f"Resumo vazio: {path}")
    month = max(row["rele_amreferencia"] for row in rows)
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    skipped = 0
    for row in rows:
        if row["rele_amreferencia"] != month:
            continue
        key = (
            catalogue.blocks.get(row["qdra_id"]),
            catalogue.subcategories.get(row["scat_id"]),
            catalogue.water.get(row["last_id"]),
            catalogue.sewer.get(row["lest_id"]),
        )
        if None in key or row["rele_qtligacoes"] <= 0:
            skipped += 1
            continue
        totals[key][0] += row["rele_qtligacoes"]
        totals[key][1] += max(row["rele_qteconomias"], row["rele_qtligacoes"])
    cells = [Cell(*key, *value) for key, value in totals.items()]
    cells.sort(
        key=lambda cell: (
            cell.block.id,
            cell.subcategory_id,
            cell.water_id,
            cell.sewer_id,
        )
    )
    return month, cells, skipped


def default_cells(session, catalogue: Catalogue) -> list[Cell]:
    """Return one residential, connected cell per block, when there is no resumo."""
    sub = session.scalar(
        select(r.Subcategory.id)
        .order_by(r.Subcategory.id)
        .where(r.Subcategory.code == "residential_standard")
    )
    water = session.scalar(
        select(r.WaterSituation.id).where(r.WaterSituation.code == "connected")
    )
    sewer = {
        code: session.scalar(
            select(r.SewerSituation.id).where(r.SewerSituation.code == code)
        )
        for code in ("connected", "potential")
    }
    if None in (sub, water, *sewer.values()):
        raise DemoError("Dados de referência ausentes: rode 'flask sanea init'.")
    blocks = sorted(catalogue.blocks.values(), key=lambda b: b.id)
    return [
        Cell(
            b,
            sub,
            water,
            sewer["connected" if b.has_sewer_network else "potential"],
            1,
            1,
        )
        for b in blocks
    ]


# -- sampling ------------------------------------------------------------------


def systematic_counts(weights: list[int], n: int, rng: random.Random) -> list[int]:
    """Split n draws over weighted cells by systematic sampling.

    Points ``U + k·W`` (k < n) are laid over the cells stretched to n·w each;
    every cell gets floor or ceil of its quota n·w/W, the counts add up to n
    and n = W gives every cell exactly its weight.
    """
    total = sum(weights)
    offset = rng.randrange(total)

    def points_below(x: int) -> int:
        return max(0, -((offset - x) // total))

    counts, start = [], 0
    for weight in weights:
        end = start + weight * n
        counts.append(points_below(end) - points_below(start))
        start = end
    return counts


# -- generation ----------------------------------------------------------------


@dataclass
class Sequences:
    """Where the matrículas, customer codes and lots of this run start."""

    property: int
    customer: int
    lots: dict[int, int]

    @classmethod
    def from_database(cls, session) -> Sequences:
        """Continue after the highest matrícula, customer code and lots."""
        registration = session.scalar(select(func.max(c.Property.registration))) or 0
        customer = session.scalar(select(func.max(c.Customer.code))) or 0
        lots = dict(
            session.execute(
                select(c.Property.block_id, func.max(c.Property.lot)).group_by(
                    c.Property.block_id
                )
            ).all()
        )
        return cls(registration // 10 + 1, customer // 10 + 1, lots)


def _document(sequence: int, company: bool) -> str:
    if company:
        return make_cnpj(f"{10_000_000 + sequence * _SPREAD % 90_000_000:08d}0001")
    base = 100_000_000 + sequence * _SPREAD % 900_000_000
    try:
        return make_cpf(base)
    except InvalidIdentifier:  # 111111111 and the like: all digits equal
        return make_cpf(base + 1)


def _customer_name(rng: random.Random, category: str, district: str | None) -> str:
    surname = rng.choice(SURNAMES)
    if category == "residential":
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {surname}"
    if category == "public":
        return f"{rng.choice(PUBLIC_BODIES)} {rng.choice(FIRST_NAMES)} {surname}"
    trade = rng.choice(INDUSTRIES if category == "industrial" else TRADES)
    return f"{trade} {surname} Ltda"


@dataclass
class Batch:
    """The rows of one demo run, before they are written."""

    customers: list[dict] = field(default_factory=list)
    properties: list[dict] = field(default_factory=list)
    economies: list[tuple[int, int]] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)


def _placements(cells: list[Cell], counts: list[int], rng) -> dict[int, list]:
    by_block: dict[int, list] = defaultdict(list)
    for cell, count in zip(cells, counts, strict=True):
        for j in range(count):
            extra = 1 if j % cell.connections < cell.economies % cell.connections else 0
            by_block[cell.block.id].append(
                (cell, cell.economies // cell.connections + extra)
            )
    for entries in by_block.values():
        rng.shuffle(entries)
    return by_block


def build_batch(cells, counts, sequences: Sequences, catalogue, rng, today, now):
    """Generate the customer and property rows of every drawn placement."""
    batch = Batch()
    for block_id, entries in sorted(_placements(cells, counts, rng).items()):
        street = f"{rng.choice(STREET_TYPES)} {rng.choice(STREET_NAMES)}"
        for cell, economies in entries:
            lot = sequences.lots.get(block_id, 0) + 1
            sequences.lots[block_id] = lot
            _add_property(
                batch,
                cell,
                economies,
                lot,
                street,
                sequences,
                catalogue,
                rng,
                today,
                now,
            )
    return batch


def _add_property(
    batch, cell, economies, lot, street, sequences, catalogue, rng, today, now
) -> None:
    category = catalogue.category_of[cell.subcategory_id]
    company = category != "residential"
    batch.customers.append(
        {
            "code": make_registration(sequences.customer),
            "name": _customer_name(rng, category, cell.block.district)[:100],
            "person_type": "J" if company else "F",
            "cpf_cnpj": _document(sequences.customer, company),
            "birth_date": None
            if company
            else date(rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28)),
            "created_at": now,
            "updated_at": now,
        }
    )
    batch.properties.append(
        {
            "registration": make_registration(sequences.property),
            "locality_id": cell.block.locality_id,
            "sector_id": cell.block.sector_id,
            "block_id": cell.block.id,
            "lot": lot,
            "sublot": 0,
            "street": street,
            "number": str(lot * 10 + rng.randrange(10)),
            "district": cell.block.district,
            "water_situation_id": cell.water_id,
            "sewer_situation_id": cell.sewer_id,
            "route_sequence": cell.block.number * 1000 + lot,
            "created_at": now,
            "updated_at": now,
            "_since": today - timedelta(days=rng.randrange(30, 3650)),
            "_owner": rng.random() < 0.7,
        }
    )
    batch.economies.append((cell.subcategory_id, economies))
    batch.cells.append(cell)
    sequences.property += 1
    sequences.customer += 1


# -- writing -------------------------------------------------------------------


def _ids_by(session, column, key_column, first: int) -> dict[int, int]:
    return dict(
        session.execute(select(key_column, column).where(key_column >= first)).all()
    )


def _children(batch: Batch, customer_ids, property_ids, catalogue, rng, today):
    subcategories, relations, waters, sewers = [], [], [], []
    for index, prop in enumerate(batch.properties):
        property_id = property_ids[prop["registration"]]
        customer_id = customer_ids[batch.customers[index]["code"]]
        sub_id, economies = batch.economies[index]
        since, cell = prop["_since"], batch.cells[index]
        subcategories.append(
            {
                "property_id": property_id,
                "subcategory_id": sub_id,
                "economies": economies,
            }
        )
        relations.append(
            {
                "customer_id": customer_id,
                "property_id": property_id,
                "relation": "user",
                "start_date": since,
                "name_on_bill": True,
            }
        )
        if prop["_owner"]:
            relations.append(
                {
                    "customer_id": customer_id,
                    "property_id": property_id,
                    "relation": "owner",
                    "start_date": since,
                    "name_on_bill": False,
                }
            )
        if cell.water_id in catalogue.water_connected:
            code = catalogue.water_code[cell.water_id]
            event = today - timedelta(days=rng.randrange(5, 400))
            waters.append(
                {
                    "property_id": property_id,
                    "connected_on": since,
                    "cut_on": event if code in _CUT else None,
                    "suppressed_on": event if code in _SUPPRESSED else None,
                }
            )
        if cell.sewer_id in catalogue.sewer_connected:
            sewers.append({"property_id": property_id, "connected_on": since})
    return subcategories, relations, waters, sewers


def write_batch(session, batch: Batch, catalogue, rng, today) -> dict[str, int]:
    """Insert a batch in Core batches and return the rows written per table."""
    if not batch.properties:
        return {}
    first_customer = batch.customers[0]["code"]
    first_property = batch.properties[0]["registration"]
    insert_rows(session, c.Customer.__table__, batch.customers)
    insert_rows(session, c.Property.__table__, batch.properties)
    customer_ids = _ids_by(session, c.Customer.id, c.Customer.code, first_customer)
    property_ids = _ids_by(
        session, c.Property.id, c.Property.registration, first_property
    )
    tables = (
        c.PropertySubcategory,
        c.CustomerProperty,
        c.WaterConnection,
        c.SewerConnection,
    )
    children = _children(batch, customer_ids, property_ids, catalogue, rng, today)
    counts = {"property": len(batch.properties), "customer": len(batch.customers)}
    for model, rows in zip(tables, children, strict=True):
        counts[model.__tablename__] = insert_rows(session, model.__table__, rows)
    counts["economies"] = sum(row["economies"] for row in children[0])
    return counts


def assign_billing_groups(session) -> tuple[int, int]:
    """Give routes without a billing group one, sector by sector in turn.

    Sectors are taken in inscription order (locality code, sector code); the
    i-th sector's routes go to the i-th active group, cycling. Return
    (routes assigned, groups available).
    """
    groups = session.scalars(
        select(c.BillingGroup.id)
        .where(c.BillingGroup.active)
        .order_by(c.BillingGroup.id)
    ).all()
    if not groups:
        return 0, 0
    sectors = session.scalars(
        select(c.Sector.id).join(c.Locality).order_by(c.Locality.code, c.Sector.code)
    ).all()
    turn = {sector: groups[i % len(groups)] for i, sector in enumerate(sectors)}
    routes = session.execute(
        select(c.Route.id, c.Route.sector_id).where(c.Route.billing_group_id.is_(None))
    ).all()
    if routes:
        table = c.Route.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("route_id"))
            .values(billing_group_id=bindparam("group_id")),
            [{"route_id": r.id, "group_id": turn[r.sector_id]} for r in routes],
        )
    return len(routes), len(groups)


# -- entry points --------------------------------------------------------------


def _proportions(session, catalogue, resumo: Path | None, report: DemoReport):
    if resumo is not None:
        month, cells, skipped = resumo_cells(resumo, catalogue)
        if cells:
            total = sum(cell.connections for cell in cells)
            blocks = len({cell.block.id for cell in cells})
            report.lines.append(
                f"Proporções de {resumo} (referência {month % 100:02d}/{month // 100}):"
                f" {total} ligações em {blocks} quadras"
                + (
                    f"; {skipped} linha(s) do resumo sem quadra ou código importado"
                    if skipped
                    else ""
                )
            )
            return cells
        report.lines.append(f"O resumo {resumo} não cita nenhuma quadra importada.")
    report.lines.append(
        "Sem resumo: um imóvel residencial ligado por quadra, em proporções iguais."
    )
    return default_cells(session, catalogue)


def lay_demo(
    session,
    properties: int,
    *,
    seed: int = 0,
    resumo: Path | None = None,
    today: date | None = None,
) -> DemoReport:
    """Add ``properties`` demo properties in the session's transaction."""
    started, report = time.monotonic(), DemoReport()
    rng = random.Random(seed)
    catalogue = _catalogue(session)
    if not catalogue.blocks:
        raise DemoError(
            "Nenhuma quadra cadastrada: importe o GSAN antes "
            "(flask sanea import-gsan PASTA)."
        )
    assigned, groups = assign_billing_groups(session)
    if assigned:
        report.lines.append(
            f"Rotas sem grupo de faturamento: {assigned} ligada(s) "
            f"a {groups} grupo(s), por setor em rodízio."
        )
    cells = _proportions(session, catalogue, resumo, report)
    counts = systematic_counts([cell.connections for cell in cells], properties, rng)
    sequences = Sequences.from_database(session)
    first = sequences.property
    batch = build_batch(
        cells, counts, sequences, catalogue, rng, today or date.today(), utcnow()
    )
    report.counts = write_batch(session, batch, catalogue, rng, today or date.today())
    report.counts["routes_assigned"] = assigned
    report.lines.append(_summary(report.counts, first, sequences.property - 1))
    log.info(
        "demo: %s properties laid in %.2fs", properties, time.monotonic() - started
    )
    return report


def _summary(counts: dict[str, int], first: int, last: int) -> str:
    return (
        f"Imóveis de demonstração criados: {counts.get('property', 0)} (matrículas "
        f"{format_registration(make_registration(first))} a "
        f"{format_registration(make_registration(last))}); clientes "
        f"{counts.get('customer', 0)}, economias {counts.get('economies', 0)}, "
        f"ligações de água {counts.get('water_connection', 0)}, de esgoto "
        f"{counts.get('sewer_connection', 0)}."
    )


def demo_source(session, export_dir: str | Path | None = None) -> Path | None:
    """Return the resumo to draw from: the given export's, else the last import's.

    Without a last import run, SANEA_GSAN_EXPORT's or the built-in skeleton's;
    None (equal proportions) when that folder has no resumo.
    """
    if export_dir:
        path = resumo_path(export_dir)
        if path is None:
            raise DemoError(f"Sem {RESUMO} em {export_dir} nem em {export_dir}/resumo.")
        return path
    settings = current_app.config["SANEA_SETTINGS"]
    directory = last_import_dir(session) or settings.gsan_export or SKELETON_DIR
    return resumo_path(directory)


def lay_demo_command(
    properties: int, seed: int = 0, export_dir: str | Path | None = None
) -> list[str]:
    """Lay demo properties for the CLI, let plugins add theirs, and commit."""
    from core.plugins import call_in_order

    session = db.session
    try:
        report = lay_demo(
            session,
            properties,
            seed=seed,
            resumo=demo_source(session, export_dir),
            today=current_app.extensions["sanea.clock"].today(),
        )
        call_in_order(
            current_app.extensions["sanea.pm"],
            "sanea_demo_data",
            session=session,
            rng=random.Random(seed),
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report.lines


def _import(app, directory: Path) -> list[str]:
    from core.gsan_import import GsanImportError, import_gsan
    from core.gsan_import.job import JOB_NAME, import_options, run_lines
    from core.toolkits.jobs import JobRun, start_job

    if app.extensions.get("sanea.queue") is None:
        run = db.session.get(JobRun, start_job(JOB_NAME, {"directory": str(directory)}))
        if run.status != "done":
            raise DemoError("\n".join(run_lines(run)))
        return run_lines(run)
    try:  # a worker may not be running yet: import in this process
        report = import_gsan(db.session, directory, **import_options(app))
    except GsanImportError as exc:
        db.session.rollback()
        raise DemoError(f"Importação recusada: {exc}") from exc
    db.session.commit()
    return report.lines()


def prepare_demo(app, properties: int = 2000, seed: int = 0) -> list[str]:
    """Import SANEA_GSAN_EXPORT (or the built-in skeleton), then lay the demo.

    The import is idempotent; the properties are laid only when the database
    has none. Return the report lines; raise DemoError when refused.
    """
    settings = app.config["SANEA_SETTINGS"]
    directory = Path(settings.gsan_export or SKELETON_DIR).resolve()
    active = has_app_context() and current_app._get_current_object() is app
    with nullcontext() if active else app.app_context():
        lines = _import(app, directory)
        existing = db.session.scalar(select(func.count(c.Property.id)))
        if existing:
            return lines + [
                f"Demonstração: o banco já tem {existing} imóvel(is); nenhum criado."
            ]
        source = directory if resumo_path(directory) else None
        return lines + lay_demo_command(properties, seed, source)
