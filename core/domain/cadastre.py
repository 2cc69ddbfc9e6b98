"""Declare the cadastre: geography, customers, properties and connections."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import backref, relationship

from core.domain.base import GsanKeyMixin, Model, TimestampMixin
from core.domain.reference import SewerSituation, Subcategory, WaterSituation
from core.services.identifiers import (
    InvalidIdentifier,
    format_inscription,
    format_registration,
)


class Municipality(GsanKeyMixin, Model):
    """Município, with its IBGE code."""

    __audited__ = True
    __tablename__ = "municipality"
    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False)
    state = Column(String(2), nullable=False)
    ibge_code = Column(String(7), nullable=True, unique=True)

    def __str__(self) -> str:
        return f"{self.name}/{self.state}"


class RegionalOffice(GsanKeyMixin, Model):
    """Gerência regional."""

    __audited__ = True
    __tablename__ = "regional_office"
    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False)
    short_name = Column(String(10), nullable=True)

    def __str__(self) -> str:
        return self.name


class BusinessUnit(GsanKeyMixin, Model):
    """Unidade de negócio, inside a regional office."""

    __audited__ = True
    __tablename__ = "business_unit"
    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False)
    short_name = Column(String(10), nullable=True)
    regional_office_id = Column(ForeignKey("regional_office.id"), nullable=True)
    regional_office = relationship(RegionalOffice)

    def __str__(self) -> str:
        return self.name


class Locality(GsanKeyMixin, Model):
    """Localidade: first part (3 digits) of the inscrição."""

    __audited__ = True
    __tablename__ = "locality"
    id = Column(Integer, primary_key=True)
    code = Column(Integer, nullable=False, unique=True)
    name = Column(String(80), nullable=False)
    business_unit_id = Column(ForeignKey("business_unit.id"), nullable=True)
    business_unit = relationship(BusinessUnit)
    regional_office_id = Column(ForeignKey("regional_office.id"), nullable=True)
    regional_office = relationship(RegionalOffice)
    municipality_id = Column(ForeignKey("municipality.id"), nullable=True)
    municipality = relationship(Municipality)

    def __str__(self) -> str:
        return f"{self.code:03d} - {self.name}"


class Sector(GsanKeyMixin, Model):
    """Setor comercial, numbered inside its locality."""

    __audited__ = True
    __tablename__ = "sector"
    __table_args__ = (UniqueConstraint("locality_id", "code"),)
    id = Column(Integer, primary_key=True)
    locality_id = Column(ForeignKey("locality.id"), nullable=False, index=True)
    locality = relationship(Locality)
    code = Column(Integer, nullable=False)
    name = Column(String(80), nullable=False)
    municipality_id = Column(ForeignKey("municipality.id"), nullable=True)
    municipality = relationship(Municipality)

    def __str__(self) -> str:
        return f"{self.locality.code:03d}.{self.code:03d} - {self.name}"


class BillingGroup(GsanKeyMixin, Model):
    """Grupo de faturamento: routes billed on the same schedule."""

    __audited__ = True
    __tablename__ = "billing_group"
    id = Column(Integer, primary_key=True)
    description = Column(String(80), nullable=False)
    reference_month = Column(Integer, nullable=True)  # YYYYMM open for billing
    due_day = Column(Integer, nullable=True)
    active = Column(Boolean, nullable=False, default=True)

    def __str__(self) -> str:
        return self.description


class Route(GsanKeyMixin, Model):
    """Rota de leitura, inside a sector, in a billing group."""

    __audited__ = True
    __tablename__ = "route"
    __table_args__ = (UniqueConstraint("sector_id", "code"),)
    id = Column(Integer, primary_key=True)
    sector_id = Column(ForeignKey("sector.id"), nullable=False, index=True)
    sector = relationship(Sector)
    code = Column(Integer, nullable=False)
    billing_group_id = Column(ForeignKey("billing_group.id"), nullable=True)
    billing_group = relationship(BillingGroup)

    def __str__(self) -> str:
        return f"Rota {self.code} ({self.sector.locality.code:03d}.{self.sector.code:03d})"


class Block(GsanKeyMixin, Model):
    """Quadra, numbered inside its sector; it carries a route."""

    __audited__ = True
    __tablename__ = "block"
    __table_args__ = (UniqueConstraint("sector_id", "number"),)
    id = Column(Integer, primary_key=True)
    sector_id = Column(ForeignKey("sector.id"), nullable=False, index=True)
    sector = relationship(Sector)
    number = Column(Integer, nullable=False)
    route_id = Column(ForeignKey("route.id"), nullable=True, index=True)
    route = relationship(Route)
    has_water_network = Column(Boolean, nullable=False, default=True)
    has_sewer_network = Column(Boolean, nullable=False, default=False)

    def __str__(self) -> str:
        return f"Quadra {self.number}"


class Customer(TimestampMixin, Model):
    """Cliente: a person (CPF) or an organisation (CNPJ)."""

    __audited__ = True
    __tablename__ = "customer"
    __table_args__ = (CheckConstraint("person_type in ('F', 'J')"),)
    id = Column(Integer, primary_key=True)
    code = Column(Integer, nullable=False, unique=True)  # sequence + mod-11 digit
    name = Column(String(100), nullable=False)
    person_type = Column(String(1), nullable=False, default="F")
    cpf_cnpj = Column(String(14), nullable=True, index=True)
    birth_date = Column(Date, nullable=True)
    email = Column(String(120), nullable=True)
    phone = Column(String(20), nullable=True)

    def __str__(self) -> str:
        return self.name


class Property(TimestampMixin, Model):
    """Imóvel, identified by its matrícula (registration with check digit)."""

    __audited__ = True
    __tablename__ = "property"
    __table_args__ = (
        UniqueConstraint("locality_id", "sector_id", "block_id", "lot", "sublot"),
    )
    id = Column(Integer, primary_key=True)
    registration = Column(Integer, nullable=False, unique=True)
    locality_id = Column(ForeignKey("locality.id"), nullable=False, index=True)
    locality = relationship(Locality)
    sector_id = Column(ForeignKey("sector.id"), nullable=False, index=True)
    sector = relationship(Sector)
    block_id = Column(ForeignKey("block.id"), nullable=False, index=True)
    block = relationship(Block)
    lot = Column(Integer, nullable=False)
    sublot = Column(Integer, nullable=False, default=0)
    street = Column(String(100), nullable=True)
    number = Column(String(10), nullable=True)
    complement = Column(String(60), nullable=True)
    district = Column(String(60), nullable=True)
    zip_code = Column(String(8), nullable=True)
    water_situation_id = Column(ForeignKey("water_situation.id"), nullable=False)
    water_situation = relationship(WaterSituation)
    sewer_situation_id = Column(ForeignKey("sewer_situation.id"), nullable=False)
    sewer_situation = relationship(SewerSituation)
    route_sequence = Column(Integer, nullable=True)
    economies = relationship(
        "PropertySubcategory", back_populates="property", cascade="all, delete-orphan"
    )
    customers = relationship(
        "CustomerProperty", back_populates="property", cascade="all, delete-orphan"
    )

    @property
    def inscription(self) -> str:
        """Return the inscrição LLL.SSS.QQQ.LLLL.SSS."""
        parts = (self.locality.code, self.sector.code, self.block.number,
                 self.lot, self.sublot)
        try:
            return format_inscription(*parts)
        except InvalidIdentifier:  # legacy or imported data out of range
            return ".".join(str(part) for part in parts)

    @property
    def registration_display(self) -> str:
        """Return the matrícula as shown on screens (123456.7)."""
        return format_registration(self.registration)

    def __str__(self) -> str:
        return self.registration_display


class PropertySubcategory(Model):
    """Economias of one subcategory inside a property."""

    __audited__ = True
    __tablename__ = "property_subcategory"
    __table_args__ = (CheckConstraint("economies > 0"),)
    property_id = Column(ForeignKey("property.id"), primary_key=True)
    property = relationship(Property, back_populates="economies")
    subcategory_id = Column(ForeignKey("subcategory.id"), primary_key=True)
    subcategory = relationship(Subcategory)
    economies = Column(Integer, nullable=False, default=1)


class CustomerProperty(Model):
    """Cliente-imóvel: who relates to a property, how and since when."""

    __audited__ = True
    __tablename__ = "customer_property"
    __table_args__ = (CheckConstraint("relation in ('owner', 'user', 'responsible')"),)
    id = Column(Integer, primary_key=True)
    customer_id = Column(ForeignKey("customer.id"), nullable=False, index=True)
    customer = relationship(Customer)
    property_id = Column(ForeignKey("property.id"), nullable=False, index=True)
    property = relationship(Property, back_populates="customers")
    relation = Column(String(12), nullable=False, default="user")
    start_date = Column(Date, nullable=False)
    end_date = Column(Date, nullable=True)
    name_on_bill = Column(Boolean, nullable=False, default=False)


class WaterConnection(Model):
    """Ligação de água; shares the property's id, as in GSAN."""

    __audited__ = True
    __tablename__ = "water_connection"
    property_id = Column(ForeignKey("property.id"), primary_key=True)
    property = relationship(
        Property, backref=backref("water_connection", uselist=False)
    )
    connected_on = Column(Date, nullable=True)
    cut_on = Column(Date, nullable=True)
    reconnected_on = Column(Date, nullable=True)
    suppressed_on = Column(Date, nullable=True)
    fixed_minimum_m3 = Column(Integer, nullable=True)


class SewerConnection(Model):
    """Ligação de esgoto; shares the property's id."""

    __audited__ = True
    __tablename__ = "sewer_connection"
    property_id = Column(ForeignKey("property.id"), primary_key=True)
    property = relationship(
        Property, backref=backref("sewer_connection", uselist=False)
    )
    connected_on = Column(Date, nullable=True)
    sewer_percent = Column(Integer, nullable=True)
