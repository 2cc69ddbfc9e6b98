"""The agency filter (UC2101): every criterion, accents ignored."""

from __future__ import annotations

from datetime import date

import pytest

from core.extensions import db
from plugins.regulatory_agency import commands
from plugins.regulatory_agency.queries import AgencyFilter, find_agencies
from tests.plugins.regulatory_agency.conftest import (
    ARSEP_CNPJ,
    OTHER_CNPJ,
    arsban_input,
)

pytestmark = pytest.mark.uc("UC2101")


def _found(**criteria) -> list[str]:
    total, rows = find_agencies(db.session, AgencyFilter(**criteria), 0, None)
    assert total == len(rows)
    return [row.acronym for row in rows]


@pytest.fixture
def agencies(arsep, arsban, places):
    """ARSEP and ARSBAN, plus an inactive consortium that ended in 2019."""
    commands.insert_agency(arsban_input(
        places, name="Consórcio Regulador do Seridó", acronym="CRS",
        cnpj=OTHER_CNPJ, sphere="CONSORCIO", valid_from=date(2010, 1, 1),
        valid_until=date(2019, 12, 31), active=False,
        municipalities=[commands.LinkInput(places["Parnamirim"].id)],
    ))
    return places


def test_filter_natal_in_force_on_date_finds_both(agencies):
    natal = agencies["Natal"].id
    assert _found(municipality_id=natal, valid_on=date(2025, 1, 1)) == [
        "ARSBAN", "ARSEP"]
    assert _found(municipality_id=natal, valid_on=date(2010, 1, 1)) == ["ARSBAN"]
    assert _found(municipality_id=natal, valid_on=date(2001, 12, 31)) == []


def test_filter_name_contains_regul_finds_both(agencies):
    assert _found(name="regul", name_match="COMPLETA") == ["ARSBAN", "ARSEP", "CRS"]
    assert _found(name="regul", name_match="COMPLETA", situation="ATIVA") == [
        "ARSBAN", "ARSEP"]


def test_filter_name_starting_with_regul_finds_none(agencies):
    assert _found(name="regul", name_match="INICIAL") == []


def test_filter_name_ignores_accents_and_case(agencies):
    assert _found(name="agencia reguladora", name_match="INICIAL") == [
        "ARSBAN", "ARSEP"]
    assert _found(name="SERVIÇOS  PÚBLICOS", name_match="COMPLETA") == ["ARSEP"]
    assert _found(name="serido", name_match="COMPLETA") == ["CRS"]


def test_filter_name_wildcards_are_literal(agencies):
    assert _found(name="%", name_match="COMPLETA") == []
    assert _found(name="_", name_match="INICIAL") == []


def test_filter_by_acronym_cnpj_sphere_and_situation(agencies):
    formatted = f"{ARSEP_CNPJ[:2]}.{ARSEP_CNPJ[2:5]}.{ARSEP_CNPJ[5:8]}/" \
        f"{ARSEP_CNPJ[8:12]}-{ARSEP_CNPJ[12:]}"
    assert _found(acronym="ars") == ["ARSBAN", "ARSEP"]
    assert _found(cnpj=formatted) == ["ARSEP"]
    assert _found(sphere="MUNICIPAL") == ["ARSBAN"]
    assert _found(situation="INATIVA") == ["CRS"]
    assert _found(valid_on=date(2012, 6, 1)) == ["ARSBAN", "CRS"]
    assert _found(municipality_id=agencies["Mossoró"].id) == ["ARSEP"]


def test_filter_pages_results(agencies):
    total, rows = find_agencies(db.session, AgencyFilter(), page=1, page_size=2)
    assert total == 3
    assert [row.acronym for row in rows] == ["CRS"]
