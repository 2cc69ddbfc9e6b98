"""UC2020, UC2029 and UC2028 through the API, as §4.C tests them."""

from __future__ import annotations

from datetime import date

import pytest

from core.billing.schedule import create_schedule
from core.domain import billing as b
from core.extensions import db


def _problem(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["code"] == code
    return body


@pytest.mark.uc("UC2020")
def test_reading_schedule_of_the_property(reader):
    response = reader.call("GET", "/imoveis/1234560/autoleitura/periodo-leitura")
    assert response.status_code == 200
    assert response.get_json() == {"grupo_faturamento": 3, "leituras": [
        {"referencia": "2025-03", "data_prevista_leitura": "2025-03-20",
         "realizada_em": None}]}


@pytest.mark.uc("UC2020")
def test_reading_schedule_lists_at_most_three_references(reader):
    for month, day in ((202504, 22), (202505, 20), (202506, 20)):
        create_schedule(3, month, date(month // 100, month % 100, day),
                        date(month // 100, month % 100, day + 2),
                        date(month // 100, month % 100, 28))
    db.session.commit()
    body = reader.call("GET", "/imoveis/1234560/autoleitura/periodo-leitura").get_json()
    assert [item["referencia"] for item in body["leituras"]] == [
        "2025-03", "2025-04", "2025-05"]


@pytest.mark.uc("UC2020")
def test_reading_schedule_without_a_schedule(reader):
    db.session.query(b.BillingScheduleRoute).delete()
    db.session.query(b.BillingSchedule).delete()
    db.session.commit()
    _problem(reader.call("GET", "/imoveis/1234560/autoleitura/periodo-leitura"), 422,
             "SEM_CRONOGRAMA")


@pytest.mark.uc("UC2029")
def test_window_of_the_current_reference(reader):
    reader.join()
    response = reader.call("GET", "/imoveis/1234560/autoleitura/janela")
    assert response.status_code == 200
    assert response.get_json() == {
        "referencia": "2025-03", "abre_em": "2025-03-10", "fecha_em": "2025-03-18",
        "aberta": True, "dias_restantes": 6, "leitura_ja_informada": False,
    }


@pytest.mark.uc("UC2029")
def test_window_after_the_close_shows_the_next_reference(reader, travel):
    create_schedule(3, 202504, date(2025, 4, 22), date(2025, 4, 24), date(2025, 5, 5))
    db.session.commit()
    reader.join()
    travel.to("2025-03-19")
    reader.login("52998224725", "1234560", "1980-05-17")
    body = reader.call("GET", "/imoveis/1234560/autoleitura/janela").get_json()
    assert body == {"referencia": "2025-04", "abre_em": "2025-04-12",
                    "fecha_em": "2025-04-20", "aberta": False, "dias_restantes": 32,
                    "leitura_ja_informada": False}


@pytest.mark.uc("UC2029")
def test_window_needs_an_adhesion(reader):
    _problem(reader.call("GET", "/imoveis/1234560/autoleitura/janela"), 404,
             "ADESAO_INEXISTENTE")


@pytest.mark.uc("UC2028")
def test_status_after_joining_and_informing(reader):
    reader.join()
    reader.send_reading(1265)
    response = reader.call("GET", "/imoveis/1234560/autoleitura")
    body = response.get_json()
    assert response.status_code == 200
    assert body == {
        "elegivel": True, "motivos": [],
        "adesao": {"situacao": "ATIVA", "desde": "2025-03-12", "canal": "BOT"},
        "ciclo_atual": {
            "referencia": "2025-03",
            "janela": {"abre_em": "2025-03-10", "fecha_em": "2025-03-18",
                       "aberta": True},
            "situacao": "LEITURA_RECEBIDA",
            "leitura": {"valor": 1265, "informada_em": "2025-03-12T10:00:00-03:00",
                        "protocolo": "AL2025031200001", "classificacao": "DENTRO"},
        },
        "meses_sem_informar": 0, "carencia_ate": None,
    }


@pytest.mark.uc("UC2028")
def test_status_of_a_cycle_closed_without_reading(reader, travel):
    reader.join()
    travel.to("2025-03-19")
    reader.login("52998224725", "1234560", "1980-05-17")
    body = reader.call("GET", "/imoveis/1234560/autoleitura").get_json()
    assert body["ciclo_atual"]["situacao"] == "PERDIDA"
    assert body["ciclo_atual"]["leitura"] is None
    assert body["meses_sem_informar"] == 1


@pytest.mark.uc("UC2028")
def test_status_of_a_cut_property(reader):
    body = reader.call("GET", "/imoveis/10006/autoleitura").get_json()
    assert (body["elegivel"], body["motivos"], body["adesao"]) == (
        False, ["LIGACAO_NAO_ATIVA"], None)
    assert body["ciclo_atual"]["situacao"] == "AGUARDANDO_LEITURA"
