"""The self-reading admin screens: adhesions, received readings, invitations.

Readings arrive through the API as BOT-CAERN on 2025-03-12 10:00 (Natal,
13:00 UTC); the staff screens are used by the administrator's test client.
"""

from __future__ import annotations

import csv
import html
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.extensions import db
from core.params import set_parameter
from core.storage import get_storage
from core.toolkits.jobs import JobRun
from plugins.self_reading.models import Invitation, SelfReading
from tests.conftest import csrf_token, login
from tests.pages import flashes, listed, panel_title, shown
from tests.plugins.self_reading.conftest import JPEG, PNG

READINGS = "/selfreadingview"
SEND = "/autoleitura/convites/enviar/"


def _act(client, action: str, *rows: SelfReading, origin: str | None = None):
    """Run a list action on the selected readings, as sent from ``origin``."""
    page = client.get(origin or f"{READINGS}/list/").get_data(as_text=True)
    headers = {"Referer": f"http://localhost{origin}"} if origin else {}
    return client.post(f"{READINGS}/action_post", data={
        "action": action, "rowid": [str(row.id) for row in rows],
        "csrf_token": csrf_token(page)}, headers=headers, follow_redirects=True)


def _reading(protocol: str) -> SelfReading:
    db.session.expire_all()
    return db.session.scalar(select(SelfReading).where(
        SelfReading.protocol == protocol))


@pytest.fixture
def readings(reader):
    """Maria joins; 1265 (accepted) is replaced by 1300 (held for analysis)."""
    reader.join()
    assert reader.send_reading(1265).status_code == 201
    assert reader.send_reading(1300).status_code == 201
    return _reading("AL2025031200001"), _reading("AL2025031200002")


@pytest.fixture
def in_analysis(reader) -> SelfReading:
    """Maria joins and informs 1300, above the expected 1256-1274."""
    reader.join()
    assert reader.send_reading(1300).get_json()["situacao"] == "EM_ANALISE"
    return _reading("AL2025031200001")


# --- the lists -----------------------------------------------------------------------


@pytest.mark.uc("UC2009")
def test_adhesion_list_shows_the_adhesion(reader, admin_client):
    reader.join()
    response = admin_client.get("/adhesionview/list/")
    assert response.status_code == 200
    assert panel_title(response) == "Adesões à autoleitura"
    assert listed(response) == [
        ["123456.0", "MARIA DA SILVA", "ATIVA", "BOT", "12/03/2025 13:00:00", "", ""]]


@pytest.mark.uc("UC2010")
def test_adhesion_list_shows_the_cancellation(reader, admin_client):
    reader.join()
    reader.call("DELETE", "/imoveis/1234560/autoleitura/adesao",
                {"motivo_texto": "Vou viajar"})
    response = admin_client.get("/adhesionview/list/")
    assert listed(response) == [
        ["123456.0", "MARIA DA SILVA", "CANCELADA", "BOT", "12/03/2025 13:00:00",
         "12/03/2025 13:00:00", "CLIENTE"]]
    detail = shown(admin_client.get("/adhesionview/show/1"))
    assert detail["Observação"] == "Vou viajar"
    assert detail["E-mail de contato"] == ""


@pytest.mark.uc("UC2011")
def test_reading_list_shows_the_received_readings(readings, admin_client):
    response = admin_client.get(f"{READINGS}/list/")
    assert response.status_code == 200
    assert panel_title(response) == "Autoleituras recebidas"
    assert listed(response) == [
        ["AL2025031200002", "123456.0", "202503", "1300", "50", "ACIMA", "EM_ANALISE",
         "12/03/2025 13:00:00"],
        ["AL2025031200001", "123456.0", "202503", "1265", "15", "DENTRO",
         "SUBSTITUIDA", "12/03/2025 13:00:00"],
    ]


@pytest.mark.uc("UC2001")
def test_invitation_list_shows_the_run_invitations(invitable, mailbox, admin_client):
    run = _send(admin_client, grupos_faturamento="3")
    response = admin_client.get("/invitationview/list/")
    assert response.status_code == 200
    assert panel_title(response) == "Convites de autoleitura"
    assert listed(response) == [
        ["123456.0", "MARIA DA SILVA", "ENVIADO", "12/03/2025 13:00:00", str(run.id)]]


# --- the photo -----------------------------------------------------------------------


@pytest.mark.uc("UC2011")
def test_reading_detail_embeds_its_photo(in_analysis, admin_client):
    photo = in_analysis.photo
    response = admin_client.get(f"{READINGS}/show/{in_analysis.id}")
    assert response.status_code == 200
    url = f"{READINGS}/foto/{photo.id}"
    assert f'<img src="{url}" alt="Foto do hidrômetro"' in response.get_data(
        as_text=True)
    detail = shown(response)
    assert (detail["Protocolo"], detail["Situação"], detail["Leitura anterior"],
            detail["Faixa esperada de"], detail["Faixa esperada até"]) == (
        "AL2025031200001", "EM_ANALISE", "1250", "1256", "1274")
    assert detail["Analisada por"] == ""  # not "None"

    sent = admin_client.get(url)
    assert sent.status_code == 200
    assert sent.data == JPEG == get_storage().read(photo)
    assert sent.mimetype == "image/jpeg"
    assert sent.headers["Cache-Control"] == "private, max-age=3600"


def test_photo_url_serves_only_reading_photos(in_analysis, admin_client):
    other = get_storage().save(PNG, origin_table="contract", origin_id="1")
    db.session.commit()
    assert admin_client.get(f"{READINGS}/foto/{other.id}").status_code == 404
    assert admin_client.get(f"{READINGS}/foto/{other.id + 1}").status_code == 404


def test_reading_without_photo_says_so(reader, admin_client):
    set_parameter("self_reading", "photo_required", False)
    db.session.commit()
    reader.join()
    reader.send_reading(1265, photo=None)
    detail = shown(admin_client.get(f"{READINGS}/show/1"))
    assert detail["Foto"] == "sem foto"


# --- permissions ---------------------------------------------------------------------


def _user_with(app, role: str, *permissions: tuple[str, str]):
    """Create user ``role.lower()`` whose only role grants ``permissions``."""
    sm = app.appbuilder.sm
    created = sm.add_role(role)
    for permission, view in permissions:
        sm.add_permission_role(created, sm.find_permission_view_menu(permission, view))
    name = role.lower()
    sm.add_user(name, name, "Teste", f"{name}@example.invalid", created,
                password=f"{name}-test-pw")
    return name, f"{name}-test-pw"


def test_screens_refuse_a_user_without_permission(app, in_analysis, client):
    assert client.get(f"{READINGS}/list/").status_code == 302  # to the login page
    login(client, *_user_with(app, "Atendente"))
    for url in ("/adhesionview/list/", f"{READINGS}/list/", "/invitationview/list/",
                f"{READINGS}/show/{in_analysis.id}",
                f"{READINGS}/foto/{in_analysis.photo_id}",
                f"{READINGS}/export/csv", SEND):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Acesso negado" in response.get_data(as_text=True)


@pytest.mark.uc("UC2011")
def test_review_needs_the_review_permission(app, in_analysis, client):
    login(client, *_user_with(app, "Consulta", ("can_list", "SelfReadingView")))
    page = client.get(f"{READINGS}/list/")
    assert page.status_code == 200 and "Aceitar" not in page.get_data(as_text=True)
    response = _act(client, "accept", in_analysis)
    assert "Acesso Negado" in flashes(response)
    assert _reading(in_analysis.protocol).status == "EM_ANALISE"


@pytest.mark.uc("UC2011")
def test_a_reviewer_accepts_with_the_review_permission(app, in_analysis, client):
    login(client, *_user_with(app, "Analista", ("can_list", "SelfReadingView"),
                              ("can_review", "SelfReadingView")))
    page = client.get(f"{READINGS}/list/").get_data(as_text=True)
    assert "Aceitar" in page and "Rejeitar" in page
    response = _act(client, "accept", in_analysis)
    assert "1 leitura(s) aceita(s)." in flashes(response)
    row = _reading(in_analysis.protocol)
    assert (row.status, row.reviewed_by) == ("ACEITA", "analista")


def test_review_permission_is_the_one_synced(app):
    sm = app.appbuilder.sm
    view = sm.find_view_menu("SelfReadingView")
    assert sorted(p.permission.name for p in sm.find_permissions_view_menu(view)) == [
        "can_export", "can_list", "can_review", "can_show"]


# --- accept and reject (UC2011's review) ---------------------------------------------


@pytest.mark.uc("UC2011")
def test_accept_a_reading_in_analysis(in_analysis, admin_client):
    response = _act(admin_client, "accept", in_analysis)
    assert (response.status_code, response.request.path) == (200, f"{READINGS}/list/")
    assert "1 leitura(s) aceita(s)." in flashes(response)
    row = _reading(in_analysis.protocol)
    assert (row.status, row.current, row.reviewed_by) == ("ACEITA", True, "admin")
    assert row.reviewed_at is not None
    assert listed(response)[0][6] == "ACEITA"


@pytest.mark.uc("UC2011")
def test_reject_a_reading_in_analysis(in_analysis, admin_client):
    response = _act(admin_client, "reject", in_analysis)
    assert "1 leitura(s) rejeitada(s)." in flashes(response)
    row = _reading(in_analysis.protocol)
    assert (row.status, row.current, row.reviewed_by) == ("REJEITADA", None, "admin")
    assert listed(response)[0][6] == "REJEITADA"


@pytest.mark.uc("UC2011")
def test_review_returns_to_the_filtered_list(readings, admin_client):
    _, held = readings
    origin = f"{READINGS}/list/?_flt_3_status=EM_ANALISE"
    response = _act(admin_client, "reject", held, origin=origin)
    assert response.request.full_path == origin
    assert "1 leitura(s) rejeitada(s)." in flashes(response)
    assert listed(response) == []  # nothing left in analysis


@pytest.mark.uc("UC2011")
def test_accept_from_the_detail_page(in_analysis, admin_client):
    url = f"{READINGS}/show/{in_analysis.id}"
    page = admin_client.get(url).get_data(as_text=True)
    assert f'action="{READINGS}/action/accept/{in_analysis.id}"' in page
    response = admin_client.post(
        f"{READINGS}/action/accept/{in_analysis.id}",
        data={"csrf_token": csrf_token(page)},
        headers={"Referer": f"http://localhost{url}"}, follow_redirects=True)
    assert response.request.path == url
    assert "1 leitura(s) aceita(s)." in flashes(response)
    detail = shown(response)
    assert (detail["Situação"], detail["Analisada por"],
            detail["Analisada em (UTC)"]) == ("ACEITA", "admin", "12/03/2025 13:00:00")
    assert _reading(in_analysis.protocol).status == "ACEITA"


def test_review_ignores_a_foreign_referer(in_analysis, admin_client):
    page = admin_client.get(f"{READINGS}/list/").get_data(as_text=True)
    response = admin_client.post(f"{READINGS}/action_post", data={
        "action": "accept", "rowid": str(in_analysis.id),
        "csrf_token": csrf_token(page)},
        headers={"Referer": "http://example.invalid/selfreadingview/list/"})
    assert response.headers["Location"] == f"{READINGS}/list/"


@pytest.mark.uc("UC2011")
def test_accept_refuses_a_reading_not_in_analysis(reader, admin_client):
    reader.join()
    reader.send_reading(1265)
    accepted = _reading("AL2025031200001")
    assert accepted.status == "ACEITA"
    response = _act(admin_client, "reject", accepted)
    assert flashes(response) == ["A leitura AL2025031200001 não está em análise.",
                                 "0 leitura(s) rejeitada(s)."]
    row = _reading("AL2025031200001")
    assert (row.status, row.current, row.reviewed_by, row.reviewed_at) == (
        "ACEITA", True, None, None)


@pytest.mark.uc("UC2011")
def test_accept_of_a_mixed_selection_takes_only_the_one_in_analysis(
        readings, admin_client):
    replaced, held = readings
    response = _act(admin_client, "accept", replaced, held)
    assert flashes(response) == ["A leitura AL2025031200001 não está em análise.",
                                 "1 leitura(s) aceita(s)."]
    assert _reading(replaced.protocol).status == "SUBSTITUIDA"
    assert _reading(held.protocol).status == "ACEITA"


# --- sending invitations (UC2001) ----------------------------------------------------




def _post_send(client, **fields):
    page = client.get(SEND)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **fields}
    return client.post(SEND, data=data)


def _send(client, **fields) -> JobRun:
    response = _post_send(client, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    run = db.session.scalars(select(JobRun).order_by(JobRun.id.desc())).first()
    assert response.headers["Location"] == f"/jobrunview/show/{run.id}"
    return run


def _runs() -> int:
    return db.session.scalar(select(func.count()).select_from(JobRun))


@pytest.mark.uc("UC2001")
@pytest.mark.parametrize("fields, message", [
    ({"limite": "0"}, "O valor não pode ser menos do que 1."),
    ({"limite": "dez"}, "O valor inteiro não é válido."),
    ({"grupos_faturamento": "3, três"}, "Informe os ids em números separados por "
                                        "vírgula, como 1, 2, 3."),
    ({"rotas": "1;2"}, "Informe os ids em números separados por vírgula, "
                       "como 1, 2, 3."),
    ({"localidades": ", ,"}, "Informe os ids em números separados por vírgula, "
                             "como 1, 2, 3."),
    ({"grupos_faturamento": "99999999999999999999"},
     "Id grande demais: confira os números informados."),
    ({"limite": "99999999999999999999"}, "Número fora do limite aceito"),
])
def test_send_form_refuses_bad_input_and_starts_nothing(
        invitable, mailbox, admin_client, fields, message):
    response = _post_send(admin_client, **fields)
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    assert "Enviar convites de autoleitura" in page
    assert _runs() == 0
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert mailbox.messages == []


@pytest.mark.uc("UC2001")
def test_send_form_starts_the_run_and_shows_it(invitable, mailbox, admin_client):
    run = _send(admin_client, grupos_faturamento="3", limite="5")
    db.session.refresh(run)
    assert (run.name, run.status, run.mode, run.user) == (
        "self_reading.send_invitations", "done", "inline", "admin")
    assert run.params_dict() == {"grupos_faturamento": "3", "limite": 5,
                                 "somente_com_impedimento_leitura": False}
    assert run.counts() == {"selecionados": 1, "enviados": 1,
                            "ignorados.NAO_ELEGIVEL": 1, "ignorados.SEM_EMAIL": 1}
    shown_run = admin_client.get(f"/jobrunview/show/{run.id}")
    assert f"Envio de convites iniciado (execução nº {run.id})." in flashes(shown_run)
    invitations = db.session.scalars(select(Invitation)).all()
    assert [(i.property_id, i.status, i.run_id) for i in invitations] == [
        (invitable.home.id, "ENVIADO", run.id)]
    assert [message["to"] for message in mailbox.messages] == ["maria@example.com"]


@pytest.mark.uc("UC2001")
def test_send_form_with_unknown_route_runs_empty(invitable, mailbox, admin_client):
    run = _send(admin_client, rotas="999")
    db.session.refresh(run)
    assert (run.status, run.counts()) == ("done", {})
    assert mailbox.messages == []


# --- export --------------------------------------------------------------------------


@pytest.mark.uc("UC2011")
def test_csv_export_has_the_filtered_readings(readings, admin_client):
    response = admin_client.get(f"{READINGS}/export/csv?_flt_3_status=EM_ANALISE")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="selfreadingview.csv"')
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")),
                           delimiter=";"))
    assert rows == [
        ["Protocolo", "Imóvel", "Referência (AAAAMM)", "Leitura", "Consumo (m³)",
         "Classificação", "Situação", "Informada em (UTC)"],
        ["AL2025031200002", "123456.0", "202503", "1300", "50", "ACIMA",
         "EM_ANALISE", "12/03/2025 13:00:00"],
    ]


@pytest.mark.uc("UC2011")
def test_xlsx_export_has_the_filtered_readings(readings, admin_client, tmp_path):
    response = admin_client.get(f"{READINGS}/export/xlsx?_flt_3_status=SUBSTITUIDA")
    assert response.status_code == 200
    path = tmp_path / "leituras.xlsx"
    path.write_bytes(response.data)
    workbook = load_workbook(path, read_only=True)
    header, *data = list(workbook.active.values)
    workbook.close()
    assert header[0] == "Protocolo" and header[6] == "Situação"
    assert [row[:7] for row in data] == [
        ("AL2025031200001", "123456.0", 202503, 1265, 15, "DENTRO", "SUBSTITUIDA")]


@pytest.mark.uc("UC2009")
def test_adhesion_csv_export_follows_the_filter(reader, admin_client):
    reader.join()
    everything = admin_client.get("/adhesionview/export/csv")
    none = admin_client.get("/adhesionview/export/csv?_flt_3_status=CANCELADA")
    assert everything.data.decode("utf-8-sig").splitlines()[1].startswith(
        "123456.0;MARIA DA SILVA;ATIVA;BOT;")
    assert none.data.decode("utf-8-sig").splitlines() == [
        "Imóvel;Cliente;Situação;Canal;Aderiu em (UTC);Cancelada em (UTC);"
        "Motivo do cancelamento"]

