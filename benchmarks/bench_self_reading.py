"""Measure UC2030 (verify a reading) and UC2011 (inform it with a photo) on gunicorn.

    .venv/bin/python benchmarks/bench_self_reading.py [--requests 2000]
        [--clients 8] [--workers 2] [--properties 64]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/sanea_bench_self_reading]

The database named in ``--database-url`` (on 127.0.0.1 only) is dropped,
created and migrated; one customer gets ``--properties`` joined properties
of a group whose reading is planned five days from today (the window is
open), each with a meter, its billed February reading and six months of
history. Partner BOT-CAERN gets limits the load never reaches (per token,
per customer, per property for UC2030): the platform still counts every
call, it only never refuses. The customer session comes from the
identification chain over HTTP (matrícula + birth date).

gunicorn serves the deployed app (``wsgi:app``, every middleware of the
platform: call log, rate limits, idempotency) with ``--workers`` workers on
a free port of 127.0.0.1. ``--clients`` threads with keep-alive
connections send, after a warm-up, ``--requests`` calls of each operation:
UC2030 with a JSON body, UC2011 as multipart with a 2 KB JPEG and a fresh
Idempotency-Key, each reading different from the property's last one (so
each replaces it, rule 17). Every answer must be 200/201. p50, p90, p99,
max and throughput are printed and written to
``benchmarks/out/bench_self_reading.json``; the server is stopped and the
database dropped at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from _local import (  # noqa: E402
    drive,
    free_port,
    percentile,
    recreate_database,
    start_gunicorn,
    stop,
    wait_ready,
)

SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/sanea_bench_self_reading"
CPF, BORN = "52998224725", "1980-05-17"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(2048)
AIM_P99_MS = 100.0
BOUNDARY = "sanea-bench-boundary"


# --- the database ------------------------------------------------------------------


def _reference(model, code: str):
    from sqlalchemy import select

    from core.extensions import db

    return db.session.scalar(select(model).where(model.code == code))


def _geography():
    from core.domain import cadastre as c
    from core.extensions import db

    locality = c.Locality(code=1, name="Centro")
    sector = c.Sector(locality=locality, code=1, name="Centro")
    group = c.BillingGroup(id=3, description="Grupo 3", due_day=28)
    route = c.Route(sector=sector, code=1, billing_group=group)
    block = c.Block(sector=sector, number=1, route=route)
    db.session.add_all([locality, sector, group, route, block])
    db.session.flush()
    return locality, sector, group, route, block


def _meter_and_history(prop, route, lot: int, month: int) -> None:
    """A 6-digit meter, six months of 15 m³ and last month's billed 1250."""
    from core.billing.metering import install_meter
    from core.domain import metering as m
    from core.extensions import db
    from core.services.billing_rules import shift_reference

    db.session.add(m.Meter(number=f"B{lot:08d}", digits=6))
    db.session.flush()
    install_meter(prop.id, f"B{lot:08d}", date(2024, 1, 10), 1000)
    for back in range(1, 7):
        db.session.add(m.ConsumptionHistory(
            property_id=prop.id, reference_month=shift_reference(month, -back),
            connection_type="water", route_id=route.id, billed_m3=15,
            consumption_type="real"))
    db.session.add(m.Reading(property_id=prop.id,
                             reference_month=shift_reference(month, -1),
                             billed_reading=1250, informed_reading=1250))


def _world(count: int, today: date) -> list[str]:
    """Lay one customer with ``count`` joined properties; return the matrículas."""
    from core.billing.schedule import create_schedule
    from core.domain import cadastre as c
    from core.domain import reference as r
    from core.extensions import db
    from core.services.identifiers import make_registration

    locality, sector, group, route, block = _geography()
    maria = c.Customer(id=1001, code=make_registration(1001), name="MARIA DA SILVA",
                       person_type="F", cpf_cnpj=CPF, email="maria@example.com",
                       birth_date=date.fromisoformat(BORN))
    db.session.add(maria)
    month = today.year * 100 + today.month
    registrations = []
    for lot in range(1, count + 1):
        prop = c.Property(
            registration=make_registration(10_000 + lot), locality=locality,
            sector=sector, block=block, lot=lot, sublot=0, street="Rua das Acácias",
            water_situation=_reference(r.WaterSituation, "connected"),
            sewer_situation=_reference(r.SewerSituation, "connected"))
        db.session.add(prop)
        db.session.add(c.CustomerProperty(customer=maria, property=prop,
                                          relation="user", start_date=date(2020, 1, 1)))
        db.session.flush()
        _meter_and_history(prop, route, lot, month)
        registrations.append(str(prop.registration))
    group.reference_month = month
    planned = today + timedelta(days=5)
    create_schedule(group.id, month, planned, planned + timedelta(days=2),
                    planned + timedelta(days=15))
    db.session.commit()
    return registrations


def _join_all(registrations: list[str]) -> None:
    from core.extensions import db
    from plugins.self_reading.commands import Author, join, property_by_registration

    for registration in registrations:
        join(property_by_registration(registration), Author(1001), True)
    db.session.commit()


def _partner(app) -> str:
    """Add BOT-CAERN with limits the run never reaches; return its token."""
    from core.extensions import db
    from core.params import set_parameter
    from core.toolkits.api_models import Partner, issue_token
    from core.toolkits.api_platform.models import PartnerPolicy

    partner = Partner(name="BOT-CAERN", kind="BOT", channel="BOT",
                      rate_limit_per_minute=10**9)
    db.session.add(partner)
    db.session.flush()
    db.session.add(PartnerPolicy(partner_id=partner.id,
                                 customer_rate_limit_per_minute=10**9,
                                 document_attempts_per_hour=10**9))
    set_parameter("self_reading", "verifications_per_hour", 10**9)
    registry = app.extensions["sanea.api"]
    token = issue_token(db.session, partner, ["autoleitura:*", "clientes:identificar"],
                        known_scopes=registry.known_scopes(), env=registry.token_env)
    db.session.commit()
    return token.token


def build_database(url: str, count: int) -> tuple[list[str], str]:
    """Migrate, lay the world and issue the partner's token."""
    from core.app import create_app
    from core.extensions import db
    from core.settings import Settings
    from core.setup import initialize

    app = create_app(settings=Settings(company="caern", database_url=url,
                                       secret_key=SECRET))
    with app.app_context():
        initialize(app)
        registrations = _world(count, date.today())
        _join_all(registrations)
        token = _partner(app)
        db.session.remove()
        db.engine.dispose()
    return registrations, token


# --- the server ----------------------------------------------------------------------


# --- requests -------------------------------------------------------------------------


def _call(conn, method: str, path: str, body: bytes | None, headers: dict):
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def open_session(port: int, token: str, registration: str) -> str:
    """Identify the customer by matrícula and birth date; return the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, raw = _call(conn, "POST", "/api/v1/identificacoes",
                        json.dumps({"documento": CPF}).encode(), auth)
    ident = json.loads(raw)["identificacao_id"]
    _call(conn, "POST", f"/api/v1/identificacoes/{ident}/matricula",
          json.dumps({"matricula": registration}).encode(), auth)
    status, raw = _call(conn, "POST", f"/api/v1/identificacoes/{ident}/data-nascimento",
                        json.dumps({"data_nascimento": BORN}).encode(), auth)
    conn.close()
    if status != 200:
        raise RuntimeError(f"identification failed: {status} {raw[:200]!r}")
    return json.loads(raw)["sessao"]["token"]


def _multipart(value: int) -> bytes:
    disposition = "Content-Disposition: form-data; name="
    head = (f"--{BOUNDARY}\r\n{disposition}\"leitura\"\r\n\r\n{value}\r\n"
            f"--{BOUNDARY}\r\n{disposition}\"foto\"; filename=\"hidrometro.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n")
    return head.encode() + JPEG + f"\r\n--{BOUNDARY}--\r\n".encode()


def verify_request(registration: str, value: int, base: dict):
    """UC2030: POST …/leituras:verificar with a JSON body."""
    return ("POST", f"/api/v1/imoveis/{registration}/autoleitura/leituras:verificar",
            json.dumps({"leitura": value}).encode(),
            {**base, "Content-Type": "application/json"}, 200)


def inform_request(registration: str, value: int, base: dict):
    """UC2011: POST …/leituras as multipart, with a fresh Idempotency-Key."""
    return ("POST", f"/api/v1/imoveis/{registration}/autoleitura/leituras",
            _multipart(value),
            {**base, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
             "Idempotency-Key": uuid.uuid4().hex}, 201)


def summary(label: str, latencies: list[float], elapsed: float) -> dict:
    """Print and return the figures of one operation."""
    result = {"operacao": label, "n": len(latencies),
              "req_s": round(len(latencies) / elapsed, 1),
              "p50_ms": round(percentile(latencies, 0.50), 2),
              "p90_ms": round(percentile(latencies, 0.90), 2),
              "p99_ms": round(percentile(latencies, 0.99), 2),
              "max_ms": round(max(latencies) * 1000, 2)}
    print(f"{label:<7} {result['n']:>6} req {result['req_s']:>7.1f} req/s  "
          f"p50 {result['p50_ms']:7.2f} ms  p90 {result['p90_ms']:7.2f} ms  "
          f"p99 {result['p99_ms']:7.2f} ms  max {result['max_ms']:8.2f} ms  "
          f"(alvo p99 < {AIM_P99_MS:.0f} ms)")
    return result


class Values:
    """Give each property a reading different from its last one, in range."""

    def __init__(self):
        self.last: dict[str, int] = {}
        self.lock = threading.Lock()

    def next(self, registration: str) -> int:
        with self.lock:
            value = 1256 + (self.last.get(registration, -1) + 1 - 1256) % 19
            self.last[registration] = value
            return value


def requests_for(kind, count: int, registrations, values: Values, base) -> list:
    """Build ``count`` requests of one operation over the properties, in turn."""
    make = verify_request if kind == "UC2030" else inform_request
    return [make(reg, values.next(reg), base) for reg in
            (registrations[i % len(registrations)] for i in range(count))]


def measure(port: int, token: str, registrations, args) -> list[dict]:
    """Warm up, then run each operation and summarise it."""
    session = open_session(port, token, registrations[0])
    base = {"Authorization": f"Bearer {token}", "X-Cliente-Sessao": session}
    values, results = Values(), []
    for kind in ("UC2030", "UC2011"):
        warm = requests_for(kind, args.warmup, registrations, values, base)
        drive(port, warm, args.clients)
        batch = requests_for(kind, args.requests, registrations, values, base)
        latencies, elapsed, failures = drive(port, batch, args.clients)
        if failures:
            raise RuntimeError(f"{kind}: {len(failures)} answers off: {failures[:3]}")
        results.append(summary(kind, latencies, elapsed))
    return results


# --- main -----------------------------------------------------------------------------


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--properties", type=int, default=64)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread",
                        help="gthread keeps connections alive; sync closes each one")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gthread worker (they overlap database waits)")
    parser.add_argument("--redis-url", default="",
                        help="count the rate limits in Redis (e.g. "
                             "redis://127.0.0.1:6379/7, a database of your own) "
                             "instead of PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args()


def _check(url: str, registrations: list[str]) -> int:
    """Count the current readings: one per property, whatever the load did."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        current = conn.execute(text(
            "select count(*), count(distinct property_id) from self_reading_reading "
            "where current")).one()
    engine.dispose()
    if current[0] != current[1] or current[1] != len(registrations):
        raise RuntimeError(f"current readings {current[0]} for {current[1]} "
                           f"properties of {len(registrations)}")
    return current[0]


def main() -> int:
    args = _arguments()
    if args.redis_url and "//127.0.0.1:" not in args.redis_url:
        raise SystemExit("o benchmark só usa o Redis em 127.0.0.1")
    folder = Path(tempfile.mkdtemp(prefix="sanea-bench-self-reading-"))
    os.environ["SANEA_INSTANCE_DIR"] = str(folder)
    recreate_database(args.database_url)
    server = None
    try:
        started = time.perf_counter()
        registrations, token = build_database(args.database_url, args.properties)
        print(f"database ready in {time.perf_counter() - started:.1f} s "
              f"({len(registrations)} joined properties)")
        env = {**os.environ, "SANEA_DATABASE_URL": args.database_url,
               "SANEA_SECRET_KEY": SECRET, "SANEA_COMPANY": "caern",
               "SANEA_INSTANCE_DIR": str(folder),
               "SANEA_STORAGE_DIR": str(folder / "storage"), "PYTHONPATH": str(ROOT),
               "SANEA_REDIS_URL": args.redis_url}
        port = free_port()
        server = start_gunicorn("wsgi:app", port, env, workers=args.workers,
                                worker_class=args.worker_class, threads=args.threads)
        wait_ready(port, "/api/v1/openapi.json")
        results = measure(port, token, registrations, args)
        current = _check(args.database_url, registrations)
        print(f"current readings after the run: {current}")
        out = ROOT / "benchmarks" / "out"
        out.mkdir(exist_ok=True)
        report = {"workers": args.workers, "worker_class": args.worker_class,
                  "threads": args.threads, "load_average": os.getloadavg(),
                  "rate_counters": "redis" if args.redis_url else "postgresql",
                  "clients": args.clients, "properties": args.properties,
                  "resultados": results}
        (out / "bench_self_reading.json").write_text(json.dumps(report, indent=2))
        return 0
    finally:
        if server is not None:
            stop(server)
        if not args.keep:
            recreate_database(args.database_url, create=False)


if __name__ == "__main__":
    sys.exit(main())
