"""Meters, their installation history, readings and schedules."""

from datetime import date

import pytest
from sqlalchemy import func, select

from core.billing.errors import BillingError
from core.billing.metering import (
    ReadingInput,
    current_installation,
    install_meter,
    record_readings,
    remove_meter,
)
from core.billing.schedule import create_schedule
from core.domain import billing as b
from core.domain import metering as m
from core.domain.audit import AuditLog
from core.extensions import db
from tests.core.billing.factory import MONTH, READ_ON, build_world


def _meter(number="B000001", digits=5):
    meter = m.Meter(number=number, digits=digits)
    db.session.add(meter)
    db.session.flush()
    return meter


def test_meter_replacement_keeps_the_installation_history(app):
    world = build_world()
    prop = world.add_property(meter_digits=None)
    first, second = _meter("B1"), _meter("B2")
    install_meter(prop.id, "B1", date(2024, 1, 5), 120, actor="tecnico")
    remove_meter(prop.id, date(2025, 1, 10), 950)
    install_meter(prop.id, "B2", date(2025, 1, 10), 0)
    db.session.commit()

    history = db.session.scalars(
        select(m.MeterInstallation)
        .where(m.MeterInstallation.property_id == prop.id)
        .order_by(m.MeterInstallation.id)
    )
    rows = [
        (
            i.meter.number,
            i.installed_on,
            i.install_reading,
            i.removed_on,
            i.removal_reading,
        )
        for i in history
    ]
    assert rows == [
        ("B1", date(2024, 1, 5), 120, date(2025, 1, 10), 950),
        ("B2", date(2025, 1, 10), 0, None, None),
    ]
    assert (first.status, second.status) == ("available", "installed")
    assert current_installation(prop.id).meter.number == "B2"
    audit = db.session.scalar(
        select(AuditLog).where(
            AuditLog.table_name == "meter_installation", AuditLog.action == "insert"
        )
    )
    assert audit.user == "tecnico"


def test_install_refuses_a_busy_meter_and_a_second_meter(app):
    world = build_world()
    prop = world.add_property()  # already has meter A000001
    other = world.add_property(meter_digits=None)
    _meter("B9", digits=4)
    with pytest.raises(BillingError) as caught:
        install_meter(prop.id, "A000001", date(2025, 2, 1), 10_000)
    assert caught.value.errors == [
        "Hidrômetro A000001 não está disponível (installed).",
        f"O imóvel {prop} já tem hidrômetro instalado; retire-o antes.",
    ]
    with pytest.raises(BillingError, match="fora do mostrador de 4 dígitos"):
        install_meter(other.id, "B9", date(2025, 2, 1), 10_000)
    assert current_installation(other.id) is None


def test_record_readings_refuses_the_whole_batch_on_one_error(app):
    world = build_world()
    good, bad = world.add_property(), world.add_property()
    unmetered = world.add_property(meter_digits=None)
    db.session.commit()
    items = [
        ReadingInput(good.id, 15, READ_ON),
        ReadingInput(bad.id, 10_000, READ_ON),
        ReadingInput(unmetered.id, 3, READ_ON),
        ReadingInput(good.id, 20, None, "no_such_code"),
        ReadingInput(good.id, 20, READ_ON, "closed_property"),
    ]
    with pytest.raises(BillingError) as caught:
        record_readings(MONTH, items)
    assert caught.value.errors == [
        f"{bad}: leitura 10000 fora do mostrador (0 a 9999).",
        f"{unmetered}: imóvel sem hidrômetro instalado não tem leitura.",
        f"{good}: anormalidade 'no_such_code' não cadastrada.",
        f"{good}: informe a data da leitura.",
        f"{good}: a anormalidade Imóvel fechado não admite leitura.",
    ]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(m.Reading)) == 0


def test_a_second_reading_replaces_the_first(app):
    world = build_world()
    prop = world.add_property()
    record_readings(MONTH, [ReadingInput(prop.id, 15, READ_ON)])
    record_readings(MONTH, [ReadingInput(prop.id, 17, READ_ON, reader="José")])
    db.session.commit()

    (reading,) = db.session.scalars(select(m.Reading)).all()
    assert (reading.informed_reading, reading.reader) == (17, "José")
    assert reading.installation_id == current_installation(prop.id).id


def test_schedule_gives_each_route_its_due_date(app):
    world = build_world()
    other = type(world.route)(sector=world.sector, code=11, billing_group=world.group)
    db.session.add(other)
    db.session.flush()

    schedule = create_schedule(
        world.group.id,
        202504,
        date(2025, 4, 9),
        date(2025, 4, 10),
        date(2025, 4, 25),
        {other.id: date(2025, 4, 28)},
    )

    dates = {row.route_id: row.due_date for row in schedule.routes}
    assert dates == {world.route.id: date(2025, 4, 25), other.id: date(2025, 4, 28)}


def test_schedule_refuses_a_duplicate_and_dates_out_of_order(app):
    world = build_world()
    with pytest.raises(BillingError) as caught:
        create_schedule(
            world.group.id, MONTH, date(2025, 3, 10), date(2025, 3, 9), date(2025, 3, 1)
        )
    assert caught.value.errors == [
        "O grupo Grupo 1 já tem cronograma para 03/2025.",
        "A data de faturamento não pode ser anterior à de leitura.",
        "Vencimento da rota 10 antes do faturamento.",
    ]
    assert db.session.scalar(select(func.count()).select_from(b.BillingSchedule)) == 2
