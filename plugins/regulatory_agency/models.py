"""Declare the regulatory agencies and the municipalities each one regulates."""

from __future__ import annotations

import unicodedata

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship, validates

from core.domain.base import Model, TimestampMixin
from core.domain.cadastre import Municipality
from core.services.identifiers import format_cnpj

OWNER = {"sanea_owner": "regulatory_agency"}

SPHERES = {
    "ESTADUAL": "Estadual",
    "MUNICIPAL": "Municipal",
    "INTERMUNICIPAL": "Intermunicipal",
    "CONSORCIO": "Consórcio",
}


def search_key(text: str | None) -> str:
    """Return *text* without accents, upper-cased, with single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.upper().split())


def format_date(day) -> str:
    """Return a date as dd/mm/aaaa (empty for None)."""
    return day.strftime("%d/%m/%Y") if day else ""


def format_period(start, end) -> str:
    """Return a vigência as 'de dd/mm/aaaa a dd/mm/aaaa' or 'a partir de ...'."""
    if end is None:
        return f"a partir de {format_date(start)}"
    return f"de {format_date(start)} a {format_date(end)}"


class Regulator(TimestampMixin, Model):
    """Agência de regulação: who regulates the utility in some municipalities."""

    __audited__ = True
    __tablename__ = "regulatory_agency"
    __table_args__ = (
        CheckConstraint(
            "valid_until IS NULL OR valid_until >= valid_from",
            name="ck_regulatory_agency_period",
        ),
        CheckConstraint(
            "transfer_percent IS NULL OR "
            "(transfer_percent >= 0 AND transfer_percent <= 100)",
            name="ck_regulatory_agency_percent",
        ),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    name = Column(String(150), nullable=False)
    search_name = Column(
        String(150), nullable=False, index=True,
        doc="Nome sem acentos e em maiúsculas, para a pesquisa por nome.",
    )
    acronym = Column(String(20), nullable=False, unique=True)
    cnpj = Column(String(14), nullable=False, unique=True)
    sphere = Column(String(14), nullable=False)
    address = Column(String(200), nullable=True)
    phone = Column(String(20), nullable=True)
    email = Column(String(120), nullable=True)
    website = Column(String(200), nullable=True)
    ombudsman = Column(String(200), nullable=True)
    transfer_percent = Column(
        Numeric(5, 2), nullable=True,
        doc="Percentual da arrecadação repassado à agência (taxa de regulação).",
    )
    transfer_start_reference = Column(
        Integer, nullable=True,
        doc="Referência (AAAAMM) a partir da qual o repasse é devido.",
    )
    valid_from = Column(Date, nullable=False)
    valid_until = Column(Date, nullable=True)
    active = Column(Boolean, nullable=False, default=True, server_default="1")
    municipalities = relationship(
        "RegulatedMunicipality", back_populates="regulator",
        cascade="all, delete-orphan", order_by="RegulatedMunicipality.valid_from",
    )

    @validates("name")
    def _keep_search_name(self, key, value):
        self.search_name = search_key(value)
        return value

    def __str__(self) -> str:
        return self.acronym

    def sphere_label(self) -> str:
        return SPHERES.get(self.sphere, self.sphere)

    def cnpj_display(self) -> str:
        return format_cnpj(self.cnpj) if self.cnpj else ""

    def situation(self) -> str:
        return "Ativa" if self.active else "Inativa"

    def period(self) -> str:
        return format_period(self.valid_from, self.valid_until)

    def municipality_names(self) -> str:
        return ", ".join(
            sorted({link.municipality.name for link in self.municipalities})
        )


class RegulatedMunicipality(Model):
    """A municipality regulated by an agency during a vigência of its own."""

    __audited__ = True
    __tablename__ = "regulatory_agency_municipality"
    __table_args__ = (
        UniqueConstraint("regulator_id", "municipality_id", "valid_from"),
        CheckConstraint(
            "valid_until IS NULL OR valid_until >= valid_from",
            name="ck_regulatory_agency_municipality_period",
        ),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    regulator_id = Column(
        ForeignKey("regulatory_agency.id", ondelete="CASCADE"),
        nullable=False, index=True,
    )
    regulator = relationship(Regulator, back_populates="municipalities")
    municipality_id = Column(ForeignKey("municipality.id"), nullable=False, index=True)
    municipality = relationship(Municipality)
    valid_from = Column(Date, nullable=False)
    valid_until = Column(Date, nullable=True)

    def __str__(self) -> str:
        return f"{self.municipality} ({self.period()})"

    def period(self) -> str:
        return format_period(self.valid_from, self.valid_until)
