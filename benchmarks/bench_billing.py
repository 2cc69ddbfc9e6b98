"""Bill every demo property of a month on PostgreSQL with RQ workers.

    .venv/bin/python benchmarks/bench_billing.py [--sizes 10000 88687]
        [--workers 2] [--export ../shared/reference/gsan-2008]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/sanea_bench_billing]
        [--redis-url redis://127.0.0.1:6379/5] [--forking]

For each size the database named in ``--database-url`` is dropped and
created again, migrated, loaded with the GSAN export's skeleton and laid
with that many demo properties (``flask sanea demo``, whose billing hook
adds the tariff, the schedules, the meters and the month's readings), and
analysed (``ANALYZE``, as autovacuum would after a bulk load).
Then ``--workers`` RQ workers (``flask sanea worker``) are started on the
Redis database of ``--redis-url`` (flushed first: use a number of your
own), every group with a schedule is billed with ``billing.bill_group``,
and the wall time from the first enqueue to the last finished chunk gives
the bills per second. The CPU seconds of the workers and of PostgreSQL's
backends serving the benchmark's database during the run say where the
time went (other databases on the same server are not counted).

The company is CAERN, whose profile has no Pix key; the BR Code's cost
per bill is measured apart and reported with the rest.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from _local import recreate_database  # noqa: E402

os.environ.setdefault("SANEA_INSTANCE_DIR", tempfile.mkdtemp(prefix="sanea-bench-"))

SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"
TODAY = "2025-04-05"  # the demo prepares March 2025
MONTH = 202503
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/sanea_bench_billing"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
SHARED_EXPORT = ROOT.parent / "shared" / "reference" / "gsan-2008"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _settings(url: str, redis_url: str = ""):
    from core.settings import Settings

    return Settings(
        company="caern",
        database_url=url,
        redis_url=redis_url,
        secret_key=SECRET,
        fixed_today=TODAY,
    )


def populate(url: str, export: Path, properties: int) -> float:
    """Migrate, import the skeleton and lay the demo; return the seconds."""
    from core.app import create_app
    from core.demo import lay_demo_command
    from core.extensions import db
    from core.gsan_import import import_gsan
    from core.gsan_import.job import import_options
    from core.setup import initialize

    started = time.perf_counter()
    app = create_app(settings=_settings(url))
    with app.app_context():
        initialize(app)
        db.session.remove()
        db.engine.dispose()
    app = create_app(settings=_settings(url))
    with app.app_context():
        import_gsan(db.session, export, **import_options(app))
        db.session.commit()
        for line in lay_demo_command(properties, seed=1, export_dir=export):
            print("   ", line)
        db.session.remove()
        analyze(db.engine)
        db.engine.dispose()
    return time.perf_counter() - started


def analyze(engine) -> None:
    """Refresh the planner's statistics after the bulk load.

    Autovacuum would do it within a minute; this server runs without it,
    and without statistics PostgreSQL plans the batch lookups as scans.
    """
    from sqlalchemy import text

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def start_workers(count: int, url: str, redis_url: str, forking: bool) -> list:
    """Start ``count`` workers and wait until Redis lists them all."""
    from redis import Redis
    from rq import Worker

    env = dict(
        os.environ,
        SANEA_DATABASE_URL=url,
        SANEA_REDIS_URL=redis_url,
        SANEA_SECRET_KEY=SECRET,
        SANEA_FIXED_TODAY=TODAY,
        SANEA_COMPANY="caern",
    )
    command = [
        str(ROOT / ".venv" / "bin" / "flask"),
        "--app",
        "wsgi:app",
        "sanea",
        "worker",
    ] + ([] if forking else ["--simple"])
    workers = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + 120
    while Worker.count(connection=connection) < count:
        if time.monotonic() > deadline:
            stop_workers(workers)
            raise SystemExit("os workers não se registraram no Redis")
        time.sleep(0.2)
    return workers


def stop_workers(workers: list) -> None:
    """Stop the workers we started: warm, then cold, then for good."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(sig)
        try:
            for worker in workers:
                worker.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            continue


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # utime + stime + the reaped children's cutime + cstime
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def _backend_cpu(session, database: str) -> dict[int, float]:
    """Return the CPU seconds of each PostgreSQL backend serving ``database``."""
    from sqlalchemy import text

    pids = session.scalars(
        text("SELECT pid FROM pg_stat_activity WHERE datname = :name"),
        {"name": database},
    ).all()
    return {pid: _cpu_seconds(pid) for pid in pids}


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def _horse_cpu(workers: list) -> float:
    """Return the CPU seconds of the workers (with their finished work horses)."""
    return sum(_cpu_seconds(worker.pid) for worker in workers)


def bill_month(url: str, redis_url: str, workers: list) -> dict:
    """Start billing.bill_group for every scheduled group and wait for the runs."""
    from sqlalchemy import func, select

    from core.app import create_app
    from core.billing.jobs import BILL_GROUP
    from core.domain import billing as b
    from core.extensions import db
    from core.toolkits.jobs import JobChunk, JobRun, start_job

    app = create_app(settings=_settings(url, redis_url))
    with app.app_context():
        groups = db.session.scalars(
            select(b.BillingSchedule.billing_group_id)
            .where(b.BillingSchedule.reference_month == MONTH)
            .order_by(b.BillingSchedule.billing_group_id)
        ).all()
        database = db.engine.url.database
        cpu_before = _horse_cpu(workers), _backend_cpu(db.session, database)
        started = time.perf_counter()
        runs = [
            start_job(BILL_GROUP, {"group_id": g, "reference_month": MONTH})
            for g in groups
        ]
        enqueued = time.perf_counter() - started
        while True:
            db.session.remove()
            pending = db.session.scalar(
                select(func.count())
                .select_from(JobRun)
                .where(JobRun.id.in_(runs), JobRun.status.in_(("queued", "running")))
            )
            if not pending:
                break
            time.sleep(0.25)
        wall = time.perf_counter() - started
        cpu_after = _horse_cpu(workers), _backend_cpu(db.session, database)
        chunks = db.session.scalar(
            select(func.count()).select_from(JobChunk).where(JobChunk.run_id.in_(runs))
        )
        totals: dict[str, int] = {}
        for run in db.session.scalars(select(JobRun).where(JobRun.id.in_(runs))):
            for key, value in run.counts().items():
                totals[key] = totals.get(key, 0) + value
        failed = db.session.scalar(
            select(func.count())
            .select_from(JobRun)
            .where(JobRun.id.in_(runs), JobRun.status == "failed")
        )
        bills = db.session.scalar(
            select(func.count())
            .select_from(b.Bill)
            .where(b.Bill.reference_month == MONTH)
        )
        db.session.remove()
        db.engine.dispose()
    return {
        "groups": len(groups),
        "chunks": chunks,
        "failed_runs": failed,
        "bills": bills,
        "counts": totals,
        "wall": wall,
        "enqueue": enqueued,
        "worker_cpu": cpu_after[0] - cpu_before[0],
        "postgres_cpu": _delta(cpu_before[1], cpu_after[1]),
    }


def pix_cost(samples: int = 20_000) -> float:
    """Return the microseconds one BR Code costs (built as a bill builds it)."""
    from decimal import Decimal

    from core.services.billing_rules import bill_txid
    from core.services.pix import build_brcode

    started = time.perf_counter()
    for n in range(samples):
        build_brcode(
            "08334385000135",
            Decimal("126.96"),
            "CAERN",
            "NATAL",
            bill_txid(1000 + n, MONTH),
        )
    return (time.perf_counter() - started) / samples * 1e6


def flush_redis(redis_url: str) -> None:
    """Empty the benchmark's own Redis database."""
    from redis import Redis

    Redis.from_url(redis_url).flushdb()


def run_size(args, size: int) -> dict:
    print(f"== {size} imóveis")
    recreate_database(args.database_url)
    seconds = populate(args.database_url, args.export, size)
    print(f"   população: {seconds:.1f} s")
    flush_redis(args.redis_url)
    workers = start_workers(
        args.workers, args.database_url, args.redis_url, args.forking
    )
    try:
        result = bill_month(args.database_url, args.redis_url, workers)
    finally:
        stop_workers(workers)
    result["size"] = size
    result["rate"] = result["bills"] / result["wall"]
    print(
        f"   {result['bills']} contas em {result['wall']:.1f} s "
        f"({result['rate']:.0f} contas/s; {result['chunks']} rotas, "
        f"{result['groups']} grupos, enfileirar {result['enqueue']:.1f} s)"
    )
    print(
        f"   CPU: workers {result['worker_cpu']:.1f} s, PostgreSQL "
        f"{result['postgres_cpu']:.1f} s; contagens {result['counts']}"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 88_687])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--export", type=Path, default=SHARED_EXPORT)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument(
        "--forking",
        action="store_true",
        help="workers que fazem fork por tarefa (padrão: --simple)",
    )
    args = parser.parse_args()
    results = [run_size(args, size) for size in args.sizes]
    print(
        f"Pix (BR Code) por conta: {pix_cost():.0f} µs (fora da medição: a CAERN "
        "não tem chave Pix)"
    )
    print("imóveis | contas | s | contas/s | CPU workers s | CPU PostgreSQL s")
    for r in results:
        print(
            f"{r['size']} | {r['bills']} | {r['wall']:.1f} | {r['rate']:.0f} | "
            f"{r['worker_cpu']:.1f} | {r['postgres_cpu']:.1f}"
        )


if __name__ == "__main__":
    main()
