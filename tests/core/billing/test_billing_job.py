"""The billing job: validation, held consumption, crashes and races."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.billing import decide, generate
from core.billing.errors import BillingError
from core.billing.jobs import BILL_GROUP, COMPUTE_CONSUMPTION
from core.billing.operations import release_held_consumption
from core.domain import billing as b
from core.domain import metering as m
from core.domain import reference as r
from core.extensions import db
from core.toolkits.jobs import JobRun, start_job
from tests.core.billing.factory import MONTH, bills_of, build_world, debit_type, ref


def _run(world, name=BILL_GROUP):
    params = {"group_id": world.group.id, "reference_month": MONTH}
    run = db.session.get(JobRun, start_job(name, params))
    db.session.refresh(run)
    return run


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_bill_group_refuses_a_month_without_schedule(app):
    world = build_world()
    with pytest.raises(BillingError, match="não tem cronograma para 04/2025"):
        start_job(BILL_GROUP, {"group_id": world.group.id, "reference_month": 202504})
    assert _count(JobRun) == 0


def test_bill_group_refuses_bad_month_and_unknown_group(app):
    with pytest.raises(BillingError, match="Referência inválida"):
        start_job(BILL_GROUP, {"group_id": 1, "reference_month": 202513})
    with pytest.raises(BillingError, match="Grupo de faturamento 99 não existe"):
        start_job(BILL_GROUP, {"group_id": 99, "reference_month": MONTH})


def test_bill_group_lists_every_missing_setting_at_once(make_app):
    app = make_app(company="cagepa")  # no FEBRABAN code in its profile
    with app.app_context():
        world = build_world(tariff=False)
        with pytest.raises(BillingError) as caught:
            start_job(
                BILL_GROUP, {"group_id": world.group.id, "reference_month": MONTH}
            )
        messages = caught.value.errors
        assert any("febraban_code" in text for text in messages)
        assert any("barcode_modulus" in text for text in messages)
        assert "Nenhuma tarifa padrão ativa cadastrada." in messages
        assert _count(JobRun) == 0


def test_excess_consumption_is_held_listed_and_released(app):
    world = build_world()
    prop = world.add_property(install_reading=0)
    world.history(prop, (202501, 10), (202502, 10))
    world.read(prop, 200)
    db.session.commit()

    run = _run(world)

    assert run.counts()["held"] == 1
    assert bills_of(prop) == []
    (error,) = run.errors()
    assert error["ref"] == prop.registration_display
    assert error["message"].startswith("Consumo retido para análise (estouro): 200 m³")
    history = db.session.scalar(
        select(m.ConsumptionHistory).where(
            m.ConsumptionHistory.property_id == prop.id,
            m.ConsumptionHistory.reference_month == MONTH,
            m.ConsumptionHistory.connection_type == "water",
        )
    )
    assert history.held is True and "excess" in history.flag_list

    release_held_consumption(prop.id, MONTH, consumption_m3=30, actor="analista")
    db.session.commit()
    rerun = _run(world)

    (bill,) = bills_of(prop)
    assert rerun.counts()["billed"] == 1
    assert (bill.water_m3, bill.consumption_type, bill.total) == (
        30,
        "informed",
        Decimal("226.54"),
    )


def test_release_refuses_a_month_that_is_not_held(app):
    world = build_world()
    prop = world.add_property()
    db.session.commit()
    with pytest.raises(BillingError, match="não tem consumo retido em 03/2025"):
        release_held_consumption(prop.id, MONTH)


def test_crash_mid_route_then_rerun_never_charges_twice(app, monkeypatch):
    world = build_world()
    props = [world.add_property(install_reading=0) for _ in range(3)]
    for prop in props:
        world.read(prop, 10)
    debits = [
        b.PendingDebit(
            property_id=p.id,
            debit_type=debit_type(),
            total=Decimal("30.00"),
            installments=3,
            first_month=MONTH,
        )
        for p in props
    ]
    db.session.add_all(debits)
    db.session.commit()
    monkeypatch.setattr(generate, "BATCH_SIZE", 1)
    real = decide.decide_property

    def crash_on_third(data, run):
        if data.row.id == props[2].id:
            raise RuntimeError("queda do servidor")
        return real(data, run)

    monkeypatch.setattr(generate, "decide_property", crash_on_third)
    crashed = _run(world)
    monkeypatch.setattr(generate, "decide_property", real)
    rerun = _run(world)

    assert crashed.status == "failed"
    assert crashed.counts()["billed"] == 2
    assert rerun.status == "done" and rerun.counts()["billed"] == 1
    assert rerun.counts()["already_billed"] == 2
    assert [len(bills_of(p)) for p in props] == [1, 1, 1]
    for debit in debits:
        db.session.refresh(debit)
        assert debit.installments_billed == 1
    assert _count(b.BilledDebit) == 3


def test_a_racing_run_collides_on_the_unique_key_and_charges_nothing(app, monkeypatch):
    world = build_world()
    prop = world.add_property(install_reading=0)
    world.read(prop, 10)
    debit = b.PendingDebit(
        property_id=prop.id,
        debit_type=debit_type(),
        total=Decimal("30.00"),
        installments=3,
        first_month=MONTH,
    )
    db.session.add(debit)
    db.session.commit()
    _run(world)
    real = generate.queries.route_properties

    def stale(route_id, month):  # as seen by a run that started earlier
        return [row._replace(billed=False) for row in real(route_id, month)]

    monkeypatch.setattr(generate.queries, "route_properties", stale)
    racing = _run(world)

    assert racing.counts()["conflicts"] == 1
    assert "outra execução simultânea" in racing.errors()[0]["message"]
    assert len(bills_of(prop)) == 1
    db.session.refresh(debit)
    assert debit.installments_billed == 1


def test_compute_consumption_writes_history_without_bills(app):
    world = build_world()
    prop = world.add_property(install_reading=0)
    world.read(prop, 12)
    db.session.commit()

    run = _run(world, COMPUTE_CONSUMPTION)

    assert run.status == "done"
    assert run.counts() == {
        "already_billed": 0,
        "not_billable": 0,
        "consumption_real": 1,
    }
    assert _count(b.Bill) == 0
    rows = db.session.scalars(
        select(m.ConsumptionHistory).where(
            m.ConsumptionHistory.reference_month == MONTH
        )
    ).all()
    assert sorted((row.connection_type, row.billed_m3) for row in rows) == [
        ("sewer", 12),
        ("water", 12),
    ]


def test_unmeasured_and_unbillable_properties(app):
    world = build_world()
    unmeasured = world.add_property(meter_digits=None)
    dry = world.add_property(meter_digits=None, sewer=False)
    dry.water_situation = ref(r.WaterSituation, "potential")
    db.session.commit()

    run = _run(world)

    assert run.counts()["not_billable"] == 1
    (bill,) = bills_of(unmeasured)
    assert (bill.water_m3, bill.consumption_type, bill.total) == (
        10,
        "minimum",
        Decimal("58.25"),
    )
    assert bills_of(dry) == []


def test_anomaly_rules_minimum_and_nothing(app):
    world = build_world()
    vacant = world.add_property(install_reading=0)
    world.history(vacant, (202501, 30), (202502, 30))
    world.read(vacant, anomaly="vacant_lot")  # minimum
    stopped = world.add_property(install_reading=0)
    world.read(stopped, anomaly="billing_suspended")  # nothing
    db.session.commit()

    _run(world)

    (minimum,) = bills_of(vacant)
    assert (minimum.water_m3, minimum.consumption_type) == (10, "minimum")
    (nothing,) = bills_of(stopped)
    assert (nothing.water_m3, nothing.consumption_type) == (0, "no_consumption")
    assert nothing.total == Decimal("58.25")  # the minimum value is still due


def test_tariff_change_inside_the_period_is_prorated_by_days(app):
    world = build_world()
    tariff = db.session.scalar(select(b.Tariff))
    validity = b.TariffValidity(tariff_id=tariff.id, valid_from=date(2025, 2, 24))
    validity.categories = [
        b.TariffCategory(
            category=ref(r.Category, "residential"),
            minimum_m3=10,
            minimum_value=Decimal("50.00"),
            bands=[b.TariffBand(start_m3=11, end_m3=None, price_per_m3=Decimal("6"))],
        )
    ]
    db.session.add(validity)
    db.session.flush()
    prop = world.add_property(install_reading=0)
    db.session.add(
        m.Reading(
            property_id=prop.id,
            reference_month=202502,
            informed_reading=0,
            informed_date=date(2025, 2, 8),
            billed_reading=0,
            billed_date=date(2025, 2, 8),
        )
    )
    world.read(prop, 20)  # 08/02 to 10/03: 31 days, 16 old and 15 new
    db.session.commit()

    _run(world)

    (bill,) = bills_of(prop)
    # water = 16/31 × 87.555 + 15/31 × 110.00, weights to 4 places:
    # 0.5161 × 87.555 + 0.4839 × 110 = 45.1871355 + 53.229 = 98.4161355
    assert bill.water_value == Decimal("98.42")
    assert bill.sewer_value == Decimal("44.29")  # 45 % of the unrounded water
    bands = [
        (band.valid_from, band.start_m3, band.volume_m3, band.water_value)
        for band in bill.bands
    ]
    assert bands == [
        (date(2021, 1, 1), 11, Decimal("5.00"), Decimal("11.95")),
        (date(2021, 1, 1), 16, Decimal("5.00"), Decimal("12.50")),
        (date(2025, 2, 24), 11, Decimal("10.00"), Decimal("29.03")),
    ]


def test_bill_group_command_bills_and_refuses_in_portuguese(app):
    from core.cli import sanea_group

    world = build_world()
    prop = world.add_property(install_reading=0)
    world.read(prop, 10)
    db.session.commit()
    runner = app.test_cli_runner()

    done = runner.invoke(
        sanea_group,
        ["bill-group", "--group", str(world.group.id), "--month", str(MONTH)],
    )
    refused = runner.invoke(
        sanea_group, ["bill-group", "--group", str(world.group.id), "--month", "202504"]
    )

    assert done.exit_code == 0, done.output
    assert "Faturar grupo): concluída, rotas 1/1." in done.output
    assert "billed 1" in done.output
    assert refused.exit_code == 1
    assert "não tem cronograma para 04/2025" in refused.output


def test_unreviewed_anomaly_bills_the_average_and_is_listed(app):
    world = build_world()
    imported = r.ReadingAnomaly(
        code="gsan_77",
        label="Conversão",
        rule_with_reading="",
        rule_without_reading="",
        accepts_reading=False,
        needs_review=True,
    )
    db.session.add(imported)
    prop = world.add_property(install_reading=0)
    world.history(prop, (202501, 16), (202502, 18))
    world.read(prop, anomaly="gsan_77")
    db.session.commit()

    run = _run(world)

    (bill,) = bills_of(prop)
    assert (bill.water_m3, bill.consumption_type) == (17, "average")
    (note,) = run.errors()
    assert note["ref"] == prop.registration_display
    assert note["message"] == (
        "Anormalidade gsan_77 (Conversão) sem regra de consumo "
        "revisada: faturada pela regra padrão (média)."
    )
