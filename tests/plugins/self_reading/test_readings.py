"""UC2030 and UC2011 through the API, as §4.C tests them."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from core.domain import metering as m
from core.extensions import db
from core.params import set_parameter
from core.storage import StoredFile, get_storage
from plugins.self_reading.models import SelfReading
from tests.plugins.self_reading.conftest import JPEG, PNG


def _problem(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["code"] == code
    return body


def _verify(reader, value):
    return reader.post(
        "/imoveis/1234560/autoleitura/leituras:verificar", {"leitura": value}
    )


# --- UC2030 --------------------------------------------------------------------------


@pytest.mark.uc("UC2030")
def test_verify_a_reading_inside_the_range(reader):
    response = _verify(reader, 1265)
    assert response.status_code == 200
    assert response.get_json() == {
        "valida_formato": True,
        "classificacao": "DENTRO",
        "consumo_estimado_m3": 15,
        "exige_foto": True,
        "mensagem": "Leitura dentro do esperado.",
    }
    assert db.session.scalar(select(SelfReading.id)) is None


@pytest.mark.uc("UC2030")
@pytest.mark.parametrize(
    "value, classification, consumption",
    [
        (1300, "ACIMA", 50),
        (1240, "MENOR_QUE_ANTERIOR", None),
        (1256, "DENTRO", 6),
        (1274, "DENTRO", 24),
        (1255, "ABAIXO", 5),
        (1275, "ACIMA", 25),
    ],
)
def test_verify_classifies_against_the_expected_range(
    reader, value, classification, consumption
):
    body = _verify(reader, value).get_json()
    assert (body["classificacao"], body["consumo_estimado_m3"]) == (
        classification,
        consumption,
    )
    assert "faixa" not in body and 1256 not in body.values()


@pytest.mark.uc("UC2030")
@pytest.mark.parametrize(
    "value, code",
    [
        (123456, "DIGITOS_EXCEDIDOS"),
        ("9999999999999", "DIGITOS_EXCEDIDOS"),
        (10**30, "DIGITOS_EXCEDIDOS"),
        (-5, "NEGATIVA"),
        ("12a5", "NAO_NUMERICA"),
    ],
)
def test_verify_refuses_malformed_readings(reader, value, code):
    body = _problem(_verify(reader, value), 422, "LEITURA_INVALIDA")
    assert body["errors"] == [
        {"field": "leitura", "code": code, "message": body["errors"][0]["message"]}
    ]


@pytest.mark.uc("UC2030")
def test_verify_sees_a_meter_rollover(reader, world):
    reading = db.session.scalar(
        select(m.Reading).where(m.Reading.property_id == world.home.id)
    )
    reading.billed_reading = 99990
    db.session.commit()
    body = _verify(reader, 5).get_json()
    assert (body["classificacao"], body["consumo_estimado_m3"]) == ("VIRADA", 15)


@pytest.mark.uc("UC2030")
def test_verify_is_limited_per_property_and_hour(reader):
    set_parameter("self_reading", "verifications_per_hour", 3)
    db.session.commit()
    assert [_verify(reader, 1265).status_code for _ in range(3)] == [200] * 3
    response = _verify(reader, 1265)
    _problem(response, 429, "LIMITE_EXCEDIDO")
    assert int(response.headers["Retry-After"]) > 0


# --- UC2011 --------------------------------------------------------------------------


@pytest.mark.uc("UC2011")
def test_inform_a_reading_with_its_photo(reader):
    reader.join()
    response = reader.send_reading(1265)
    assert response.status_code == 201
    assert response.get_json() == {
        "protocolo": "AL2025031200001",
        "referencia": "2025-03",
        "leitura": 1265,
        "consumo_estimado_m3": 15,
        "classificacao": "DENTRO",
        "situacao": "ACEITA",
    }
    row = db.session.scalar(select(SelfReading))
    assert (row.range_low, row.range_high, row.previous_reading) == (1256, 1274, 1250)
    assert get_storage().read(row.photo) == JPEG
    assert row.photo.content_type == "image/jpeg" and len(row.photo.sha256) == 64


@pytest.mark.uc("UC2011")
def test_inform_outside_the_window(reader, travel):
    reader.join()
    travel.to("2025-03-19")
    reader.login("52998224725", "1234560", "1980-05-17")  # the old session expired
    body = _problem(reader.send_reading(1265), 422, "FORA_DA_JANELA")
    assert (body["abre_em"], body["fecha_em"]) == ("2025-03-10", "2025-03-18")


@pytest.mark.uc("UC2011")
def test_inform_without_the_photo(reader):
    reader.join()
    _problem(reader.send_reading(1265, photo=None), 422, "FOTO_OBRIGATORIA")
    assert db.session.scalar(select(SelfReading.id)) is None


@pytest.mark.uc("UC2011")
def test_inform_without_adhesion(reader):
    _problem(reader.send_reading(1265), 404, "ADESAO_INEXISTENTE")


@pytest.mark.uc("UC2011")
def test_inform_out_of_range_goes_to_analysis(reader):
    reader.join()
    body = reader.send_reading(1300).get_json()
    assert (body["classificacao"], body["situacao"], body["consumo_estimado_m3"]) == (
        "ACIMA",
        "EM_ANALISE",
        50,
    )


@pytest.mark.uc("UC2011")
def test_inform_out_of_range_is_refused_under_the_reject_policy(reader):
    set_parameter("self_reading", "out_of_range_policy", "REJEITAR")
    db.session.commit()
    reader.join()
    body = _problem(reader.send_reading(1300), 422, "LEITURA_FORA_DA_FAIXA")
    assert body["classificacao"] == "ACIMA"
    assert db.session.scalar(select(SelfReading.id)) is None


@pytest.mark.uc("UC2011")
def test_second_reading_replaces_the_first(reader):
    reader.join()
    reader.send_reading(1300)
    second = reader.send_reading(1266)
    assert second.status_code == 201
    assert second.get_json()["protocolo"] == "AL2025031200002"
    rows = db.session.scalars(select(SelfReading).order_by(SelfReading.id)).all()
    assert [(r.value, r.status, r.current) for r in rows] == [
        (1300, "SUBSTITUIDA", None),
        (1266, "ACEITA", True),
    ]


@pytest.mark.uc("UC2011")
def test_the_same_reading_again_is_the_same_reading(reader):
    reader.join()
    first = reader.send_reading(1265)
    again = reader.send_reading(1265)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert len(db.session.scalars(select(SelfReading)).all()) == 1


@pytest.mark.uc("UC2011")
def test_inform_with_the_same_key_replays(reader):
    reader.join()
    first = reader.send_reading(1265, key="leitura-1")
    again = reader.send_reading(1265, key="leitura-1")
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.uc("UC2011")
def test_photo_uploaded_first_then_json_reading(reader):
    reader.join()
    upload = reader.client.post(
        "/api/v1/imoveis/1234560/autoleitura/fotos",
        data={"foto": (io.BytesIO(PNG), "foto.pdf")},
        content_type="multipart/form-data",
        headers=reader.headers("foto-1"),
    )
    photo = upload.get_json()
    assert upload.status_code == 201 and photo["tipo"] == "image/png"
    assert photo["bytes"] == len(PNG)
    response = reader.post(
        "/imoveis/1234560/autoleitura/leituras",
        {"leitura": 1265, "arquivo_id": photo["arquivo_id"]},
        key="new",
    )
    assert response.status_code == 201
    assert db.session.scalar(select(SelfReading.photo_id)) == photo["arquivo_id"]


@pytest.mark.uc("UC2011")
def test_photo_of_an_unknown_type_is_refused(reader):
    reader.join()
    _problem(
        reader.send_reading(1265, photo=b"MZ\x90\x00" + bytes(50)),
        415,
        "TIPO_NAO_PERMITIDO",
    )
    assert db.session.scalar(select(StoredFile.id)) is None


@pytest.mark.uc("UC2011")
def test_photo_larger_than_the_limit_is_refused(reader):
    reader.join()
    set_parameter("self_reading", "photo_max_mb", 1)
    db.session.commit()
    big = JPEG + bytes(1024 * 1024)
    # Encoded here: the test client would spool a body this large to a
    # temporary file that it never closes.
    boundary = "fronteira"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="leitura"\r\n'
            f"\r\n1265\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f'name="foto"; filename="h.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = reader.client.post(
        "/api/v1/imoveis/1234560/autoleitura/leituras",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=reader.headers("grande-1"),
    )
    _problem(response, 413, "ARQUIVO_GRANDE")
