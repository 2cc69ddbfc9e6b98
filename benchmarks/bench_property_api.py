"""Measure ``GET /api/v1/imoveis/{matricula}`` against a bare Flask endpoint.

    .venv/bin/python benchmarks/bench_property_api.py [--properties 88687]
        [--requests 20000] [--clients 8] [--workers 2] [--postgres]

Builds a database (SQLite in a temporary folder, or with ``--postgres`` a
database of its own on the local server) with the schema, reference data
and N demo properties (Core executemany), issues an ``imoveis:ler`` token,
then serves on 127.0.0.1 (random free ports), each under gunicorn with the
same worker count:

- ``toolkit``: the Sanea app with the toolkit's own pipeline (token check,
  scope, validation, handler) and FAB around it, middlewares removed;
- ``full``: the Sanea app as deployed, with every registered middleware
  (the API platform's call log, rate limits and idempotency);
- ``bare``: a plain Flask app running the same SQL statement and shaping,
  with no authentication.

One load generator drives each with C keep-alive clients (threads with
http.client) over random matrículas, after a warm-up, in alternating
rounds so that all see the same background load, and prints p50, p90,
p99 and throughput; every server is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from _local import (  # noqa: E402
    drive,
    free_port,
    percentile,
    start_gunicorn,
    stop,
    wait_ready,
)

SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASE = "sanea_bench_api"
AIM_P99_MS = 50.0
AIM_RATIO = 2.0
CHUNK = 5000


# --- the apps gunicorn serves ------------------------------------------------------


def sanea_app(with_middlewares: bool = True):
    """Build the Sanea app; without middlewares, measure the toolkit alone.

    The registered middlewares (call log, rate limits, idempotency of the
    API platform) each write to the database on every call; removing them
    leaves the toolkit's own pipeline: token, scope, validation, handler.
    """
    from core.app import create_app

    app = create_app()
    if not with_middlewares:
        app.extensions["sanea.api"].middlewares.clear()
    return app



def bare_app():
    """Build a plain Flask app that runs the same lookup with one SQL query."""
    import json

    from flask import Flask, Response
    from sqlalchemy import create_engine

    from core.api.properties import PROPERTY_QUERY, property_document

    engine = create_engine(os.environ["SANEA_DATABASE_URL"])
    app = Flask("bare")

    @app.get("/imoveis/<matricula>")
    def lookup(matricula):
        with engine.connect() as conn:
            rows = conn.execute(PROPERTY_QUERY, {"registration": int(matricula)}).all()
        if not rows:
            return Response("{}", status=404, mimetype="application/json")
        body = json.dumps(property_document(rows), ensure_ascii=False)
        return Response(body, mimetype="application/json")

    return app


# --- the database ----------------------------------------------------------------


def _reference_ids(session):
    from sqlalchemy import select

    from core.domain.reference import SewerSituation, Subcategory, WaterSituation

    def ids(model, codes):
        rows = session.execute(select(model.code, model.id).where(
            model.code.in_(codes))).all()
        return dict(rows)

    return (ids(WaterSituation, ["connected", "cut", "feasible", "suppressed"]),
            ids(SewerSituation, ["connected", "potential", "feasible"]),
            ids(Subcategory, ["residential_standard", "commercial_standard",
                              "public_standard"]))


def _geography(conn, localities=20, sectors=10, blocks=45):
    """Insert localities, sectors and blocks; return the block rows."""
    from core.domain.cadastre import Block, Locality, Sector

    conn.execute(Locality.__table__.insert(), [
        {"id": n, "code": n, "name": f"Localidade {n}"}
        for n in range(1, localities + 1)])
    sector_rows = [{"id": (loc - 1) * sectors + s, "locality_id": loc, "code": s,
                    "name": f"Setor {s}"}
                   for loc in range(1, localities + 1) for s in range(1, sectors + 1)]
    conn.execute(Sector.__table__.insert(), sector_rows)
    block_rows = [{"id": (row["id"] - 1) * blocks + b, "sector_id": row["id"],
                   "number": b, "locality_id": row["locality_id"]}
                  for row in sector_rows for b in range(1, blocks + 1)]
    conn.execute(Block.__table__.insert(), [
        {k: v for k, v in row.items() if k != "locality_id"} for row in block_rows])
    return block_rows


def _property_rows(count, blocks, water, sewer, rng):
    from core.domain.base import utcnow
    from core.services.identifiers import make_registration

    now = utcnow()
    water_ids, sewer_ids = list(water.values()), list(sewer.values())
    for seq in range(1, count + 1):
        block = blocks[(seq - 1) % len(blocks)]
        yield {
            "id": seq, "registration": make_registration(seq),
            "locality_id": block["locality_id"], "sector_id": block["sector_id"],
            "block_id": block["id"], "lot": (seq - 1) // len(blocks) + 1, "sublot": 0,
            "street": f"Rua {rng.randint(1, 900)}", "number": str(rng.randint(1, 3000)),
            "complement": None if seq % 3 else "Casa B", "district": "Centro",
            "zip_code": f"59{rng.randint(0, 999999):06d}",
            "water_situation_id": rng.choice(water_ids),
            "sewer_situation_id": rng.choice(sewer_ids),
            "created_at": now, "updated_at": now,
        }


def _economy_rows(count, subcategories, rng):
    residential = subcategories["residential_standard"]
    others = [subcategories["commercial_standard"], subcategories["public_standard"]]
    for seq in range(1, count + 1):
        yield {"property_id": seq, "subcategory_id": residential,
               "economies": rng.randint(1, 4)}
        if seq % 7 == 0:
            yield {"property_id": seq, "subcategory_id": rng.choice(others),
                   "economies": 1}


def _insert_in_chunks(conn, table, rows) -> int:
    chunk, total = [], 0
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            conn.execute(table.insert(), chunk)
            total, chunk = total + len(chunk), []
    if chunk:
        conn.execute(table.insert(), chunk)
        total += len(chunk)
    return total


def load_properties(app, count: int, seed: int = 2026) -> list[int]:
    """Bulk-load *count* demo properties; return their matrículas."""
    from core.domain.cadastre import Property, PropertySubcategory
    from core.extensions import db

    rng = random.Random(seed)
    water, sewer, subcategories = _reference_ids(db.session)
    with db.engine.begin() as conn:
        blocks = _geography(conn)
        _insert_in_chunks(conn, Property.__table__,
                          _property_rows(count, blocks, water, sewer, rng))
        economies = _insert_in_chunks(conn, PropertySubcategory.__table__,
                                      _economy_rows(count, subcategories, rng))
    from core.services.identifiers import make_registration

    print(f"loaded {count} properties, {economies} economy rows")
    return [make_registration(seq) for seq in range(1, count + 1)]


def build_database(url: str, count: int) -> tuple[list[int], str]:
    """Create the schema, load the properties and issue a token."""
    from core.app import create_app
    from core.extensions import db
    from core.settings import Settings
    from core.setup import initialize
    from core.toolkits.api_models import Partner, issue_token

    app = create_app(settings=Settings(database_url=url, secret_key=SECRET))
    with app.app_context():
        initialize(app)
        started = time.perf_counter()
        registrations = load_properties(app, count)
        print(f"bulk load took {time.perf_counter() - started:.1f} s")
        # A limit the load never reaches: the limiter counts but never refuses.
        partner = Partner(name="Benchmark", kind="BOT", channel="BOT", active=True,
                          rate_limit_per_minute=10**9)
        db.session.add(partner)
        token = issue_token(
            db.session, partner, ["imoveis:ler"],
            known_scopes=app.extensions["sanea.api"].known_scopes(),
            env=app.config["SANEA_API_TOKEN_ENV"]).token
        db.session.remove()
        db.engine.dispose()
    return registrations, token


# --- servers ----------------------------------------------------------------------


# --- load -------------------------------------------------------------------------


def drive_paths(port, paths, headers, clients, into=None) -> tuple[float, int]:
    """GET every path once over *clients* keep-alive connections."""
    latencies, seconds, failures = drive(
        port, [("GET", path, None, headers, 200) for path in paths], clients,
        timeout=30)
    if into is not None:
        into.extend(latencies)
    return seconds, len(failures)


def summary(label: str, latencies: list[float], elapsed: float) -> dict:
    """Print and return the figures of one target."""
    result = {"label": label, "n": len(latencies), "rps": len(latencies) / elapsed,
              "p50": percentile(latencies, 0.50), "p90": percentile(latencies, 0.90),
              "p99": percentile(latencies, 0.99), "max": max(latencies) * 1000}
    print(f"{label:<8} {result['n']:>7} req {result['rps']:>8.0f} req/s  "
          f"p50 {result['p50']:6.2f} ms  p90 {result['p90']:6.2f} ms  "
          f"p99 {result['p99']:6.2f} ms  max {result['max']:7.2f} ms")
    return result


def measure(targets, registrations, args) -> list[dict]:
    """Warm each target up, then alternate rounds so both see the same load."""
    rng = random.Random(args.seed)
    per_round = max(1, args.requests // args.rounds)
    latencies = {label: [] for label, *_ in targets}
    elapsed = dict.fromkeys(latencies, 0.0)
    for _label, port, prefix, headers in targets:
        warm = [f"{prefix}/{rng.choice(registrations)}" for _ in range(args.warmup)]
        drive_paths(port, warm, headers, args.clients)
    for _ in range(args.rounds):
        for label, port, prefix, headers in targets:
            paths = [f"{prefix}/{rng.choice(registrations)}" for _ in range(per_round)]
            seconds, failures = drive_paths(port, paths, headers, args.clients,
                                            latencies[label])
            if failures:
                raise RuntimeError(f"{label}: {failures} responses were not 200")
            elapsed[label] += seconds
    return [summary(label, latencies[label], elapsed[label]) for label in latencies]


# --- main -------------------------------------------------------------------------


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=88_687)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=4,
                        help="alternate the targets this many times")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread",
                        help="gthread keeps connections alive; sync closes each one")
    parser.add_argument("--postgres", action="store_true",
                        help=f"use its own database {PG_DATABASE} on {PG_SERVER} "
                             "(created, then dropped)")
    parser.add_argument("--targets", default="toolkit,full",
                        help="which Sanea servers to compare with the bare one")
    parser.add_argument("--sqlite-wal", action="store_true",
                        help="put the SQLite file in WAL mode (a deployment choice)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    return parser.parse_args()


def _serve_and_measure(args, url, registrations, token, instance) -> list[dict]:
    """Start the three servers, measure them, stop them."""
    env = {**os.environ, "SANEA_DATABASE_URL": url, "SANEA_SECRET_KEY": SECRET,
           "SANEA_INSTANCE_DIR": str(instance), "SANEA_COMPANY": "caern",
           "PYTHONPATH": str(ROOT)}
    servers, targets = [], []
    try:
        auth = {"Authorization": f"Bearer {token}"}
        for label, target, prefix, headers in (
            ("toolkit", "bench_property_api:sanea_app(False)", "/api/v1/imoveis", auth),
            ("full", "bench_property_api:sanea_app(True)", "/api/v1/imoveis", auth),
            ("bare", "bench_property_api:bare_app()", "/imoveis", {}),
        ):
            if label not in args.targets and label != "bare":
                continue
            port = free_port()
            servers.append(start_gunicorn(
                target, port, env, workers=args.workers,
                worker_class=args.worker_class, chdir=ROOT / "benchmarks"))
            wait_ready(port, f"{prefix}/{registrations[0]}")
            targets.append((label, port, prefix, headers))
        return measure(targets, registrations, args)
    finally:
        for server in servers:
            stop(server)


def _postgres(create: bool) -> str:
    """Drop the benchmark's own PostgreSQL database, and create it if asked."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    engine.dispose()
    return f"{PG_SERVER}/{PG_DATABASE}"


def main() -> int:
    args = _arguments()
    folder = Path(tempfile.mkdtemp(prefix="sanea-bench-api-"))
    try:
        sqlite = f"sqlite:///{folder / 'bench.db'}"
        url = _postgres(create=True) if args.postgres else sqlite
        os.environ["SANEA_INSTANCE_DIR"] = str(folder)
        registrations, token = build_database(url, args.properties)
        if args.sqlite_wal and url.startswith("sqlite"):
            with sqlite3.connect(url.split("///", 1)[1]) as conn:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            print(f"journal mode: {mode}")
        print(f"load average before: {os.getloadavg()[0]:.2f} "
              f"({os.cpu_count()} CPUs)")
        results = _serve_and_measure(args, url, registrations, token, folder)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        bare = results[-1]
        for result in results[:-1]:
            ratio = result["p99"] / bare["p99"]
            met = result["p99"] < AIM_P99_MS and ratio <= AIM_RATIO
            print(f"{result['label']}: p99 {ratio:.2f}x the bare endpoint; aim "
                  f"(p99 < {AIM_P99_MS:.0f} ms, ≤ {AIM_RATIO:.0f}x) "
                  f"{'met' if met else 'NOT met'}")
        return 0
    finally:
        if args.postgres:
            _postgres(create=False)
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
