"""Tell, for every use case, who implements it, for whom, and what proves it.

The use-case list is ``docs/use-cases.csv`` (UC2001-UC2212). For each use
case the catalogue gives the plugin whose manifest declares it (the core's
built-in manifest counts as the plugin ``core``), the companies whose
profile loads that plugin, the tests marked ``@pytest.mark.uc(<id>)`` and,
with ``verify``, whether those tests all pass. Tests are found and run by
pytest in a subprocess with the ``tests.catalogue_plugin`` plugin.
"""

from __future__ import annotations

import csv
import importlib
import json
import logging
import os
import pkgutil
import subprocess
import sys
import tempfile
from pathlib import Path

from core.company import CompanyProfile
from core.manifest import Manifest
from core.plugins import available_plugins
from core.settings import PROJECT_DIR

log = logging.getLogger(__name__)

USE_CASES_FILE = PROJECT_DIR / "docs" / "use-cases.csv"
TESTS_DIR = PROJECT_DIR / "tests"
PYTEST_PLUGIN = "tests.catalogue_plugin"
CORE = "core"


class CatalogueError(RuntimeError):
    """The catalogue could not collect or run the marked tests."""


def read_use_cases(path: Path = USE_CASES_FILE) -> list[dict]:
    """Return the rows of the use-case list (id, name, module, company...)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def plugin_manifests() -> dict[str, Manifest]:
    """Return the core's manifest and each available plugin package's MANIFEST."""
    from core import builtins

    manifests = {CORE: builtins.MANIFEST}
    for name, path in sorted(available_plugins().items()):
        package = importlib.import_module(path.rsplit(".", 1)[0])
        manifest = getattr(package, "MANIFEST", None)
        if isinstance(manifest, Manifest):
            manifests[name] = manifest
        else:
            log.warning("plugin %s has no MANIFEST in its package", name)
    return manifests


def company_profiles() -> list[CompanyProfile]:
    """Import every module of ``companies`` and return their profiles."""
    import companies

    profiles = []
    for info in sorted(pkgutil.iter_modules(companies.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"companies.{info.name}")
        profile = getattr(module, "PROFILE", None)
        if isinstance(profile, CompanyProfile):
            profiles.append(profile)
    return profiles


def loaded_plugins(profile: CompanyProfile, manifests: dict[str, Manifest]) -> set:
    """Return the plugins a profile loads: its own and their dependencies."""
    loaded, pending = {CORE}, list(profile.plugins)
    while pending:
        name = pending.pop()
        if name in loaded:
            continue
        loaded.add(name)
        manifest = manifests.get(name)
        pending.extend(manifest.depends if manifest else ())
    return loaded


def use_case_plugins(manifests: dict[str, Manifest]) -> dict[str, str]:
    """Map each declared use case to the plugin declaring it (first by name)."""
    owners: dict[str, str] = {}
    for name in sorted(manifests, key=lambda n: (n != CORE, n)):
        for uc in manifests[name].use_cases:
            if uc in owners:
                log.warning("%s declared by %s and %s", uc, owners[uc], name)
                continue
            owners[uc] = name
    return owners


def _pytest(args: list[str], cwd: Path, timeout: int) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "-p", PYTEST_PLUGIN,
               "-p", "no:cacheprovider", *args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _read_output(path: Path, done: subprocess.CompletedProcess, what: str) -> dict:
    if not path.exists():
        raise CatalogueError(
            f"pytest não {what}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def collect_marked_tests(
    tests_dir: Path = TESTS_DIR, cwd: Path = PROJECT_DIR
) -> dict[str, list[str]]:
    """Return {node id: [use-case ids]} of the tests marked with ``uc``."""
    if not tests_dir.is_dir():
        return {}
    with tempfile.TemporaryDirectory(prefix="sanea-catalogue-") as tmp:
        out = Path(tmp) / "collected.json"
        done = _pytest(["--collect-only", "-q", f"--uc-collect={out}",
                        str(tests_dir)], cwd, timeout=600)
        if done.returncode not in (0, 5):
            log.warning("test collection had errors (exit %s)", done.returncode)
        return _read_output(out, done, "coletou os testes")


def run_tests(
    node_ids: list[str], cwd: Path = PROJECT_DIR, timeout: int = 3600
) -> dict[str, str]:
    """Run the tests; return {node id: passed | failed | skipped}."""
    if not node_ids:
        return {}
    with tempfile.TemporaryDirectory(prefix="sanea-verify-") as tmp:
        out = Path(tmp) / "results.json"
        done = _pytest(["-q", f"--uc-results={out}", f"--basetemp={tmp}/run",
                        *node_ids], cwd, timeout=timeout)
        return _read_output(out, done, "rodou os testes")


def _tests_by_use_case(marked: dict[str, list[str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for node_id, ids in marked.items():
        for uc in dict.fromkeys(ids):
            found.setdefault(uc, []).append(node_id)
    return found


def _entry(row, plugin, profiles, manifests, tests) -> dict:
    enabling = [p for p in profiles if plugin in loaded_plugins(p, manifests)]
    asked = [p for p in profiles if p.answers_for(row["company"])]
    requester_enabled = (
        None if not asked or plugin is None
        else any(p in enabling for p in asked)
    )
    return {
        "id": row["id"], "name": row["name"], "requested_by": row["company"],
        "plugin": plugin,
        "companies": [p.short_name for p in enabling] if plugin else [],
        "requester_enabled": requester_enabled,
        "tests": tests, "covered": None,
    }


def _covered(tests: list[str], outcomes: dict[str, str]) -> bool:
    return bool(tests) and all(outcomes.get(t) == "passed" for t in tests)


def build_catalogue(verify: bool = False, only=None) -> list[dict]:
    """Return one entry per use case (all, or those in *only*), in id order.

    Each entry holds id, name, requested_by, plugin, companies,
    requester_enabled, tests and covered; covered is None without
    *verify*, else True only when the use case has tests and all pass.
    """
    rows = read_use_cases()
    if only:
        wanted = {uc.strip().upper()
                  for item in only for uc in item.split(",") if uc.strip()}
        unknown = sorted(wanted - {row["id"] for row in rows})
        if unknown:
            raise ValueError("Caso(s) de uso desconhecido(s): " + ", ".join(unknown))
        rows = [row for row in rows if row["id"] in wanted]
    manifests = plugin_manifests()
    owners, profiles = use_case_plugins(manifests), company_profiles()
    tests = _tests_by_use_case(collect_marked_tests())
    entries = [
        _entry(row, owners.get(row["id"]), profiles, manifests,
               tests.get(row["id"], []))
        for row in sorted(rows, key=lambda r: r["id"])
    ]
    if verify:
        _verify(entries)
    return entries


def _verify(entries: list[dict]) -> None:
    node_ids = list(dict.fromkeys(t for entry in entries for t in entry["tests"]))
    outcomes = run_tests(node_ids)
    for entry in entries:
        entry["covered"] = _covered(entry["tests"], outcomes)
        failing = [t for t in entry["tests"] if outcomes.get(t) != "passed"]
        if entry["tests"] and failing:
            log.warning("%s not covered: %s", entry["id"],
                        ", ".join(f"{t} ({outcomes.get(t, 'not run')})"
                                  for t in failing))


def _covered_label(value) -> str:
    return {None: "—", True: "coberto", False: "não coberto"}[value]


def render_text(entries: list[dict]) -> str:
    """Return one aligned line per use case, a header and a summary."""
    table = [("Caso", "Plugin", "Empresas", "Testes", "Situação", "Nome")]
    for entry in entries:
        table.append((
            entry["id"], entry["plugin"] or "—",
            ",".join(entry["companies"]) or "—", str(len(entry["tests"])),
            _covered_label(entry["covered"]), entry["name"],
        ))
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  " + row[5]
        for row in table
    ]
    lines.append(_summary(entries))
    return "\n".join(lines)


def _summary(entries: list[dict]) -> str:
    with_plugin = sum(1 for e in entries if e["plugin"])
    with_tests = sum(1 for e in entries if e["tests"])
    text = (f"{len(entries)} casos de uso; {with_plugin} com plugin; "
            f"{with_tests} com testes marcados")
    if any(e["covered"] is not None for e in entries):
        text += f"; {sum(1 for e in entries if e['covered'])} cobertos"
    return text + "."
