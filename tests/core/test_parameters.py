"""Typed parameters: seeded from the profile, edited in the admin, audited."""

import html
import json

import pytest

from sqlalchemy import select

from core.domain.audit import AuditLog
from core.domain.parameters import Parameter
from core.extensions import db
from core.params import get_parameter
from tests.conftest import csrf_token


def _row(key):
    return db.session.scalar(select(Parameter).where(Parameter.key == key))


def test_parameter_seeded_with_default(app):
    assert get_parameter("core", "bill_rounding") == "component"
    assert get_parameter("core", "default_request_deadline_days") == 15


def test_parameter_change_in_admin_is_audited(admin_client):
    row = _row("bill_rounding")
    url = f"/parameterview/edit/{row.id}"
    form = admin_client.get(url).get_data(as_text=True)
    response = admin_client.post(url, data={
        "value": "total", "csrf_token": csrf_token(form)})
    assert response.status_code == 302
    db.session.expire_all()
    assert get_parameter("core", "bill_rounding") == "total"
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.table_name == "parameter",
                               AuditLog.action == "update")).all()
    assert len(audit) == 1
    assert audit[0].user == "admin"
    assert audit[0].row_id == str(row.id)
    changes = json.loads(audit[0].changes)
    assert changes["value"] == ["component", "total"]

    listing = html.unescape(admin_client.get("/auditlogview/list/").get_data(as_text=True))
    assert "value: component → total" in listing
    assert "Alteração" in listing
    assert '{"value"' not in listing  # the stored JSON is not what staff read


def test_parameter_bad_value_is_refused_and_unchanged(admin_client):
    row = _row("default_request_deadline_days")
    url = f"/parameterview/edit/{row.id}"
    form = admin_client.get(url).get_data(as_text=True)
    page = admin_client.post(url, data={
        "value": "quinze", "csrf_token": csrf_token(form)})
    assert page.status_code == 200  # the form again, with its message
    text = html.unescape(page.get_data(as_text=True))
    assert "Valor inválido: 'quinze' não é número inteiro." in text
    db.session.expire_all()
    assert get_parameter("core", "default_request_deadline_days") == 15
    updates = db.session.query(AuditLog).filter_by(table_name="parameter", action="update")
    assert updates.count() == 0


def test_profile_value_overrides_parameter_default(make_app):
    from core.setup import parameter_specs, seed_parameters

    app = make_app("caern")
    with app.app_context():
        db.session.query(Parameter).delete()
        profile = app.extensions["sanea.profile"]
        object.__setattr__(profile, "parameters", {"core.bill_rounding": "total"})
        try:
            assert seed_parameters(app) == len(parameter_specs(app))
            assert get_parameter("core", "bill_rounding") == "total"
        finally:
            object.__setattr__(profile, "parameters", {})


@pytest.mark.parametrize("value, message", [
    ("-3", "O valor deve ser no mínimo 0."),
    ("", "Informe um valor: este parâmetro é obrigatório."),
])
def test_parameter_out_of_range_or_empty_is_refused(admin_client, value, message):
    row = _row("default_request_deadline_days")
    url = f"/parameterview/edit/{row.id}"
    form = admin_client.get(url).get_data(as_text=True)
    page = admin_client.post(url, data={"value": value, "csrf_token": csrf_token(form)})
    assert message in html.unescape(page.get_data(as_text=True))
    db.session.expire_all()
    assert get_parameter("core", "default_request_deadline_days") == 15


@pytest.mark.parametrize("text", ["NaN", "1e400x", "Infinity"])
def test_decimal_parameter_must_be_finite(text):
    from core.domain.parameters import InvalidParameterValue, parse_value

    with pytest.raises(InvalidParameterValue, match="não é número decimal"):
        parse_value("decimal", text)


def test_parameter_rule_of_its_plugin_refuses_a_bad_policy(admin_client):
    row = db.session.scalar(select(Parameter).where(
        Parameter.plugin == "customer_access", Parameter.key == "identification_policy"))
    before = row.value
    url = f"/parameterview/edit/{row.id}"
    form = admin_client.get(url).get_data(as_text=True)
    page = admin_client.post(url, data={
        "value": "SENHA|MATRICULA+MATRICULA", "csrf_token": csrf_token(form)})
    assert page.status_code == 200
    assert "Fator repetido na combinação MATRICULA+MATRICULA." in html.unescape(
        page.get_data(as_text=True))
    db.session.expire_all()
    assert get_parameter("customer_access", "identification_policy") == before


def test_parameter_edit_page_names_the_parameter_and_bounds_it(admin_client):
    row = db.session.scalar(select(Parameter).where(
        Parameter.plugin == "core", Parameter.key == "consumption_average_months"))
    url = f"/parameterview/edit/{row.id}"
    form = admin_client.get(url).get_data(as_text=True)
    assert "Meses da média de consumo (core.consumption_average_months)" in form
    page = admin_client.post(url, data={
        "value": "99999999999999999999", "csrf_token": csrf_token(form)})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "O valor deve ser no máximo 24." in text
    assert "Meses da média de consumo (core.consumption_average_months)" in text
    db.session.expire_all()
    assert get_parameter("core", "consumption_average_months") == 6
