"""Pytest plugin for ``flask sanea catalogue``: dump uc markers and outcomes.

Load it with ``-p tests.catalogue_plugin``:

- ``--uc-collect=FILE`` writes ``{node id: [use-case ids]}`` of every test
  marked ``@pytest.mark.uc(...)`` once collection finishes;
- ``--uc-results=FILE`` writes ``{node id: "passed" | "failed" | "skipped"}``
  when the session ends (a failure in setup or teardown counts as failed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

_RANK = {"passed": 0, "skipped": 1, "failed": 2}


def pytest_addoption(parser):
    group = parser.getgroup("sanea-catalogue")
    group.addoption(
        "--uc-collect", default=None, metavar="FILE",
        help="write the uc marker ids of each collected test to FILE (JSON)",
    )
    group.addoption(
        "--uc-results", default=None, metavar="FILE",
        help="write the outcome of each test to FILE (JSON)",
    )


def pytest_configure(config):
    path = config.getoption("uc_results")
    if path:
        config.pluginmanager.register(OutcomeRecorder(Path(path)), "uc-results")


def marked_use_cases(item: pytest.Item) -> list[str]:
    """Return the use-case ids of an item's uc markers, in marker order."""
    return [uc for marker in item.iter_markers("uc") for uc in marker.args]


def pytest_collection_finish(session):
    path = session.config.getoption("uc_collect")
    if not path:
        return
    found = {}
    for item in session.items:
        ids = marked_use_cases(item)
        if ids:
            found[item.nodeid] = ids
    Path(path).write_text(json.dumps(found, indent=1), encoding="utf-8")


class OutcomeRecorder:
    """Keep the worst outcome of each test's phases and write them at the end."""

    def __init__(self, path: Path):
        self.path = path
        self.outcomes: dict[str, str] = {}

    def pytest_runtest_logreport(self, report):
        if report.failed:
            outcome = "failed"
        elif report.skipped:
            outcome = "skipped"
        elif report.when == "call":
            outcome = "passed"
        else:
            return
        previous = self.outcomes.get(report.nodeid, "passed")
        self.outcomes[report.nodeid] = max(previous, outcome, key=_RANK.get)

    def pytest_sessionfinish(self, session):
        self.path.write_text(json.dumps(self.outcomes, indent=1), encoding="utf-8")
