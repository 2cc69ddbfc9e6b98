"""Fixtures: a CAERN app on 2025-03-12 10:00 (Natal), the spec's world, BOT-CAERN."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest

from tests.plugins.customer_access.conftest import Bot, mailbox  # noqa: F401
from tests.plugins.customer_access.world import CHEAP_ARGON2, TODAY, Clock, build_world

# The smallest files the storage recognises by their first bytes.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(200)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)


class Travel(Clock):
    """Move the application's day and the API's instant together."""

    def __init__(self, app):
        super().__init__("America/Fortaleza")
        self.app = app

    def to(self, day: str, hour: int = 10) -> None:
        """Go to ``day`` (AAAA-MM-DD) at ``hour`` o'clock."""
        value = date.fromisoformat(day)
        self.app.extensions["sanea.clock"].set(value)
        self.now = self.now.replace(
            year=value.year, month=value.month, day=value.day, hour=hour, minute=0
        )


@pytest.fixture
def travel(make_app):
    holder = {}

    def now():
        return holder["travel"].now

    application = make_app(
        "caern",
        fixed_today=TODAY,
        overrides={"CUSTOMER_ACCESS_ARGON2": CHEAP_ARGON2, "SANEA_API_NOW": now},
    )
    holder["travel"] = Travel(application)
    return holder["travel"]


@pytest.fixture
def app(travel):
    with travel.app.app_context():
        yield travel.app


@pytest.fixture
def world(app):
    return build_world()


class Reader(Bot):
    """BOT-CAERN acting for Maria, with helpers for self-reading calls."""

    def send_reading(
        self,
        value,
        photo: bytes | None = JPEG,
        key: str = "new",
        registration: str = "1234560",
    ):
        data = {"leitura": str(value)}
        if photo is not None:
            data["foto"] = (io.BytesIO(photo), "hidrometro.jpg")
        return self.client.post(
            f"/api/v1/imoveis/{registration}/autoleitura/leituras",
            data=data,
            content_type="multipart/form-data",
            headers=self.headers(uuid.uuid4().hex if key == "new" else key),
        )

    def join(self, registration: str = "1234560", key: str = "new"):
        return self.post(
            f"/imoveis/{registration}/autoleitura/adesao",
            {"aceite_termo": True},
            key=key,
        )


@pytest.fixture
def reader(app, world):
    """BOT-CAERN with a session for Maria (matrícula + birth date)."""
    bot = Reader(app.test_client(), world.tokens["BOT-CAERN"])
    bot.login("52998224725", "1234560", "1980-05-17")
    return bot


@pytest.fixture
def invitable(world):
    """Give ACME's property a meter: eligible, but ACME has no e-mail."""
    from core.billing.metering import install_meter
    from core.domain import metering as m
    from core.extensions import db
    from core.params import set_parameter

    db.session.add(m.Meter(number="A19N000999", digits=5))
    db.session.flush()
    install_meter(world.acme_home.id, "A19N000999", date(2024, 1, 10), 0)
    set_parameter("self_reading", "invitations_per_minute", 0)
    db.session.commit()
    return world
