"""Query the regulatory agencies: the filter screen and the overlap checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.services.identifiers import normalize_document
from plugins.regulatory_agency.models import (
    RegulatedMunicipality,
    Regulator,
    search_key,
)

STARTS_WITH, CONTAINS = "INICIAL", "COMPLETA"
ACTIVE, INACTIVE = "ATIVA", "INATIVA"


@dataclass(frozen=True)
class AgencyFilter:
    """The criteria of the filter screen; every one is optional."""

    name: str = ""
    name_match: str = STARTS_WITH
    acronym: str = ""
    cnpj: str = ""
    sphere: str = ""
    municipality_id: int | None = None
    situation: str = ""
    valid_on: date | None = None


def _in_force(model, day: date):
    """Return the condition 'the row's vigência covers *day*'."""
    return and_(
        model.valid_from <= day,
        or_(model.valid_until.is_(None), model.valid_until >= day),
    )


def _name_condition(criteria: AgencyFilter):
    key = search_key(criteria.name)
    if criteria.name_match == CONTAINS:
        return Regulator.search_name.contains(key, autoescape=True)
    return Regulator.search_name.startswith(key, autoescape=True)


def _municipality_condition(criteria: AgencyFilter):
    link = RegulatedMunicipality
    conditions = [
        link.regulator_id == Regulator.id,
        link.municipality_id == criteria.municipality_id,
    ]
    if criteria.valid_on:
        conditions.append(_in_force(link, criteria.valid_on))
    return select(link.id).where(*conditions).exists()


def _conditions(criteria: AgencyFilter) -> list:
    conditions = []
    if criteria.name.strip():
        conditions.append(_name_condition(criteria))
    if criteria.acronym.strip():
        acronym = criteria.acronym.strip().upper()
        conditions.append(Regulator.acronym.startswith(acronym, autoescape=True))
    if criteria.cnpj.strip():
        conditions.append(Regulator.cnpj == normalize_document(criteria.cnpj))
    if criteria.sphere:
        conditions.append(Regulator.sphere == criteria.sphere)
    if criteria.situation in (ACTIVE, INACTIVE):
        conditions.append(Regulator.active.is_(criteria.situation == ACTIVE))
    if criteria.valid_on:
        conditions.append(_in_force(Regulator, criteria.valid_on))
    if criteria.municipality_id:
        conditions.append(_municipality_condition(criteria))
    return conditions


def filter_statement(criteria: AgencyFilter) -> Select:
    """Return the SELECT of the agencies matching the criteria, by acronym."""
    return (
        select(Regulator)
        .where(*_conditions(criteria))
        .order_by(Regulator.acronym)
    )


def find_agencies(
    session: Session, criteria: AgencyFilter, page: int = 0, page_size: int | None = 10
) -> tuple[int, list[Regulator]]:
    """Return (total, the rows of one page); page_size None returns every row."""
    statement = filter_statement(criteria)
    total = session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    )
    statement = statement.options(
        selectinload(Regulator.municipalities).selectinload(
            RegulatedMunicipality.municipality
        )
    )
    if page_size:
        statement = statement.offset(page * page_size).limit(page_size)
    return total, list(session.scalars(statement))


def overlapping_links(
    session: Session,
    municipality_id: int,
    sphere: str,
    start: date,
    end: date | None,
    exclude_regulator_id: int | None = None,
) -> list[RegulatedMunicipality]:
    """Return the links of other active agencies of a sphere overlapping a period."""
    link = RegulatedMunicipality
    conditions = [
        link.municipality_id == municipality_id,
        Regulator.sphere == sphere,
        Regulator.active.is_(True),
        or_(link.valid_until.is_(None), link.valid_until >= start),
    ]
    if end is not None:
        conditions.append(link.valid_from <= end)
    if exclude_regulator_id is not None:
        conditions.append(link.regulator_id != exclude_regulator_id)
    statement = select(link).join(link.regulator).where(*conditions)
    return list(session.scalars(statement.order_by(link.valid_from)))


def closed_link_count(session: Session, regulator_id: int, today: date) -> int:
    """Count the agency's municipality links whose vigência ended by *today*."""
    link = RegulatedMunicipality
    return session.scalar(
        select(func.count(link.id)).where(
            link.regulator_id == regulator_id, link.valid_until <= today
        )
    )


def find_by(session: Session, column, value, exclude_id: int | None = None):
    """Return the agency whose *column* equals *value* (other than exclude_id)."""
    statement = select(Regulator).where(column == value)
    if exclude_id is not None:
        statement = statement.where(Regulator.id != exclude_id)
    return session.scalars(statement).first()
