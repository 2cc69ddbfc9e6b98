"""The agency commands: validate everything, collect every error, commit once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.domain.audit import AuditLog
from core.extensions import db
from core.services.identifiers import make_cnpj
from plugins.regulatory_agency import commands
from plugins.regulatory_agency.commands import AgencyError, AgencyInput, LinkInput
from plugins.regulatory_agency.models import RegulatedMunicipality, Regulator
from tests.plugins.regulatory_agency.conftest import (
    ARSEP_CNPJ,
    OTHER_CNPJ,
    arsban_input,
    arsep_input,
)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _links(agency) -> list[tuple[str, date, date | None]]:
    rows = sorted(agency.municipalities, key=lambda r: r.municipality.name)
    return [(link.municipality.name, link.valid_from, link.valid_until)
            for link in rows]


@pytest.mark.uc("UC2099")
def test_insert_state_agency_with_two_municipalities(places):
    agency = commands.insert_agency(arsep_input(places))
    db.session.expire_all()
    stored = db.session.get(Regulator, agency.id)
    assert stored.acronym == "ARSEP"
    assert stored.cnpj == ARSEP_CNPJ
    assert stored.search_name.startswith("AGENCIA REGULADORA DE SERVICOS PUBLICOS")
    assert stored.transfer_percent == Decimal("0.50")
    assert stored.transfer_start_reference == 201601
    assert stored.phone == "8432320000"
    assert stored.active is True
    assert _links(stored) == [("Mossoró", date(2016, 1, 1), None),
                              ("Natal", date(2016, 1, 1), None)]


@pytest.mark.uc("UC2099")
def test_insert_municipal_agency_for_natal_beside_state_one(arsep, places):
    agency = commands.insert_agency(arsban_input(places))
    assert agency.sphere == "MUNICIPAL"
    assert _links(agency) == [("Natal", date(2002, 1, 1), None)]
    assert _count(RegulatedMunicipality) == 3


@pytest.mark.uc("UC2099")
def test_insert_second_municipal_agency_overlapping_is_refused(arsban, places):
    data = arsban_input(places, acronym="ARNAT", cnpj=OTHER_CNPJ,
                        name="Agência de Regulação de Natal",
                        valid_from=date(2024, 1, 1))
    with pytest.raises(AgencyError) as caught:
        commands.insert_agency(data)
    assert caught.value.errors == [
        "Natal/RN já é regulado pela agência ARSBAN, da esfera municipal, a partir "
        "de 01/01/2002; duas agências da mesma esfera não podem regular um "
        "município em períodos sobrepostos."
    ]
    assert caught.value.status == 422
    assert _count(Regulator) == 1
    assert _count(RegulatedMunicipality) == 1


@pytest.mark.uc("UC2099")
def test_insert_municipal_agency_after_previous_one_ended(places):
    commands.insert_agency(arsban_input(places, valid_until=date(2023, 12, 31)))
    later = commands.insert_agency(arsban_input(
        places, acronym="ARNAT", cnpj=OTHER_CNPJ, name="Agência de Natal",
        valid_from=date(2024, 1, 1),
    ))
    assert _links(later) == [("Natal", date(2024, 1, 1), None)]


@pytest.mark.uc("UC2099")
def test_insert_collects_every_error_and_writes_nothing(places):
    data = AgencyInput(
        name="", acronym="", cnpj="12.345.678/0001-00", sphere="FEDERAL",
        valid_from=date(2025, 5, 1), valid_until=date(2025, 4, 30),
        email="sem-arroba", phone="123", transfer_percent="150",
        transfer_start_reference="202513",
        municipalities=[LinkInput(999_999)],
    )
    with pytest.raises(AgencyError) as caught:
        commands.insert_agency(data)
    assert caught.value.errors == [
        "Informe a sigla.",
        "Informe o nome.",
        "CNPJ inválido: O dígito verificador do CNPJ não confere.",
        "Informe a esfera: Estadual, Municipal, Intermunicipal ou Consórcio.",
        "Telefone inválido: informe DDD e número (10 ou 11 dígitos).",
        "E-mail inválido.",
        "O percentual de repasse deve estar entre 0 e 100.",
        "Referência inicial do repasse inválida: use AAAAMM.",
        "O fim da vigência da agência não pode ser anterior ao início.",
        "Município não encontrado (código 999999).",
    ]
    assert _count(Regulator) == 0
    assert not db.session.new and not db.session.dirty


@pytest.mark.uc("UC2099")
def test_insert_accepts_lower_case_alphanumeric_cnpj(places):
    cnpj = make_cnpj("12ABC34501DE")
    agency = commands.insert_agency(arsban_input(
        places, cnpj=cnpj.lower()[:2] + "." + cnpj.lower()[2:], municipalities=[]
    ))
    assert agency.cnpj == cnpj
    assert agency.cnpj_display() == f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/" \
        f"{cnpj[8:12]}-{cnpj[12:]}"


@pytest.mark.uc("UC2099")
def test_insert_refuses_repeated_acronym_and_cnpj(arsep, places):
    data = arsban_input(places, acronym=" Arsep ", cnpj=ARSEP_CNPJ)
    with pytest.raises(AgencyError) as caught:
        commands.insert_agency(data)
    assert caught.value.errors == [
        "Já existe uma agência com a sigla ARSEP.",
        f"O CNPJ {ARSEP_CNPJ[:2]}.{ARSEP_CNPJ[2:5]}.{ARSEP_CNPJ[5:8]}/"
        f"{ARSEP_CNPJ[8:12]}-{ARSEP_CNPJ[12:]} já pertence à agência ARSEP.",
    ]


@pytest.mark.uc("UC2099")
@pytest.mark.parametrize(("percent", "reference", "errors"), [
    ("1,255", "202501", ["O percentual de repasse aceita no máximo 2 casas decimais."]),
    ("abc", "202501", ["Percentual de repasse inválido: abc."]),
    ("2", "", ["Informe a referência inicial do repasse."]),
    ("", "202501", ["Informe o percentual de repasse da referência inicial."]),
])
def test_insert_checks_transfer_percent_and_reference(places, percent, reference,
                                                      errors):
    data = arsban_input(places, transfer_percent=percent,
                        transfer_start_reference=reference)
    with pytest.raises(AgencyError) as caught:
        commands.insert_agency(data)
    assert caught.value.errors == errors


@pytest.mark.uc("UC2099")
def test_insert_reads_reference_as_month_slash_year(places):
    agency = commands.insert_agency(arsban_input(
        places, transfer_percent="100", transfer_start_reference="03/2025"
    ))
    assert agency.transfer_start_reference == 202503
    assert agency.transfer_percent == Decimal("100")


@pytest.mark.uc("UC2099")
def test_insert_refuses_link_outside_agency_vigencia(places):
    data = arsban_input(places, valid_until=date(2010, 12, 31), municipalities=[
        LinkInput(places["Natal"].id, date(2001, 1, 1), date(2005, 12, 31)),
    ])
    with pytest.raises(AgencyError) as caught:
        commands.insert_agency(data)
    assert caught.value.errors == [
        "A vigência de Natal/RN (de 01/01/2001 a 31/12/2005) deve estar dentro da "
        "vigência da agência (de 01/01/2002 a 31/12/2010)."
    ]


@pytest.mark.uc("UC2099")
def test_insert_refuses_same_municipality_twice_overlapping(places):
    natal = places["Natal"].id
    data = arsban_input(places, municipalities=[
        LinkInput(natal, date(2002, 1, 1), date(2010, 12, 31)),
        LinkInput(natal, date(2010, 1, 1)),
    ])
    with pytest.raises(AgencyError) as caught:
        commands.insert_agency(data)
    assert caught.value.errors == [
        "Natal/RN aparece mais de uma vez na agência com vigências sobrepostas."
    ]


@pytest.mark.uc("UC2099")
def test_insert_is_audited(places):
    agency = commands.insert_agency(arsban_input(places))
    # core's audit leaves row_id empty on inserts; the changes carry the id
    rows = db.session.scalars(select(AuditLog).where(
        AuditLog.table_name.like("regulatory_agency%")
    ).order_by(AuditLog.id)).all()
    assert [(row.table_name, row.action) for row in rows] == [
        ("regulatory_agency", "insert"), ("regulatory_agency_municipality", "insert")
    ]
    assert rows[0].changes_dict()["id"] == [None, agency.id]
    assert rows[0].changes_dict()["acronym"] == [None, "ARSBAN"]


@pytest.mark.uc("UC2100")
def test_update_agency_changes_fields_and_search_name(arsban, places):
    data = arsban_input(places, name="Agência Municipal de Regulação de Natal",
                        website="https://arsban.example")
    commands.update_agency(arsban.id, data)
    db.session.expire_all()
    stored = db.session.get(Regulator, arsban.id)
    assert stored.search_name == "AGENCIA MUNICIPAL DE REGULACAO DE NATAL"
    assert stored.website == "https://arsban.example"
    changes = db.session.scalars(select(AuditLog).where(
        AuditLog.table_name == "regulatory_agency", AuditLog.action == "update"
    )).one().changes_dict()
    assert changes["website"] == [None, "https://arsban.example"]


@pytest.mark.uc("UC2100")
def test_update_to_same_sphere_as_other_agency_is_refused(arsep, arsban, places):
    data = arsban_input(places, sphere="ESTADUAL")
    with pytest.raises(AgencyError) as caught:
        commands.update_agency(arsban.id, data)
    assert caught.value.errors == [
        "Natal/RN já é regulado pela agência ARSEP, da esfera estadual, a partir de "
        "01/01/2016; duas agências da mesma esfera não podem regular um município "
        "em períodos sobrepostos."
    ]
    db.session.expire_all()
    assert db.session.get(Regulator, arsban.id).sphere == "MUNICIPAL"


@pytest.mark.uc("UC2100")
def test_inactive_agency_does_not_block_a_new_one(arsban, places):
    commands.update_agency(arsban.id, arsban_input(places, active=False))
    newer = commands.insert_agency(arsban_input(
        places, acronym="ARNAT", cnpj=OTHER_CNPJ, name="Agência de Natal"
    ))
    assert newer.active and not db.session.get(Regulator, arsban.id).active
    with pytest.raises(AgencyError) as caught:  # reactivating would overlap
        commands.update_agency(arsban.id, arsban_input(places, active=True))
    assert "regulado pela agência ARNAT" in caught.value.errors[0]


@pytest.mark.uc("UC2100")
def test_update_shrinking_vigencia_below_links_is_refused(arsban, places):
    with pytest.raises(AgencyError) as caught:
        commands.update_agency(arsban.id, arsban_input(
            places, valid_from=date(2005, 1, 1)
        ))
    assert caught.value.errors == [
        "A vigência de Natal/RN (a partir de 01/01/2002) deve estar dentro da "
        "vigência da agência (a partir de 01/01/2005)."
    ]


@pytest.mark.uc("UC2100")
def test_update_unknown_agency_answers_not_found(places):
    with pytest.raises(commands.AgencyNotFound) as caught:
        commands.update_agency(12345, arsban_input(places))
    assert caught.value.status == 404
    assert caught.value.errors == ["Agência de regulação não encontrada."]


@pytest.mark.uc("UC2100")
def test_add_municipality_with_its_own_vigencia(arsep, places):
    link = commands.add_municipality(arsep.id, LinkInput(
        places["Parnamirim"].id, date(2020, 3, 1)
    ))
    assert (link.municipality.name, link.valid_from, link.valid_until) == (
        "Parnamirim", date(2020, 3, 1), None)
    with pytest.raises(AgencyError) as caught:
        commands.add_municipality(arsep.id, LinkInput(places["Natal"].id))
    assert caught.value.errors == [
        "Natal/RN aparece mais de uma vez na agência com vigências sobrepostas."
    ]


@pytest.mark.uc("UC2100")
def test_update_municipality_closes_its_vigencia(arsep, places):
    natal = next(r for r in arsep.municipalities if r.municipality.name == "Natal")
    commands.update_municipality(natal.id, date(2016, 1, 1), date(2024, 6, 30))
    db.session.expire_all()
    assert db.session.get(RegulatedMunicipality, natal.id).valid_until == date(
        2024, 6, 30)
    with pytest.raises(AgencyError) as caught:
        commands.update_municipality(natal.id, None, None)
    assert caught.value.errors == ["Informe o início da vigência de Natal/RN."]


@pytest.mark.uc("UC2100")
def test_remove_unreferenced_agency_deletes_it_and_its_links(arsban):
    result = commands.remove_agency(arsban.id)
    assert result == commands.RemovalResult(True, "Agência ARSBAN excluída.")
    assert _count(Regulator) == 0
    assert _count(RegulatedMunicipality) == 0


@pytest.mark.uc("UC2100")
def test_remove_referenced_agency_becomes_inactivation(arsban, ra_references):
    ra_references[arsban.id] = 1
    result = commands.remove_agency(arsban.id)
    assert not result.deleted
    assert result.message == (
        "A agência ARSBAN não pode ser excluída porque está referenciada "
        "(dados de RA: 1); ela foi inativada."
    )
    db.session.expire_all()
    stored = db.session.get(Regulator, arsban.id)
    assert stored.active is False
    assert len(stored.municipalities) == 1


@pytest.mark.uc("UC2100")
def test_remove_agency_with_closed_links_keeps_them(arsep, places):
    natal = next(r for r in arsep.municipalities if r.municipality.name == "Natal")
    commands.update_municipality(natal.id, date(2016, 1, 1), date(2020, 12, 31))
    result = commands.remove_agency(arsep.id)
    assert result.message == (
        "A agência ARSEP não pode ser excluída porque está referenciada "
        "(municípios com vigência encerrada: 1); ela foi inativada."
    )
    assert _count(RegulatedMunicipality) == 2


@pytest.mark.uc("UC2100")
def test_remove_municipality_deletes_it_when_agency_unreferenced(arsep):
    natal = next(r for r in arsep.municipalities if r.municipality.name == "Natal")
    message = commands.remove_municipality(natal.id)
    assert message == "Natal/RN retirado da agência ARSEP."
    assert [r.municipality.name for r in arsep.municipalities] == ["Mossoró"]


@pytest.mark.uc("UC2100")
def test_remove_municipality_closes_it_when_agency_referenced(
    app, arsban, ra_references
):
    app.extensions["sanea.clock"].set(date(2025, 3, 10))
    ra_references[arsban.id] = 2
    link_id = arsban.municipalities[0].id
    message = commands.remove_municipality(link_id)
    assert message == (
        "A agência ARSBAN está referenciada (dados de RA: 2): a vigência de "
        "Natal/RN foi encerrada em 10/03/2025 em vez de excluída."
    )
    db.session.expire_all()
    assert db.session.get(RegulatedMunicipality, link_id).valid_until == date(
        2025, 3, 10)
    with pytest.raises(AgencyError) as caught:
        commands.remove_municipality(link_id)
    assert caught.value.errors == [
        "A vigência de Natal/RN já está encerrada (de 01/01/2002 a 10/03/2025) "
        "e fica como histórico."
    ]


def test_remove_unknown_municipality_link_answers_not_found(app):
    with pytest.raises(commands.AgencyNotFound) as caught:
        commands.remove_municipality(4242)
    assert caught.value.errors == ["Município regulado não encontrado."]
