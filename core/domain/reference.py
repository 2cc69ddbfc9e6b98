"""Declare the reference enumerations the core ships, keyed by stable codes.

GSAN's numeric ids differ between forks (core-domain.md §0.3), so each row
has an English code and a pt_BR label; the GSAN id is kept beside it.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import relationship

from core.domain.base import MONEY, Model, ReferenceMixin


class WaterSituation(ReferenceMixin, Model):
    """Situação da ligação de água: potential, feasible, connected, cut..."""

    __tablename__ = "water_situation"
    bills = Column(Boolean, nullable=False, default=False)
    has_network = Column(Boolean, nullable=False, default=False)
    has_connection = Column(Boolean, nullable=False, default=False)
    real_consumption = Column(Boolean, nullable=False, default=False)


class SewerSituation(ReferenceMixin, Model):
    """Situação da ligação de esgoto."""

    __tablename__ = "sewer_situation"
    bills = Column(Boolean, nullable=False, default=False)
    has_connection = Column(Boolean, nullable=False, default=False)


class Category(ReferenceMixin, Model):
    """Categoria: residential, commercial, industrial, public."""

    __tablename__ = "category"
    abbreviation = Column(String(3), nullable=False)
    sort_order = Column(Integer, nullable=False, default=0)
    minimum_consumption = Column(Integer, nullable=True)
    excess_consumption = Column(Integer, nullable=True)
    excess_average_factor = Column(Numeric(6, 2), nullable=True)
    high_consumption = Column(Integer, nullable=True)
    high_average_factor = Column(Numeric(6, 2), nullable=True)
    low_consumption_average = Column(Integer, nullable=True)
    low_consumption_percent = Column(Numeric(6, 2), nullable=True)
    charges_late_fees = Column(Boolean, nullable=False, default=True)


class Subcategory(ReferenceMixin, Model):
    """Subcategoria of a category (R1, C2, ...)."""

    __tablename__ = "subcategory"
    category_id = Column(Integer, ForeignKey("category.id"), nullable=False)
    category = relationship(Category)


class ReadingAnomaly(ReferenceMixin, Model):
    """Anormalidade de leitura and the consumption rule it implies."""

    __tablename__ = "reading_anomaly"
    # measured | average | minimum | none
    rule_with_reading = Column(String(20), nullable=False, default="average")
    rule_without_reading = Column(String(20), nullable=False, default="average")
    accepts_reading = Column(Boolean, nullable=False, default=True)
    needs_review = Column(Boolean, nullable=False, default=False)


class DebitType(ReferenceMixin, Model):
    """Tipo de débito (services, fines, installments...)."""

    __tablename__ = "debit_type"
    limit_value = Column(Numeric(*MONEY), nullable=True)


class MeterBrand(ReferenceMixin, Model):
    """Marca de hidrômetro."""

    __tablename__ = "meter_brand"
    abbreviation = Column(String(10), nullable=True)


class MeterDiameter(ReferenceMixin, Model):
    """Diâmetro de hidrômetro."""

    __tablename__ = "meter_diameter"


class MeterCapacity(ReferenceMixin, Model):
    """Capacidade de hidrômetro."""

    __tablename__ = "meter_capacity"
    digits = Column(Integer, nullable=True)


class RequestType(ReferenceMixin, Model):
    """Tipo de solicitação of a service request."""

    __tablename__ = "request_type"


class RequestSpecification(ReferenceMixin, Model):
    """Especificação of a request type, with its deadline in days."""

    __tablename__ = "request_specification"
    request_type_id = Column(Integer, ForeignKey("request_type.id"), nullable=False)
    request_type = relationship(RequestType)
    deadline_days = Column(Integer, nullable=True)
    deadline_defaulted = Column(Boolean, nullable=False, default=False)
