"""The shared fixtures of integração-portal-mobile.md, built in a test database.

- Cliente 1001 MARIA DA SILVA, CPF 52998224725, born 1980-05-17, e-mail
  maria@example.com, a portal login with password ``Agua2025x``;
  cliente 1002 ACME SANEAMENTO LTDA, CNPJ 11222333000181, no login.
- Imóvel 1234560 (usuário 1001, water connected, meter A19N000123 of 5
  digits, last billed reading 1250 in 2025-02, average 15 m³, billing
  group 3 whose 2025-03 reading is planned for 2025-03-20); imóvel 10006
  (usuário 1001, water cut); imóvel 20008 (usuário 1002).
- Partners BOT-CAER and BOT-CAERN with their tokens.

(1001 and 1002 are internal keys; the customer codes carry their mod-11
digit, specs/README.md rule 4.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from core.billing.metering import install_meter
from core.billing.schedule import create_schedule
from core.domain import cadastre as c
from core.domain import metering as m
from core.domain import reference as r
from core.extensions import db
from core.services.identifiers import make_registration
from core.toolkits.api_models import Partner, issue_token
from plugins.customer_access.models import PortalLogin
from plugins.customer_access.passwords import hash_password

CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
TODAY = "2025-03-12"
MARIA_CPF, ACME_CNPJ = "52998224725", "11222333000181"
MARIA_PASSWORD = "Agua2025x"
CAER_SCOPES = ("clientes:identificar", "clientes:escrever", "debitos:ler",
               "faturas:ler", "pix:gerar")
CAERN_SCOPES = ("autoleitura:*", "clientes:identificar")


def ref(model, code: str):
    """Return the reference row of ``model`` with ``code``."""
    return db.session.scalar(select(model).where(model.code == code))


class Clock:
    """The API's clock in tests: an instant that moves only when told."""

    def __init__(self, tz: str, start: str = "10:00"):
        hour, minute = (int(part) for part in start.split(":"))
        day = date.fromisoformat(TODAY)
        self.now = datetime(day.year, day.month, day.day, hour, minute,
                            tzinfo=ZoneInfo(tz))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        """Move the clock forward (``minutes=31``, ``seconds=10``...)."""
        from datetime import timedelta

        self.now += timedelta(**delta)


@dataclass
class World:
    """What the fixtures built, by the names the spec uses."""

    maria: c.Customer
    acme: c.Customer
    home: c.Property  # 1234560
    cut: c.Property  # 10006
    acme_home: c.Property  # 20008
    group: c.BillingGroup
    route: c.Route
    tokens: dict[str, str] = field(default_factory=dict)
    partners: dict[str, Partner] = field(default_factory=dict)


def _geography():
    locality = c.Locality(code=1, name="Centro")
    sector = c.Sector(locality=locality, code=1, name="Centro")
    group = c.BillingGroup(id=3, description="Grupo 3", reference_month=202503,
                           due_day=28)
    route = c.Route(sector=sector, code=1, billing_group=group)
    block = c.Block(sector=sector, number=1, route=route)
    db.session.add_all([locality, sector, group, route, block])
    db.session.flush()
    return locality, sector, group, route, block


def _property(geo, registration: int, lot: int, water: str) -> c.Property:
    locality, sector, _, _, block = geo
    prop = c.Property(
        registration=registration, locality=locality, sector=sector, block=block,
        lot=lot, sublot=0, street="Rua das Acácias", number=str(lot * 10),
        district="Centro", water_situation=ref(r.WaterSituation, water),
        sewer_situation=ref(r.SewerSituation, "connected"), route_sequence=lot)
    prop.economies = [c.PropertySubcategory(
        subcategory=ref(r.Subcategory, "residential_standard"), economies=1)]
    db.session.add(prop)
    db.session.flush()
    return prop


def _customer(key: int, name: str, kind: str, document: str, **more) -> c.Customer:
    customer = c.Customer(id=key, code=make_registration(key), name=name,
                          person_type=kind, cpf_cnpj=document, **more)
    db.session.add(customer)
    return customer


def _link(customer, prop, relation="user"):
    db.session.add(c.CustomerProperty(customer=customer, property=prop,
                                      relation=relation, start_date=date(2020, 1, 1)))
    db.session.flush()


def _meter(prop, number: str, digits: int, reading: int) -> None:
    db.session.add(m.Meter(number=number, digits=digits))
    db.session.flush()
    install_meter(prop.id, number, date(2024, 1, 10), reading)


def _history(prop, route, last_reading: int, average: int) -> None:
    """Six months of ``average`` m³ and the 2025-02 billed reading."""
    for month in (202409, 202410, 202411, 202412, 202501, 202502):
        db.session.add(m.ConsumptionHistory(
            property_id=prop.id, reference_month=month, connection_type="water",
            route_id=route.id, billed_m3=average, average_m3=average,
            consumption_type="real"))
    db.session.add(m.Reading(
        property_id=prop.id, reference_month=202502, previous_reading=last_reading
        - average, informed_reading=last_reading, informed_date=date(2025, 2, 18),
        billed_reading=last_reading, billed_date=date(2025, 2, 18)))


def build_world() -> World:
    """Create the spec's customers, properties, meters, schedule and partners."""
    geo = _geography()
    maria = _customer(1001, "MARIA DA SILVA", "F", MARIA_CPF,
                      birth_date=date(1980, 5, 17), email="maria@example.com",
                      phone="95991234567")
    acme = _customer(1002, "ACME SANEAMENTO LTDA", "J", ACME_CNPJ)
    home = _property(geo, 1234560, 1, "connected")
    cut = _property(geo, 10006, 2, "cut")
    acme_home = _property(geo, make_registration(2000), 3, "connected")
    _link(maria, home)
    _link(maria, cut)
    _link(acme, acme_home)
    _meter(home, "A19N000123", 5, 1000)
    _meter(cut, "A19N000124", 5, 300)
    _history(home, geo[3], 1250, 15)
    db.session.add(PortalLogin(
        document=MARIA_CPF, customer=maria, property=home, name=maria.name,
        birth_date=maria.birth_date, email=maria.email, email_confirmed=True,
        mobile=maria.phone, password_hash=hash_password(MARIA_PASSWORD)))
    create_schedule(3, 202503, date(2025, 3, 20), date(2025, 3, 22), date(2025, 4, 5))
    db.session.commit()
    world = World(maria, acme, home, cut, acme_home, geo[2], geo[3])
    add_partner(world, "BOT-CAER", CAER_SCOPES)
    add_partner(world, "BOT-CAERN", CAERN_SCOPES)
    return world


def add_partner(world: World, name: str, scopes, **limits) -> str:
    """Add a bot partner with one token; return the token."""
    registry = current_app.extensions["sanea.api"]
    partner = Partner(name=name, kind="BOT", channel="BOT", **limits)
    db.session.add(partner)
    db.session.flush()
    issued = issue_token(db.session, partner, scopes,
                         known_scopes=registry.known_scopes(), env=registry.token_env)
    world.tokens[name], world.partners[name] = issued.token, partner
    return issued.token
