"""Time the GSAN import and the demo population of 88,687 properties.

    .venv/bin/python benchmarks/bench_demo.py [--properties 88687] [--seed 1]
        [--export ../shared/reference/gsan-2008]

Runs on a fresh SQLite database in a temporary folder and, when
SANEA_BENCH_DATABASE_URL names a PostgreSQL server, on a database of its own
created there (``sanea_bench_demo_<pid>``, dropped at the end). Each run
builds the schema and reference data, imports the export as
``flask sanea import-gsan`` does, then lays the properties as
``flask sanea demo`` does, and prints the seconds of each step and the rows
written. The 88,687 default is the export's latest month, so the demo
reproduces that month's connections cell by cell.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("SANEA_INSTANCE_DIR", tempfile.mkdtemp(prefix="sanea-bench-"))

SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"
SHARED_EXPORT = ROOT.parent / "shared" / "reference" / "gsan-2008"


def _postgres_database(url: str):
    """Create a database of our own on the server of ``url``; return (url, drop)."""
    from sqlalchemy import create_engine, make_url, text

    name = f"sanea_bench_demo_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(make_url(url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    target = make_url(url).set(database=name).render_as_string(hide_password=False)
    return target, drop


def run(url: str, export: Path, properties: int, seed: int) -> dict:
    """Build, import and lay the demo on one database; return the timings."""
    import random

    from core.app import create_app
    from core.demo import lay_demo, resumo_path
    from core.extensions import db
    from core.gsan_import import import_gsan
    from core.gsan_import.job import import_options
    from core.plugins import call_in_order
    from core.settings import Settings
    from core.setup import initialize

    app = create_app(settings=Settings(database_url=url, secret_key=SECRET))
    with app.app_context():
        initialize(app)
    app = create_app(settings=Settings(database_url=url, secret_key=SECRET))
    timings = {}
    with app.app_context():
        started = time.perf_counter()
        report = import_gsan(db.session, export, **import_options(app))
        db.session.commit()
        timings["import"] = time.perf_counter() - started
        timings["blocks"] = report.counts["quadra.added"]

        started = time.perf_counter()
        today = app.extensions["sanea.clock"].today()
        demo = lay_demo(db.session, properties, seed=seed,
                        resumo=resumo_path(export), today=today)
        db.session.commit()
        timings["demo"] = time.perf_counter() - started
        timings["summary"] = demo.lines[-1]

        # what the plugins' sanea_demo_data hooks add (flask sanea demo runs them)
        started = time.perf_counter()
        call_in_order(app.extensions["sanea.pm"], "sanea_demo_data",
                      session=db.session, rng=random.Random(seed))
        db.session.commit()
        timings["hooks"] = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=88_687)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--export", type=Path, default=SHARED_EXPORT)
    args = parser.parse_args()
    if not args.export.is_dir():
        from core.demo import SKELETON_DIR

        print(f"{args.export} não existe: usando o esqueleto embutido")
        args.export = SKELETON_DIR

    folder = Path(tempfile.mkdtemp(prefix="sanea-bench-demo-"))
    targets = [("SQLite", f"sqlite:///{folder / 'bench.db'}", None)]
    pg_url = os.environ.get("SANEA_BENCH_DATABASE_URL", "")
    if pg_url:
        targets.append(("PostgreSQL", *_postgres_database(pg_url)))
    for label, url, drop in targets:
        try:
            t = run(url, args.export, args.properties, args.seed)
        finally:
            if drop:
                drop()
        print(f"{label}: import {t['import']:.2f} s ({t['blocks']} quadras), "
              f"demo {t['demo']:.2f} s for {args.properties} properties, "
              f"plugins' demo hooks {t['hooks']:.2f} s")
        print(f"  {t['summary']}")


if __name__ == "__main__":
    main()
