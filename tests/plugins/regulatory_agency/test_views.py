"""The agency screens end to end: forms with CSRF, lists, flash messages, DB."""

from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.extensions import db
from plugins.regulatory_agency.models import RegulatedMunicipality, Regulator
from tests.conftest import csrf_token, login
from tests.plugins.regulatory_agency.conftest import (
    ARSBAN_CNPJ,
    ARSBAN_NAME,
    ARSEP_CNPJ,
    ARSEP_NAME,
    OTHER_CNPJ,
)

LIST = "/regulatorview/list/"
ADD = "/regulatorview/add"
FILTER = "/regulatorfilterview/"


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _agency_form(**values) -> dict:
    form = {
        "name": "", "acronym": "", "cnpj": "", "sphere": "", "address": "",
        "phone": "", "email": "", "website": "", "ombudsman": "",
        "transfer_percent": "", "transfer_start_reference": "",
        "valid_from": "", "valid_until": "", "active": "y",
    }
    form.update(values)
    return form


def _post_new_agency(client, **values):
    token = csrf_token(client.get(ADD).get_data(as_text=True))
    return client.post(ADD, data={**_agency_form(**values), "csrf_token": token},
                       follow_redirects=True)


def _add_arsep(client, places):
    return _post_new_agency(
        client, name=ARSEP_NAME, acronym="ARSEP", cnpj=ARSEP_CNPJ,
        sphere="ESTADUAL", valid_from="2016-01-01", transfer_percent="0,50",
        transfer_start_reference="201601",
        municipalities=[str(places["Natal"].id), str(places["Mossoró"].id)],
    )


def _add_arsban(client, places):
    return _post_new_agency(
        client, name=ARSBAN_NAME, acronym="ARSBAN", cnpj=ARSBAN_CNPJ,
        sphere="MUNICIPAL", valid_from="01/01/2002",
        municipalities=[str(places["Natal"].id)],
    )


def _list_rows(client) -> list[str]:
    page = _page(client.get(LIST))
    return re.findall(r"<td>\s*(ARS\w+)\s*</td>", page)


def _filter_rows(page: str) -> list[str]:
    return re.findall(r'<tr data-sigla="([^"]+)">', page)


def _agency(acronym: str) -> Regulator:
    db.session.expire_all()
    statement = select(Regulator).where(Regulator.acronym == acronym)
    return db.session.scalars(statement).one()


@pytest.mark.uc("UC2099")
def test_add_screen_inserts_state_agency_with_two_municipalities(admin_client, places):
    response = _add_arsep(admin_client, places)
    assert response.status_code == 200
    assert "Agência ARSEP incluída." in _page(response)
    assert _list_rows(admin_client) == ["ARSEP"]
    agency = _agency("ARSEP")
    assert sorted(link.municipality.name for link in agency.municipalities) == [
        "Mossoró", "Natal"]
    assert str(agency.transfer_percent) == "0.50"


@pytest.mark.uc("UC2099")
def test_add_screen_inserts_municipal_agency_for_natal(admin_client, places):
    _add_arsep(admin_client, places)
    response = _add_arsban(admin_client, places)
    assert "Agência ARSBAN incluída." in _page(response)
    assert _list_rows(admin_client) == ["ARSBAN", "ARSEP"]
    assert _agency("ARSBAN").municipalities[0].valid_from == date(2002, 1, 1)


@pytest.mark.uc("UC2099")
def test_add_screen_refuses_second_municipal_agency_for_natal(admin_client, places):
    _add_arsban(admin_client, places)
    response = _post_new_agency(
        admin_client, name="Agência de Regulação de Natal", acronym="ARNAT",
        cnpj=OTHER_CNPJ, sphere="MUNICIPAL", valid_from="2024-01-01",
        municipalities=[str(places["Natal"].id)],
    )
    page = _page(response)
    assert response.status_code == 200
    assert "Natal/RN já é regulado pela agência ARSBAN, da esfera municipal" in page
    assert 'value="ARNAT"' in page  # the form comes back with what was typed
    assert db.session.scalar(select(func.count(Regulator.id))) == 1


@pytest.mark.uc("UC2099")
def test_add_screen_shows_every_error_in_portuguese(admin_client, places):
    response = _post_new_agency(admin_client, cnpj="123", valid_from="31/02/2025")
    page = _page(response)
    for message in ("Informe a sigla.", "Informe o nome.",
                    "CNPJ inválido: O CNPJ deve ter 14 caracteres.",
                    "Início da vigência da agência: data inválida (31/02/2025); "
                    "use dd/mm/aaaa."):
        assert message in page, message
    assert db.session.scalar(select(func.count(Regulator.id))) == 0


@pytest.mark.uc("UC2100")
def test_show_screen_formats_values_and_lists_municipalities(admin_client, arsep):
    page = _page(admin_client.get(f"/regulatorview/show/{arsep.id}"))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    for shown in ("Percentual de repasse (%) 0,50",
                  "Referência inicial do repasse 01/2016",
                  "Telefone (84) 3232-0000", "Vigência a partir de 01/01/2016",
                  "Situação Ativa", "Natal/RN 01/01/2016", "Mossoró/RN 01/01/2016"):
        assert shown in text, shown
    assert "None" not in text


@pytest.mark.uc("UC2100")
def test_edit_screen_changes_agency(admin_client, arsban):
    url = f"/regulatorview/edit/{arsban.id}"
    page = _page(admin_client.get(url))
    assert 'value="ARSBAN"' in page
    assert "Natal/RN" in page  # the municipalities listed below the form
    form = _agency_form(
        name="Agência Municipal de Regulação do Natal", acronym="ARSBAN",
        cnpj=ARSBAN_CNPJ, sphere="MUNICIPAL", valid_from="2002-01-01",
        email="Contato@ARSBAN.example", csrf_token=csrf_token(page),
    )
    response = admin_client.post(url, data=form, follow_redirects=True)
    assert "Agência ARSBAN alterada." in _page(response)
    agency = _agency("ARSBAN")
    assert agency.search_name == "AGENCIA MUNICIPAL DE REGULACAO DO NATAL"
    assert agency.email == "contato@arsban.example"


@pytest.mark.uc("UC2100")
def test_remove_screen_turns_referenced_agency_inactive(admin_client, arsban,
                                                        ra_references):
    ra_references[arsban.id] = 1
    token = csrf_token(admin_client.get(LIST).get_data(as_text=True))
    response = admin_client.post(f"/regulatorview/delete/{arsban.id}",
                                 data={"csrf_token": token}, follow_redirects=True)
    page = _page(response)
    assert ("A agência ARSBAN não pode ser excluída porque está referenciada "
            "(dados de RA: 1); ela foi inativada.") in page
    assert _agency("ARSBAN").active is False
    assert re.search(r"<td>\s*Inativa\s*</td>", _page(admin_client.get(LIST)))


@pytest.mark.uc("UC2100")
def test_remove_screen_deletes_unreferenced_agency(admin_client, arsban):
    token = csrf_token(admin_client.get(LIST).get_data(as_text=True))
    response = admin_client.post(f"/regulatorview/delete/{arsban.id}",
                                 data={"csrf_token": token}, follow_redirects=True)
    assert "Agência ARSBAN excluída." in _page(response)
    assert db.session.scalar(select(func.count(Regulator.id))) == 0


@pytest.mark.uc("UC2100")
def test_municipality_screen_adds_and_removes_a_link(admin_client, arsep, places):
    add = f"/regulatedmunicipalityview/add?_flt_0_regulator={arsep.id}"
    token = csrf_token(admin_client.get(add).get_data(as_text=True))
    response = admin_client.post(add, data={
        "municipality": str(places["Parnamirim"].id), "valid_from": "2020-03-01",
        "valid_until": "", "csrf_token": token,
    }, follow_redirects=True)
    assert "Parnamirim/RN incluído na agência ARSEP." in _page(response)
    link = db.session.scalars(select(RegulatedMunicipality).where(
        RegulatedMunicipality.municipality_id == places["Parnamirim"].id)).one()
    assert (link.regulator_id, link.valid_from) == (arsep.id, date(2020, 3, 1))

    response = admin_client.post(f"/regulatedmunicipalityview/delete/{link.id}",
                                 data={"csrf_token": token}, follow_redirects=True)
    assert "Parnamirim/RN retirado da agência ARSEP." in _page(response)
    assert db.session.get(RegulatedMunicipality, link.id) is None


@pytest.mark.uc("UC2100")
def test_municipality_screen_closes_a_vigencia(admin_client, arsep):
    natal = next(r for r in arsep.municipalities if r.municipality.name == "Natal")
    url = f"/regulatedmunicipalityview/edit/{natal.id}"
    token = csrf_token(admin_client.get(url).get_data(as_text=True))
    response = admin_client.post(url, data={
        "valid_from": "2016-01-01", "valid_until": "31/12/2024", "csrf_token": token,
    }, follow_redirects=True)
    assert ("Vigência de Natal/RN alterada: de 01/01/2016 a 31/12/2024."
            in _page(response))
    db.session.expire_all()
    assert db.session.get(RegulatedMunicipality, natal.id).valid_until == date(
        2024, 12, 31)


@pytest.mark.uc("UC2101")
def test_filter_screen_natal_in_force_lists_both(admin_client, places):
    _add_arsep(admin_client, places)
    _add_arsban(admin_client, places)
    response = admin_client.get(FILTER, query_string={
        "municipality": places["Natal"].id, "valid_on": "2025-01-01",
        "name_match": "INICIAL",
    })
    assert response.status_code == 200
    assert _filter_rows(_page(response)) == ["ARSBAN", "ARSEP"]


@pytest.mark.uc("UC2101")
def test_filter_screen_name_contains_and_starts_with(admin_client, arsep, arsban):
    contains = admin_client.get(FILTER, query_string={
        "name": "regul", "name_match": "COMPLETA"})
    assert _filter_rows(_page(contains)) == ["ARSBAN", "ARSEP"]
    starts = _page(admin_client.get(FILTER, query_string={
        "name": "regul", "name_match": "INICIAL"}))
    assert _filter_rows(starts) == []
    assert "Nenhum registro encontrado." in starts


@pytest.mark.uc("UC2101")
def test_filter_screen_update_box_opens_the_only_result(admin_client, arsep, arsban):
    response = admin_client.get(FILTER, query_string={
        "acronym": "arsep", "name_match": "INICIAL", "go_to_update": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/regulatorview/edit/{arsep.id}")


@pytest.mark.uc("UC2101")
def test_filter_screen_rejects_bad_date_in_portuguese(admin_client, arsep):
    page = _page(admin_client.get(FILTER, query_string={
        "valid_on": "2025-13-01", "name_match": "INICIAL"}))
    assert "Data inválida: use dd/mm/aaaa." in page
    assert _filter_rows(page) == []


@pytest.mark.uc("UC2101")
def test_filter_screen_exports_csv_and_xlsx(admin_client, arsep, arsban):
    criteria = {"sphere": "ESTADUAL", "name_match": "INICIAL"}
    csv_response = admin_client.get(FILTER + "export/csv", query_string=criteria)
    assert csv_response.status_code == 200
    body = csv_response.data.decode("utf-8")
    assert body.startswith("\ufeffSigla;Nome;CNPJ;Esfera;Situação;")
    cnpj = f"{ARSEP_CNPJ[:2]}.{ARSEP_CNPJ[2:5]}.{ARSEP_CNPJ[5:8]}/" \
        f"{ARSEP_CNPJ[8:12]}-{ARSEP_CNPJ[12:]}"
    assert body.splitlines()[1] == (
        f"ARSEP;{ARSEP_NAME};{cnpj};Estadual;Ativa;01/01/2016;;Mossoró, Natal")
    assert len(body.splitlines()) == 2

    xlsx = admin_client.get(FILTER + "export/xlsx", query_string=criteria)
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[1][:4] == ["ARSEP", ARSEP_NAME, cnpj, "Estadual"]
    assert len(rows) == 2


@pytest.mark.uc("UC2100")
def test_list_screen_exports_agencies(admin_client, arsep, arsban):
    response = admin_client.get("/regulatorview/export/csv")
    lines = response.data.decode("utf-8").splitlines()
    assert lines[0].startswith("\ufeffSigla;Nome;CNPJ;Esfera;")
    assert [line.split(";")[0] for line in lines[1:]] == ["ARSBAN", "ARSEP"]


def _menu_labels(page: str) -> list[str]:
    return re.findall(r"Agências de regulação|Filtrar agências de regulação|"
                      r"Municípios regulados", page)


def test_menu_and_routes_present_for_caern(admin_client):
    page = _page(admin_client.get("/"))
    assert set(_menu_labels(page)) == {
        "Agências de regulação", "Filtrar agências de regulação",
        "Municípios regulados"}
    for url in (LIST, FILTER, ADD, "/regulatedmunicipalityview/list/"):
        assert admin_client.get(url).status_code == 200, url


def test_menu_and_routes_absent_for_cagepa(make_app):
    client = login(make_app("cagepa").test_client())
    page = _page(client.get("/"))
    assert "CAGEPA" in page
    assert _menu_labels(page) == []
    for url in (LIST, FILTER, ADD, "/regulatedmunicipalityview/list/"):
        assert client.get(url).status_code == 404, url
