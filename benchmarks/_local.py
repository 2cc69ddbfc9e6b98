"""Helpers the benchmarks share: their own database and gunicorn on 127.0.0.1.

Every benchmark refuses a server that is not on this machine: it drops and
creates databases, so it must never reach one it does not own.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def recreate_database(url: str, create: bool = True) -> None:
    """Drop (and create) the benchmark's own database on the local server."""
    from sqlalchemy import create_engine, make_url, text

    target = make_url(url)
    if target.host not in ("127.0.0.1", "localhost"):
        raise SystemExit("o benchmark só usa servidores em 127.0.0.1")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(target: str, port: int, env: dict, *, workers: int,
                   worker_class: str, threads: int = 1,
                   chdir: Path = ROOT) -> subprocess.Popen:
    """Start ``gunicorn target`` on 127.0.0.1:port in its own process group."""
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers),
               "--worker-class", worker_class, "--threads", str(threads),
               "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir),
               "--log-level", "warning", target]
    return subprocess.Popen(command, env=env, start_new_session=True)


def wait_ready(port: int, path: str, timeout: float = 120.0) -> None:
    """Poll *path* until the server answers, or raise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not start")


def stop(process: subprocess.Popen) -> None:
    """Stop a gunicorn this script started (its whole process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def drive(port: int, requests: list, clients: int,
          timeout: float = 60.0) -> tuple[list[float], float, list]:
    """Send every request once over ``clients`` keep-alive connections.

    Each request is ``(method, path, body, headers, expected_status)``.
    Return the latencies in seconds, the wall time, and ``(status, body
    start)`` of every answer that was not the expected one.
    """
    lock = threading.Lock()
    cursor = iter(range(len(requests)))
    latencies: list[float] = []
    failures: list = []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        mine = []
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            method, path, body, headers, expected = requests[index]
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != expected:
                failures.append((response.status, raw[:200]))
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, failures


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of ``values``, in milliseconds."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))
    return ordered[rank] * 1000
