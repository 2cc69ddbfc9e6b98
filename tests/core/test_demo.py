"""Demo properties laid over an imported skeleton, in the resumo's proportions."""

import random
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from core.demo import (
    SKELETON_DIR,
    DemoError,
    Sequences,
    build_batch,
    lay_demo,
    lay_demo_command,
    prepare_demo,
    resumo_cells,
    resumo_path,
    systematic_counts,
)
from core.domain import cadastre as c
from core.domain import reference as r
from core.extensions import db
from core.gsan_import import import_gsan
from core.services.identifiers import validate_cnpj, validate_cpf, validate_registration
from tests.conftest import shared_dir


def import_folder(folder):
    import_gsan(db.session, folder, state="RN", default_deadline_days=15)
    db.session.commit()


def rows(query):
    return db.session.execute(query).all()


def category_counts():
    query = (select(r.Category.code, func.count())
             .select_from(c.PropertySubcategory).join(r.Subcategory).join(r.Category)
             .group_by(r.Category.code))
    return dict(rows(query))


def test_systematic_counts_split_draws_by_weight():
    weights = [3, 1, 5, 0, 2]
    assert systematic_counts(weights, 11, random.Random(1)) == weights
    assert systematic_counts(weights, 22, random.Random(1)) == [6, 2, 10, 0, 4]
    for seed in range(20):
        counts = systematic_counts(weights, 4, random.Random(seed))
        assert sum(counts) == 4
        for weight, n in zip(weights, counts, strict=True):
            quota = 4 * weight / 11
            assert int(quota) <= n <= int(quota) + 1


def test_prepare_demo_lays_valid_properties_on_the_skeleton(app):
    lines = prepare_demo(app, properties=300, seed=7)

    assert "Imóveis de demonstração criados: 300 (matrículas 1.9 a 300.0)" in lines[-1]
    people = rows(select(c.Customer.person_type, c.Customer.cpf_cnpj))
    assert len(people) == 300
    assert all(validate_cpf(doc) for kind, doc in people if kind == "F")
    assert all(validate_cnpj(doc) for kind, doc in people if kind == "J")
    registrations = db.session.scalars(select(c.Property.registration)).all()
    assert all(validate_registration(n) for n in registrations)
    assert len(set(registrations)) == 300
    categories = category_counts()
    assert {"residential", "commercial"} <= set(categories)
    assert sum(categories.values()) == 300
    assert categories["residential"] > 200
    assert db.session.scalar(select(func.count()).select_from(c.Route).where(
        c.Route.billing_group_id.is_(None))) == 0
    assert db.session.scalar(select(func.count(func.distinct(
        c.CustomerProperty.property_id))).where(
        c.CustomerProperty.relation == "user")) == 300


def test_prepare_demo_runs_once(app):
    prepare_demo(app, properties=40, seed=1)

    lines = prepare_demo(app, properties=40, seed=1)

    assert lines[-1] == "Demonstração: o banco já tem 40 imóvel(is); nenhum criado."
    assert "Nada a importar: o banco já tem todas as linhas da exportação." in lines
    assert db.session.scalar(select(func.count(c.Property.id))) == 40


def test_demo_reproduces_the_resumo_when_n_is_its_total(app):
    import_folder(SKELETON_DIR)
    month, cells, skipped = resumo_cells(resumo_path(SKELETON_DIR),
                                         _catalogue_of_session())
    total = sum(cell.connections for cell in cells)

    lay_demo(db.session, total, seed=3, resumo=resumo_path(SKELETON_DIR),
             today=date(2025, 3, 10))

    expected = Counter({(cell.block.id, cell.subcategory_id, cell.water_id,
                         cell.sewer_id): cell.connections for cell in cells})
    laid = Counter(dict(((b, s, w, e), n) for b, s, w, e, n in rows(
        select(c.Property.block_id, c.PropertySubcategory.subcategory_id,
               c.Property.water_situation_id, c.Property.sewer_situation_id,
               func.count()).join(c.PropertySubcategory)
        .group_by(c.Property.block_id, c.PropertySubcategory.subcategory_id,
                  c.Property.water_situation_id, c.Property.sewer_situation_id))))
    assert (month, skipped, total) == (202401, 0, 2035)
    assert laid == expected
    economies = db.session.scalar(select(func.sum(c.PropertySubcategory.economies)))
    assert economies == sum(cell.economies for cell in cells)


def _catalogue_of_session():
    from core.demo import _catalogue

    return _catalogue(db.session)


def test_demo_keeps_the_2008_proportions(app):
    import_folder(shared_dir() / "reference" / "gsan-2008")

    lines = lay_demo_command(4000, seed=11,
                             export_dir=shared_dir() / "reference" / "gsan-2008")

    assert lines[0] == ("Rotas sem grupo de faturamento: 509 ligada(s) a 40 "
                        "grupo(s), por setor em rodízio.")
    assert "(referência 10/2007): 88687 ligações em 6498 quadras" in lines[1]
    shares = {"residential": 82460, "commercial": 4513, "public": 1548,
              "industrial": 166}
    laid = category_counts()
    assert sum(laid.values()) == 4000
    for code, connections in shares.items():
        expected = 4000 * connections / 88687
        assert abs(laid[code] - expected) <= 4 * expected ** 0.5 + 1, (code, laid)
    water = dict(rows(select(r.WaterSituation.code, func.count())
                      .join(c.Property).group_by(r.WaterSituation.code)))
    assert abs(water["connected"] - 4000 * 73939 / 88687) < 60
    cut = db.session.scalar(select(func.count()).select_from(c.WaterConnection)
                            .where(c.WaterConnection.cut_on.is_not(None)))
    assert cut == water["cut"]


def test_demo_twice_adds_more_without_collisions(app):
    import_folder(SKELETON_DIR)
    lay_demo_command(50, seed=1)
    first = set(db.session.scalars(select(c.Property.registration)))

    lines = lay_demo_command(50, seed=1)

    registrations = db.session.scalars(select(c.Property.registration)).all()
    assert len(registrations) == len(set(registrations)) == 100
    assert min(set(registrations) - first) > max(first)
    assert "(matrículas 51.5 a 100.7)" in lines[-1]
    lots = rows(select(c.Property.block_id, c.Property.lot))
    assert len(lots) == len(set(lots))
    codes = db.session.scalars(select(c.Customer.code)).all()
    assert len(set(codes)) == 100


def test_demo_batch_is_deterministic_with_a_seed(app):
    import_folder(SKELETON_DIR)
    catalogue = _catalogue_of_session()
    _, cells, _ = resumo_cells(resumo_path(SKELETON_DIR), catalogue)

    def generate(seed):
        rng = random.Random(seed)
        counts = systematic_counts([cell.connections for cell in cells], 120, rng)
        batch = build_batch(cells, counts, Sequences(1, 1, {}), catalogue, rng,
                            date(2025, 3, 10), None)
        return batch.customers, batch.properties

    assert generate(5) == generate(5)
    assert generate(5) != generate(6)


def test_demo_routes_get_groups_by_sector_in_turn(app):
    import_folder(SKELETON_DIR)

    lay_demo_command(10, seed=1)

    groups = dict(rows(select(c.Route.gsan_id, c.BillingGroup.gsan_id)
                       .join(c.BillingGroup)))
    # sectors 1, 2, 3 (locality 1) and 4, 5 (locality 2) over groups 1, 2, 3
    assert groups == {1: 1, 2: 1, 3: 2, 4: 3, 5: 1, 6: 2}


def test_demo_refuses_a_database_without_blocks(app):
    with pytest.raises(DemoError) as refused:
        lay_demo_command(10)

    assert str(refused.value) == ("Nenhuma quadra cadastrada: importe o GSAN antes "
                                  "(flask sanea import-gsan PASTA).")
    assert db.session.scalar(select(func.count(c.Property.id))) == 0


def test_demo_command_prints_its_report(app):
    import_folder(SKELETON_DIR)

    result = app.test_cli_runner().invoke(
        args=["sanea", "demo", "--properties", "25", "--seed", "2"])

    assert result.exit_code == 0, result.output
    assert "Imóveis de demonstração criados: 25 (matrículas 1.9 a 25.6)" in (
        result.output)
    assert db.session.scalar(select(func.count(c.Property.id))) == 25
