"""The self-reading jobs: applying readings, cancelling adhesions, invitations."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.billing.metering import ReadingInput, record_readings
from core.billing.schedule import create_schedule
from core.domain import metering as m
from core.extensions import db
from core.toolkits.jobs import JobRun, start_job
from plugins.self_reading.jobs import APPLY, INVITE, invitation_report
from plugins.self_reading.models import Adhesion, Invitation, SelfReading


def _run(name: str, params: dict | None = None) -> JobRun:
    run = db.session.get(JobRun, start_job(name, params or {}))
    db.session.refresh(run)
    return run


def _core_reading(world):
    return db.session.scalar(select(m.Reading).where(
        m.Reading.property_id == world.home.id, m.Reading.reference_month == 202503))


# --- applying ------------------------------------------------------------------------


@pytest.mark.uc("UC2011")
def test_apply_writes_the_informed_reading_once(reader, world):
    reader.join()
    reader.send_reading(1265)
    run = _run(APPLY)
    assert run.status == "done" and run.counts() == {"aplicadas": 1}
    core = _core_reading(world)
    assert (core.informed_reading, core.informed_date, core.reader) == (
        1265, date(2025, 3, 12), "autoleitura")
    row = db.session.scalar(select(SelfReading))
    assert (row.status, row.reading_id) == ("APLICADA", core.id)
    assert _run(APPLY).counts() == {}


@pytest.mark.uc("UC2011")
def test_apply_skips_readings_in_analysis_until_accepted(reader, world):
    from plugins.self_reading.commands import review

    reader.join()
    reader.send_reading(1300)
    assert _run(APPLY).counts() == {}
    review(db.session.scalar(select(SelfReading)), True, "analista")
    db.session.commit()
    assert _run(APPLY).counts() == {"aplicadas": 1}
    assert _core_reading(world).informed_reading == 1300


@pytest.mark.uc("UC2011")
def test_apply_keeps_a_field_reading(reader, world):
    reader.join()
    reader.send_reading(1265)
    record_readings(202503, [ReadingInput(world.home.id, 1270, date(2025, 3, 12),
                                          reader="leiturista 7")])
    db.session.commit()
    run = _run(APPLY)
    assert run.counts() == {"leitura_de_campo_mantida": 1}
    assert run.errors()[0]["ref"] == "1234560"
    assert _core_reading(world).informed_reading == 1270


@pytest.mark.uc("UC2011")
def test_apply_keeps_an_anomaly_brought_by_an_unnamed_reader(reader, world):
    reader.join()
    reader.send_reading(1265)
    record_readings(202503, [ReadingInput(world.home.id, None, date(2025, 3, 12),
                                          anomaly_code="closed_property")])
    db.session.commit()
    run = _run(APPLY)
    assert run.counts() == {"leitura_de_campo_mantida": 1}
    core = _core_reading(world)
    assert (core.informed_reading, core.anomaly.code) == (None, "closed_property")


@pytest.mark.uc("UC2010")
def test_a_window_closed_before_joining_is_not_missed(reader, world, travel):
    travel.to("2025-03-19")  # March's window closed on the 18th
    reader.login("52998224725", "1234560", "1980-05-17")
    assert reader.join().status_code == 201
    create_schedule(3, 202504, date(2025, 4, 22), date(2025, 4, 24), date(2025, 5, 5))
    db.session.commit()
    travel.to("2025-04-21")  # April's window (04-12 to 04-20) missed: one month
    assert _run(APPLY).counts() == {}
    assert db.session.scalar(select(Adhesion)).status == "ATIVA"
    reader.login("52998224725", "1234560", "1980-05-17")
    body = reader.call("GET", "/imoveis/1234560/autoleitura").get_json()
    assert body["meses_sem_informar"] == 1


@pytest.mark.uc("UC2010")
def test_adhesion_is_cancelled_after_two_references_without_reading(reader, world,
                                                                   travel):
    reader.join()
    create_schedule(3, 202504, date(2025, 4, 22), date(2025, 4, 24), date(2025, 5, 5))
    db.session.commit()
    travel.to("2025-04-21")
    assert _run(APPLY).counts() == {"canceladas.INATIVIDADE": 1}
    adhesion = db.session.scalar(select(Adhesion))
    assert (adhesion.status, adhesion.cancel_reason) == ("CANCELADA", "INATIVIDADE")
    reader.login("52998224725", "1234560", "1980-05-17")
    body = reader.call("GET", "/imoveis/1234560/autoleitura").get_json()
    assert "EM_CARENCIA" in body["motivos"] and body["carencia_ate"] == "2025-10-21"


@pytest.mark.uc("UC2010")
def test_adhesion_is_cancelled_when_the_water_is_cut(reader, world):
    from core.domain.reference import WaterSituation

    reader.join()
    world.home.water_situation = db.session.scalar(
        select(WaterSituation).where(WaterSituation.code == "cut"))
    db.session.commit()
    assert _run(APPLY).counts() == {"canceladas.LIGACAO_INATIVA": 1}


# --- invitations (UC2001) ----------------------------------------------------------------




@pytest.mark.uc("UC2001")
def test_invitations_reach_the_eligible_with_email_once(invitable, mailbox):
    run = _run(INVITE, {"grupos_faturamento": "3"})
    assert run.status == "done"
    assert invitation_report(run) == {
        "selecionados": 1, "enviados": 1, "falhas": 0,
        "ignorados": {"NAO_ELEGIVEL": 1, "SEM_EMAIL": 1}}
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["to"] == "maria@example.com"
    assert "1234560" in message["body"] and "de 10/03 a 18/03" in message["body"]
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.status, invitation.run_id) == ("ENVIADO", run.id)
    assert "maria" not in invitation.email_hash

    again = _run(INVITE, {"grupos_faturamento": "3"})
    assert invitation_report(again)["enviados"] == 0
    assert invitation_report(again)["ignorados"]["CONVIDADO_RECENTEMENTE"] == 1
    assert len(mailbox.messages) == 1


@pytest.mark.uc("UC2001")
def test_invitation_failure_is_recorded_and_the_run_goes_on(invitable, mailbox):
    mailbox.failing = True
    run = _run(INVITE, {"rotas": str(invitable.route.id)})
    assert invitation_report(run)["falhas"] == 1
    assert db.session.scalar(select(Invitation.status)) == "FALHA"
    assert run.errors()[0]["ref"] == "1234560"
    mailbox.failing = False
    assert invitation_report(_run(INVITE, {"rotas": str(invitable.route.id)}))[
        "enviados"] == 1


@pytest.mark.uc("UC2001")
def test_invitations_only_with_reading_impediment(invitable, mailbox):
    run = _run(INVITE, {"grupos_faturamento": "3",
                        "somente_com_impedimento_leitura": "true"})
    assert invitation_report(run)["ignorados"]["SEM_IMPEDIMENTO"] == 1
    record_readings(202502, [ReadingInput(invitable.home.id, None, None,
                                          "closed_property")])
    db.session.commit()
    run = _run(INVITE, {"grupos_faturamento": "3",
                        "somente_com_impedimento_leitura": "true"})
    assert invitation_report(run)["enviados"] == 1


@pytest.mark.uc("UC2001")
def test_joining_marks_the_invitation(invitable, mailbox, reader):
    _run(INVITE, {"grupos_faturamento": "3"})
    reader.join()
    assert db.session.scalar(select(Invitation.status)) == "ADERIU"


@pytest.mark.uc("UC2011")
def test_an_applied_reading_is_not_replaced(reader, world):
    reader.join()
    reader.send_reading(1265)
    assert _run(APPLY).counts() == {"aplicadas": 1}
    refused = reader.send_reading(1268)
    assert refused.status_code == 409
    body = refused.get_json()
    assert (body["code"], body["protocolo"]) == ("LEITURA_JA_APLICADA", "AL2025031200001")
    assert body["detail"] == ("A leitura 1265 (protocolo AL2025031200001) já foi "
                              "aplicada ao faturamento do mês e não pode ser substituída.")
    assert [r.status for r in db.session.scalars(select(SelfReading))] == ["APLICADA"]
    assert _core_reading(world).informed_reading == 1265


@pytest.mark.uc("UC2011")
def test_run_job_command_applies_the_readings(app, reader, world):
    reader.join()
    reader.send_reading(1265)
    runner = app.test_cli_runner()

    listed = runner.invoke(args=["sanea", "run-job"])
    assert "self_reading.apply_readings  —  " in listed.output
    done = runner.invoke(args=["sanea", "run-job", "self_reading.apply_readings",
                               "--param", "reference_month=202503"])
    assert done.exit_code == 0, done.output
    assert "Contagens: aplicadas 1." in done.output
    assert _core_reading(world).informed_reading == 1265

    unknown = runner.invoke(args=["sanea", "run-job", "self_reading.nada"])
    assert unknown.exit_code == 2
    assert "Rotina desconhecida: self_reading.nada." in unknown.output
    malformed = runner.invoke(args=["sanea", "run-job", "self_reading.apply_readings",
                                    "--param", "202503"])
    assert malformed.exit_code == 2
    assert "Parâmetro '202503': use CHAVE=VALOR." in malformed.output
    before = db.session.scalar(select(func.count()).select_from(JobRun))
    bad_month = runner.invoke(args=["sanea", "run-job", "self_reading.apply_readings",
                                    "--param", "reference_month=abc"])
    assert bad_month.exit_code == 1
    assert "Referência inválida: 'abc'; use AAAAMM." in bad_month.output
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == before
    stray = runner.invoke(args=["sanea", "run-job", "self_reading.apply_readings",
                                "--param", "mes=202503"])
    assert stray.exit_code == 2
    assert ("Parâmetro(s) desconhecido(s) de self_reading.apply_readings: mes. "
            "Aceitos: reference_month.") in stray.output
