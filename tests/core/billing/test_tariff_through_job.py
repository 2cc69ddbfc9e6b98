"""The Bela Vista tariff, billed through the billing job on real properties."""

from decimal import Decimal

from core.billing.jobs import BILL_GROUP
from core.extensions import db
from core.params import set_parameter
from core.toolkits.jobs import JobRun, start_job
from tests.core.billing.factory import MONTH, bills_of, build_world

# m³ -> (water, sewer, total) rounded per component
BELA_VISTA = {
    10: ("40.17", "18.08", "58.25"),
    15: ("63.33", "28.50", "91.83"),
    30: ("156.23", "70.31", "226.54"),
    50: ("330.82", "148.87", "479.69"),
    20: ("87.56", "39.40", "126.96"),
}


def _bill_month(world):
    run_id = start_job(
        BILL_GROUP, {"group_id": world.group.id, "reference_month": MONTH}
    )
    run = db.session.get(JobRun, run_id)
    db.session.refresh(run)
    return run


def _world_with_consumptions(consumptions):
    world = build_world()
    for m3 in consumptions:
        prop = world.add_property(install_reading=1000)
        world.read(prop, 1000 + m3)
    db.session.commit()
    return world


def test_bill_group_prices_bela_vista_per_component(app):
    world = _world_with_consumptions(BELA_VISTA)

    run = _bill_month(world)

    assert run.status == "done", run.errors()
    assert run.counts()["billed"] == 5
    pairs = zip(world.properties, BELA_VISTA.items(), strict=True)
    for prop, (m3, (water, sewer, total)) in pairs:
        (bill,) = bills_of(prop)
        assert bill.water_m3 == m3
        assert (bill.water_value, bill.sewer_value, bill.total) == (
            Decimal(water),
            Decimal(sewer),
            Decimal(total),
        ), m3
        assert bill.consumption_type == "real"
        assert bill.sewer_percent == Decimal("45")


def test_bill_group_rounds_only_the_total_when_the_company_says_so(app):
    set_parameter("core", "bill_rounding", "total")
    db.session.commit()
    world = _world_with_consumptions([20])

    run = _bill_month(world)

    (bill,) = bills_of(world.properties[0])
    assert run.status == "done"
    assert bill.rounding == "total"
    assert bill.total == Decimal("126.95")
    assert (bill.water_value, bill.sewer_value) == (Decimal("87.56"), Decimal("39.39"))


def test_bill_lines_split_water_by_band(app):
    world = _world_with_consumptions([20])

    _bill_month(world)

    (bill,) = bills_of(world.properties[0])
    (category,) = bill.categories
    assert (category.economies, category.minimum_m3) == (1, 10)
    assert category.minimum_value == Decimal("40.17")
    assert category.water_value == Decimal("87.56")
    assert category.sewer_value == Decimal("39.40")
    bands = [
        (band.start_m3, band.end_m3, band.volume_m3, band.water_value)
        for band in bill.bands
    ]
    assert bands == [
        (11, 15, Decimal("5.00"), Decimal("23.16")),
        (16, 20, Decimal("5.00"), Decimal("24.23")),
    ]


def test_bill_group_applies_the_tariff_per_economy(app):
    world = build_world()
    prop = world.add_property(install_reading=0, economies=2)
    world.read(prop, 40)  # 20 m³ per economy: 87.555 each, rounded after doubling
    db.session.commit()

    _bill_month(world)

    (bill,) = bills_of(prop)
    assert (bill.water_value, bill.sewer_value) == (Decimal("175.11"), Decimal("78.80"))
    assert bill.total == Decimal("253.91")
