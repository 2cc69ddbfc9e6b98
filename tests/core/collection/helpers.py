"""Build the cadastre, bills and return files the collection tests need."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.domain import cadastre as m
from core.domain.billing import Bill
from core.domain.reference import SewerSituation, Subcategory, WaterSituation
from core.extensions import db
from core.payments.cnab150 import Header, build_return_file, detail_record
from core.services.barcode import build_bill_barcode, reference_check_digit, typed_line
from core.services.identifiers import make_registration


def situation(model, code: str):
    return db.session.scalar(select(model).where(model.code == code))


def make_geography(group_month: int = 202503):
    """Return (locality, sector, block) of a minimal cadastre."""
    locality = m.Locality(code=1, name="Natal Centro")
    sector = m.Sector(locality=locality, code=1, name="Setor 1")
    group = m.BillingGroup(description="Grupo 1", reference_month=group_month)
    route = m.Route(sector=sector, code=1, billing_group=group)
    block = m.Block(sector=sector, number=1, route=route)
    db.session.add_all([locality, sector, group, route, block])
    db.session.flush()
    return locality, sector, block


def make_property(lot: int, block=None, *, water: str = "connected",
                  customer_name: str = "Maria da Silva") -> m.Property:
    """Add a residential property (one economy) with its user customer."""
    if block is None:
        block = db.session.scalar(select(m.Block)) or make_geography()[2]
    prop = m.Property(
        registration=make_registration(1000 + lot), locality=block.sector.locality,
        sector=block.sector, block=block, lot=lot, sublot=0, street="Rua A",
        number=str(lot), water_situation=situation(WaterSituation, water),
        sewer_situation=situation(SewerSituation, "potential"),
    )
    subcategory = situation(Subcategory, "residential_standard")
    prop.economies.append(m.PropertySubcategory(subcategory=subcategory, economies=1))
    customer = m.Customer(code=make_registration(500 + lot), name=customer_name,
                          cpf_cnpj=None, email="maria@example.org")
    prop.customers.append(m.CustomerProperty(customer=customer, relation="user",
                                             start_date=date(2020, 1, 1)))
    db.session.add(prop)
    db.session.flush()
    return prop


def make_bill(prop: m.Property, month: int, total: str, due: date,
              company: str = "0006") -> Bill:
    """Add an issued bill of ``total`` for ``month`` (YYYYMM), due on ``due``."""
    year, number = divmod(month, 100)
    amount = Decimal(total)
    barcode = build_bill_barcode(amount, company, prop.locality.code,
                                 prop.registration, year, number)
    bill = Bill(
        property=prop, reference_month=month, version=0, status="normal",
        locality=prop.locality, water_value=amount, total=amount,
        issued_on=date(year, number, 1), due_date=due, original_due_date=due,
        reference_check_digit=reference_check_digit(year, number), barcode=barcode,
        typed_line=typed_line(barcode),
    )
    db.session.add(bill)
    db.session.flush()
    return bill


def make_collector(bank: str = "001", agreement: str = "123456", last_nsa: int = 0):
    """Add a bank and its collection contract."""
    from core.domain.payments import Collector, CollectorContract

    collector = Collector(bank_code=bank, name="Banco do Brasil")
    contract = CollectorContract(collector=collector, agreement=agreement,
                                 start_date=date(2020, 1, 1), last_nsa=last_nsa)
    db.session.add_all([collector, contract])
    db.session.flush()
    return collector, contract


def return_file(payments: list[tuple[str, str, date]], nsa: int = 1,
                bank: str = "001", agreement: str = "123456") -> bytes:
    """Build a CNAB 150 return file paying (barcode, amount, paid on) each."""
    header = Header(2, agreement, "CAERN", bank, "BANCO DO BRASIL",
                    date(2025, 3, 20), nsa, "05", "CODIGO DE BARRAS")
    details = [
        detail_record(code, Decimal(amount), paid_on, sequence=index + 1)
        for index, (code, amount, paid_on) in enumerate(payments)
    ]
    return build_return_file(header, details).encode("latin-1")
