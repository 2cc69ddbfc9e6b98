"""From the invitation e-mail to the bill that uses the customer's reading.

Maria gets the invitation on 5 March, joins through CAERN's bot, informs
1265 with a photo on 12 March; the self-reading job writes it as the
month's informed reading and the billing job bills 15 m³ from it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.billing.jobs import BILL_GROUP
from core.domain import billing as b
from core.extensions import db
from core.params import set_parameter
from core.toolkits.jobs import JobRun, start_job
from plugins.self_reading.jobs import APPLY, INVITE, invitation_report
from plugins.self_reading.models import SelfReading
from tests.core.billing.factory import bela_vista_tariff


def _run(name: str, params: dict) -> JobRun:
    run = db.session.get(JobRun, start_job(name, params))
    db.session.refresh(run)
    assert run.status == "done", run.errors()
    return run


@pytest.mark.uc("UC2001")
@pytest.mark.uc("UC2009")
@pytest.mark.uc("UC2011")
def test_invitation_to_adhesion_to_reading_to_bill(app, world, travel, mailbox):
    bela_vista_tariff()
    set_parameter("self_reading", "invitations_per_minute", 0)
    db.session.commit()

    travel.to("2025-03-05")
    invited = _run(INVITE, {"grupos_faturamento": "3"})
    assert invitation_report(invited)["enviados"] == 1
    assert "de 10/03 a 18/03" in mailbox.messages[0]["body"]

    from tests.plugins.self_reading.conftest import Reader

    bot = Reader(app.test_client(), world.tokens["BOT-CAERN"])
    bot.login("52998224725", "1234560", "1980-05-17")
    assert bot.join().status_code == 201

    travel.to("2025-03-12")
    bot.login("52998224725", "1234560", "1980-05-17")
    informed = bot.send_reading(1265).get_json()
    assert (informed["situacao"], informed["consumo_estimado_m3"]) == ("ACEITA", 15)

    travel.to("2025-03-22")
    assert _run(APPLY, {}).counts() == {"aplicadas": 1}
    _run(BILL_GROUP, {"group_id": 3, "reference_month": 202503})

    bill = db.session.scalar(select(b.Bill).where(b.Bill.property_id == world.home.id))
    assert (bill.previous_reading, bill.current_reading, bill.water_m3) == (
        1250, 1265, 15)
    assert bill.reference_month == 202503
    # Bela Vista 2021: 40.17 for the first 10 m³ + 5 × 4.6319 = 63.33 of water.
    assert bill.water_value == Decimal("63.33")
    assert db.session.scalar(select(SelfReading.status)) == "APLICADA"


@pytest.mark.uc("UC2011")
def test_billing_alone_applies_the_accepted_reading(app, world, reader):
    bela_vista_tariff()
    db.session.commit()
    assert reader.join().status_code == 201
    assert reader.send_reading(1265).get_json()["situacao"] == "ACEITA"

    run = _run(BILL_GROUP, {"group_id": 3, "reference_month": 202503})

    assert run.counts()["autoleituras_aplicadas"] == 1
    bill = db.session.scalar(select(b.Bill).where(b.Bill.property_id == world.home.id))
    assert (bill.current_reading, bill.water_m3, bill.water_value) == (
        1265, 15, Decimal("63.33"))
    assert db.session.scalar(select(SelfReading.status)) == "APLICADA"
    again = _run(BILL_GROUP, {"group_id": 3, "reference_month": 202503})
    assert "autoleituras_aplicadas" not in again.counts()
