"""On PostgreSQL: replays and races leave one reading; failed proofs lock.

Run with ``SANEA_TEST_DATABASE_URL=postgresql+psycopg://...``; skipped on
SQLite, whose single writer cannot race.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.params import set_parameter
from core.toolkits.api_platform.limits import forget_policies
from core.toolkits.api_platform.models import PartnerPolicy
from plugins.self_reading import commands
from plugins.self_reading.models import SelfReading
from tests.conftest import PG_URL, need_service
from tests.plugins.self_reading.conftest import Reader

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only():
    need_service(PG_URL, "SANEA_TEST_DATABASE_URL")


def _readings() -> list[tuple[int, str, bool | None]]:
    db.session.expire_all()
    return [(row.value, row.status, row.current) for row in
            db.session.scalars(select(SelfReading).order_by(SelfReading.id))]


@pytest.mark.uc("UC2011")
def test_idempotent_replay_leaves_one_reading(reader):
    reader.join()
    key = str(uuid.uuid4())
    first = reader.send_reading(1265, key=key)
    again = reader.send_reading(1265, key=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _readings() == [(1265, "ACEITA", True)]


def _twin(reader) -> Reader:
    """Return a client of its own holding the same token and session."""
    twin = Reader(reader.client.application.test_client(), reader.token)
    twin.session = reader.session
    return twin


def _hold_first_lookup(monkeypatch, parties: int) -> None:
    """Make each request's first lookup wait until all have looked: a true race."""
    barrier = threading.Barrier(parties, timeout=20)
    original = commands.current_reading
    seen = threading.local()

    def racing(prop, reference):
        found = original(prop, reference)
        if not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()
        return found

    monkeypatch.setattr(commands, "current_reading", racing)


@pytest.mark.uc("UC2011")
def test_concurrent_readings_with_different_keys_leave_one(reader, monkeypatch):
    reader.join()
    _hold_first_lookup(monkeypatch, 2)
    answers: list = [None, None]

    def send(index: int) -> None:
        answers[index] = _twin(reader).send_reading(1265, key=f"corrida-{index}")

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [200, 201]
    assert answers[0].get_json() == answers[1].get_json()
    assert _readings() == [(1265, "ACEITA", True)]
    assert db.session.scalar(select(func.count()).select_from(SelfReading)) == 1


@pytest.mark.uc("UC2011")
def test_concurrent_different_values_keep_one_current(reader, monkeypatch):
    reader.join()
    _hold_first_lookup(monkeypatch, 2)
    answers: list = [None, None]

    def send(index: int) -> None:
        answers[index] = _twin(reader).send_reading(1265 + index, key=f"valor-{index}")

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [201, 201]
    rows = _readings()
    assert sorted(status for _, status, _ in rows) == ["ACEITA", "SUBSTITUIDA"]
    assert [current for _, _, current in rows].count(True) == 1


@pytest.mark.uc("UC2090")
def test_five_wrong_birth_dates_lock_for_the_configured_time(reader, travel, world):
    set_parameter("customer_access", "identification_lock_minutes", 10)
    db.session.add(PartnerPolicy(partner_id=world.partners["BOT-CAERN"].id,
                                 document_attempts_per_hour=20))
    db.session.commit()
    forget_policies()  # the fixture's calls kept the default policy
    reader.session = None
    ident = reader.identify("52998224725")
    statuses = [reader.post(f"/identificacoes/{ident}/data-nascimento",
                            {"data_nascimento": "1980-05-18"}).status_code
                for _ in range(5)]
    assert statuses == [422, 422, 422, 422, 423]
    locked = reader.post("/identificacoes", {"documento": "52998224725"})
    assert locked.status_code == 423
    assert locked.get_json()["code"] == "IDENTIFICACAO_BLOQUEADA"
    assert locked.headers["Retry-After"] == "600"
    travel.now += timedelta(minutes=10)
    assert reader.post("/identificacoes",
                       {"documento": "52998224725"}).status_code == 201


@pytest.mark.uc("UC2090")
def test_concurrent_wrong_birth_dates_each_count(reader, world):
    db.session.add(PartnerPolicy(partner_id=world.partners["BOT-CAERN"].id,
                                 document_attempts_per_hour=50))
    db.session.commit()
    forget_policies()
    reader.session = None
    ident = reader.identify("52998224725")
    barrier = threading.Barrier(8, timeout=20)
    answers: list = [None] * 8

    def guess(index: int) -> None:
        twin = _twin(reader)
        barrier.wait()
        answers[index] = twin.post(f"/identificacoes/{ident}/data-nascimento",
                                   {"data_nascimento": "1980-05-18"})

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = [a.get_json()["code"] for a in answers]
    # At most four wrong answers are told apart; every other one is locked.
    assert codes.count("FATOR_INVALIDO") <= 4
    assert codes.count("FATOR_INVALIDO") + codes.count("IDENTIFICACAO_BLOQUEADA") == 8
    from plugins.customer_access.models import Identification

    db.session.expire_all()
    row = db.session.get(Identification, ident)
    assert row.failures >= 5 and row.locked_until is not None
