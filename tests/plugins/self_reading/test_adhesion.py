"""UC2021, UC2009 and UC2010 through the API, as §4.C tests them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.extensions import db
from plugins.self_reading.models import Adhesion


def _problem(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["code"] == code
    return body


@pytest.mark.uc("UC2021")
def test_customer_properties_for_self_reading(reader):
    response = reader.call("GET", "/clientes/1001/imoveis?servico=autoleitura")
    body = response.get_json()
    assert response.status_code == 200
    assert body["page"] == {"limit": 50, "next_cursor": None}
    first, second = body["data"]
    assert first == {
        "matricula": "1234560",
        "endereco_abreviado": "Rua das Acácias, 10 - Centro",
        "elegivel": True,
        "motivos": [],
        "adesao": None,
        "janela_atual": {"abre_em": "2025-03-10", "fecha_em": "2025-03-18"},
    }
    assert (second["matricula"], second["elegivel"], second["motivos"]) == (
        "10006",
        False,
        ["LIGACAO_NAO_ATIVA"],
    )


@pytest.mark.uc("UC2021")
def test_customer_properties_page_with_a_cursor(reader):
    page = reader.call("GET", "/clientes/1001/imoveis?limit=1&incluir_total=true")
    body = page.get_json()
    assert [item["matricula"] for item in body["data"]] == ["1234560"]
    assert body["page"]["total"] == 2
    cursor = body["page"]["next_cursor"]
    rest = reader.call("GET", f"/clientes/1001/imoveis?limit=1&cursor={cursor}")
    assert [item["matricula"] for item in rest.get_json()["data"]] == ["10006"]
    assert rest.get_json()["page"]["next_cursor"] is None
    _problem(
        reader.call(
            "GET",
            f"/clientes/1001/imoveis?limit=1&somente_aderidos=true&cursor={cursor}",
        ),
        422,
        "CURSOR_INVALIDO",
    )


@pytest.mark.uc("UC2021")
def test_only_joined_properties_filter(reader):
    reader.join()
    body = reader.call("GET", "/clientes/1001/imoveis?somente_aderidos=true").get_json()
    assert [item["matricula"] for item in body["data"]] == ["1234560"]
    assert body["data"][0]["adesao"] == {"situacao": "ATIVA", "desde": "2025-03-12"}


@pytest.mark.uc("UC2021")
def test_other_customer_properties_are_not_found(reader):
    _problem(
        reader.call("GET", "/clientes/1002/imoveis"), 404, "CLIENTE_NAO_ENCONTRADO"
    )


@pytest.mark.uc("UC2009")
def test_join_opens_the_adhesion_with_the_next_window(reader, mailbox):
    response = reader.join()
    body = response.get_json()
    assert response.status_code == 201
    assert body == {
        "adesao_id": body["adesao_id"],
        "situacao": "ATIVA",
        "proxima_janela": {
            "referencia": "2025-03",
            "abre_em": "2025-03-10",
            "fecha_em": "2025-03-18",
        },
    }
    row = db.session.get(Adhesion, body["adesao_id"])
    assert (row.status, row.channel, row.customer_id) == ("ATIVA", "BOT", 1001)
    assert mailbox.messages[-1]["to"] == "maria@example.com"
    assert "de 10/03 a 18/03" in mailbox.messages[-1]["body"]


@pytest.mark.uc("UC2009")
def test_join_twice_answers_409(reader):
    reader.join()
    _problem(reader.join(), 409, "ADESAO_JA_ATIVA")


@pytest.mark.uc("UC2009")
def test_join_with_the_same_key_replays_the_first_answer(reader):
    first = reader.join(key="adesao-1")
    again = reader.join(key="adesao-1")
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(db.session.scalars(select(Adhesion)).all()) == 1


@pytest.mark.uc("UC2009")
def test_join_of_a_cut_property_is_not_eligible(reader):
    body = _problem(reader.join("10006"), 422, "AUTOLEITURA_NAO_ELEGIVEL")
    assert body["motivos"] == ["LIGACAO_NAO_ATIVA"]


@pytest.mark.uc("UC2009")
def test_join_needs_the_accepted_term(reader):
    body = _problem(
        reader.post(
            "/imoveis/1234560/autoleitura/adesao", {"aceite_termo": False}, key="new"
        ),
        422,
        "VALIDACAO",
    )
    assert body["errors"][0]["code"] == "TERMO_NAO_ACEITO"


@pytest.mark.uc("UC2009")
def test_join_needs_an_idempotency_key(reader):
    _problem(
        reader.post("/imoveis/1234560/autoleitura/adesao", {"aceite_termo": True}),
        400,
        "IDEMPOTENCY_KEY_AUSENTE",
    )


@pytest.mark.uc("UC2009")
def test_join_with_a_reused_key_and_another_body_is_refused(reader):
    reader.join(key="adesao-1")
    _problem(
        reader.post(
            "/imoveis/1234560/autoleitura/adesao",
            {"aceite_termo": True, "telefone_contato": "84999990000"},
            key="adesao-1",
        ),
        422,
        "IDEMPOTENCY_KEY_REUTILIZADA",
    )


@pytest.mark.uc("UC2009")
def test_join_of_a_property_outside_the_session_is_not_found(reader, world):
    _problem(
        reader.join(str(world.acme_home.registration)), 404, "IMOVEL_NAO_ENCONTRADO"
    )


@pytest.mark.uc("UC2010")
def test_leave_then_leave_again(reader):
    reader.join()
    first = reader.call("DELETE", "/imoveis/1234560/autoleitura/adesao", key="saida-1")
    assert first.status_code == 204
    _problem(
        reader.call("DELETE", "/imoveis/1234560/autoleitura/adesao"),
        404,
        "ADESAO_INEXISTENTE",
    )
    replay = reader.call("DELETE", "/imoveis/1234560/autoleitura/adesao", key="saida-1")
    assert replay.status_code == 204 and replay.headers["Idempotent-Replayed"] == "true"
    row = db.session.scalar(select(Adhesion))
    assert (row.status, row.cancel_reason, row.active) == ("CANCELADA", "CLIENTE", None)


@pytest.mark.uc("UC2010")
def test_leave_keeps_a_note(reader):
    reader.join()
    reader.call(
        "DELETE", "/imoveis/1234560/autoleitura/adesao", {"motivo_texto": "Vou viajar"}
    )
    assert db.session.scalar(select(Adhesion.cancel_note)) == "Vou viajar"
