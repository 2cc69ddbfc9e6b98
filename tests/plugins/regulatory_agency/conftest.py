"""Fixtures of the regulatory-agency tests: municipalities, agencies, a hook double."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.cadastre import Municipality
from core.extensions import db
from core.hookspecs import hookimpl
from core.services.identifiers import make_cnpj
from plugins.regulatory_agency.commands import AgencyInput, LinkInput, insert_agency

ARSEP_NAME = "Agência Reguladora de Serviços Públicos do Rio Grande do Norte"
ARSBAN_NAME = (
    "Agência Reguladora de Serviços de Saneamento Básico do Município do Natal"
)
ARSEP_CNPJ = make_cnpj(123456780001)
ARSBAN_CNPJ = make_cnpj(876543210001)
OTHER_CNPJ = make_cnpj(111222330001)


@pytest.fixture
def places(app):
    """Natal, Mossoró and Parnamirim (RN), by name."""
    rows = {
        "Natal": Municipality(name="Natal", state="RN", ibge_code="2408102"),
        "Mossoró": Municipality(name="Mossoró", state="RN", ibge_code="2408003"),
        "Parnamirim": Municipality(name="Parnamirim", state="RN", ibge_code="2403251"),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    return rows


def arsep_input(places, **changes) -> AgencyInput:
    """The state agency ARSEP regulating Natal and Mossoró since 2016."""
    values = dict(
        name=ARSEP_NAME, acronym="arsep", cnpj=ARSEP_CNPJ, sphere="ESTADUAL",
        valid_from=date(2016, 1, 1), email="ouvidoria@arsep.example",
        phone="(84) 3232-0000", transfer_percent="0,50",
        transfer_start_reference="201601",
        municipalities=[LinkInput(places["Natal"].id), LinkInput(places["Mossoró"].id)],
    )
    values.update(changes)
    return AgencyInput(**values)


def arsban_input(places, **changes) -> AgencyInput:
    """The municipal agency ARSBAN regulating Natal since 2002."""
    values = dict(
        name=ARSBAN_NAME, acronym="ARSBAN", cnpj=ARSBAN_CNPJ, sphere="MUNICIPAL",
        valid_from=date(2002, 1, 1),
        municipalities=[LinkInput(places["Natal"].id)],
    )
    values.update(changes)
    return AgencyInput(**values)


@pytest.fixture
def arsep(places):
    return insert_agency(arsep_input(places))


@pytest.fixture
def arsban(places):
    return insert_agency(arsban_input(places))


class ServiceRequestReferences:
    """Test double of the future service-request plugin's reference answer."""

    def __init__(self):
        self.counts: dict[int, int] = {}

    @hookimpl
    def sanea_references_to_regulator(self, regulator_id):
        return ("dados de RA", self.counts.get(regulator_id, 0))


@pytest.fixture
def ra_references(app):
    """Register the double on the app's plugin manager; set counts per agency."""
    double = ServiceRequestReferences()
    app.extensions["sanea.pm"].register(double, name="test_service_requests")
    return double.counts
