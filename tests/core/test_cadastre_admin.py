"""Cadastre screens refuse bad input with Portuguese messages and save nothing."""

import html

import pytest

from core.domain import cadastre as m
from core.domain import reference as r
from core.extensions import db
from core.services.identifiers import make_cpf, make_registration
from tests.conftest import csrf_token


@pytest.fixture
def block(app):
    locality = m.Locality(code=7, name="Conceição")
    sector = m.Sector(locality=locality, code=1, name="Centro")
    block = m.Block(sector=sector, number=3)
    db.session.add_all([locality, sector, block])
    db.session.commit()
    return block


def _post(client, url, data):
    form = client.get(url).get_data(as_text=True)
    response = client.post(url, data={**data, "csrf_token": csrf_token(form)})
    return response, html.unescape(response.get_data(as_text=True))


def _property_form(block, **values):
    water = db.session.query(r.WaterSituation).filter_by(code="connected").one()
    sewer = db.session.query(r.SewerSituation).filter_by(code="potential").one()
    return {"locality": block.sector.locality_id, "sector": block.sector_id,
            "block": block.id, "lot": "1", "sublot": "0", "street": "Rua A",
            "water_situation": water.id, "sewer_situation": sewer.id, **values}


@pytest.mark.parametrize("values, message", [
    ({"lot": "-5"}, "O lote deve estar entre 0 e 9999."),
    ({"lot": "99999999"}, "O lote deve estar entre 0 e 9999."),
    ({"zip_code": "abc"}, "O CEP deve ter 8 dígitos, sem traço."),
])
def test_property_form_refuses_out_of_range_values(admin_client, block, values, message):
    response, text = _post(admin_client, "/propertyview/add", _property_form(block, **values))
    assert response.status_code == 200
    assert message in text
    assert db.session.query(m.Property).count() == 0


def test_property_with_an_existing_inscription_is_refused(admin_client, block):
    response, _ = _post(admin_client, "/propertyview/add", _property_form(block))
    assert response.status_code == 302
    created = db.session.query(m.Property).one()
    assert created.inscription == "007.001.003.0001.000"
    assert created.registration == make_registration(1)
    response, text = _post(admin_client, "/propertyview/add", _property_form(block))
    assert "Já existe um imóvel com esta inscrição (quadra, lote e sublote)." in text
    assert "IntegrityError" not in text
    assert db.session.query(m.Property).count() == 1


def test_customer_type_follows_document_and_duplicates_are_refused(admin_client):
    cpf = make_cpf(123456789)
    response, _ = _post(admin_client, "/customerview/add",
                        {"name": "Maria da Conceição", "cpf_cnpj": cpf})
    assert response.status_code == 302
    customer = db.session.query(m.Customer).one()
    assert (customer.person_type, customer.cpf_cnpj) == ("F", cpf)
    _, text = _post(admin_client, "/customerview/add",
                    {"name": "Outra Maria", "cpf_cnpj": cpf})
    assert "Já existe um cliente com este CPF/CNPJ." in text
    _, text = _post(admin_client, "/customerview/add",
                    {"name": "Empresa", "cpf_cnpj": "12.abc.345/01de-35",
                     "birth_date": "2099-01-01", "email": "sem-arroba"})
    assert "A data de nascimento não pode ser futura." in text
    assert "Informe um e-mail válido (nome@dominio.com.br)." in text
    assert db.session.query(m.Customer).count() == 1


def test_alphanumeric_cnpj_is_upper_cased_then_accepted(admin_client):
    response, _ = _post(admin_client, "/customerview/add",
                        {"name": "Empresa Ltda", "cpf_cnpj": "12.abc.345/01de-35"})
    assert response.status_code == 302
    customer = db.session.query(m.Customer).one()
    assert (customer.person_type, customer.cpf_cnpj) == ("J", "12ABC34501DE35")


def test_csv_export_declares_its_charset_once(admin_client):
    response = admin_client.get("/propertyview/export/csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode())
