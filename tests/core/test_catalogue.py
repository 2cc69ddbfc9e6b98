"""The use-case catalogue: plugins, companies, marked tests and their outcome."""

from __future__ import annotations

import json
import textwrap

import pytest

from core.catalogue import (
    build_catalogue,
    collect_marked_tests,
    loaded_plugins,
    plugin_manifests,
    read_use_cases,
    render_text,
    run_tests,
    use_case_plugins,
)
from core.company import CompanyProfile
from core.manifest import Manifest

REGULATORY = ["UC2099", "UC2100", "UC2101"]


def _unclaimed() -> str:
    """Return the first use case that no plugin declares (yet)."""
    claimed = use_case_plugins(plugin_manifests())
    return next(row["id"] for row in read_use_cases() if row["id"] not in claimed)


@pytest.fixture(scope="module")
def collected() -> dict[str, list[str]]:
    """Collect the suite's marked tests once for this module (a pytest run)."""
    return collect_marked_tests()


@pytest.fixture
def collected_once(collected, monkeypatch):
    """Let the catalogue reuse the module's collection instead of a new run."""
    monkeypatch.setattr("core.catalogue.collect_marked_tests", lambda: collected)
    return collected


def _catalogue_cli(app, *args) -> list[dict]:
    result = app.test_cli_runner().invoke(args=["sanea", "catalogue", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_use_case_list_holds_uc2001_to_uc2212():
    rows = read_use_cases()
    assert [row["id"] for row in rows] == [f"UC{n}" for n in range(2001, 2213)]
    assert rows[98]["name"] == "Inserir Agência de Regulação"
    assert rows[98]["company"] == "CAERN"


def test_catalogue_has_one_entry_per_use_case(collected_once):
    entries = build_catalogue()
    assert len(entries) == 212
    assert {tuple(sorted(entry)) for entry in entries} == {(
        "companies", "covered", "id", "name", "plugin", "requested_by",
        "requester_enabled", "tests",
    )}
    assert all(entry["covered"] is None for entry in entries)
    unclaimed = next(entry for entry in entries if entry["id"] == _unclaimed())
    assert (unclaimed["plugin"], unclaimed["companies"], unclaimed["tests"]) == (
        None, [], [])


def test_catalogue_json_for_uc2099(app, collected_once):
    [entry] = _catalogue_cli(app, "--json", "--only", "uc2099")
    assert entry["id"] == "UC2099"
    assert entry["plugin"] == "regulatory_agency"
    assert entry["companies"] == ["CAERN"]
    assert entry["requested_by"] == "CAERN"
    assert entry["requester_enabled"] is True
    assert entry["covered"] is None
    assert entry["tests"]
    assert all(t.startswith("tests/plugins/regulatory_agency/") for t in entry["tests"])
    assert ("tests/plugins/regulatory_agency/test_views.py::"
            "test_add_screen_inserts_state_agency_with_two_municipalities"
            ) in entry["tests"]


def test_catalogue_verify_covers_regulatory_agency(app, collected_once, monkeypatch):
    # The check is of the catalogue, not of a database: the pytest it starts
    # runs the tests of UC2101 (the fewest) on SQLite even on the PostgreSQL leg.
    monkeypatch.delenv("SANEA_TEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("SANEA_TEST_REDIS_URL", raising=False)
    [entry] = _catalogue_cli(app, "--json", "--verify", "--only", "UC2101")
    assert (entry["id"], entry["covered"]) == ("UC2101", True)
    assert entry["tests"] and all(
        t.startswith("tests/plugins/regulatory_agency/") for t in entry["tests"])


def test_catalogue_text_has_one_aligned_line_per_use_case(app, collected_once):
    unclaimed = _unclaimed()
    assert unclaimed < "UC2099"
    result = app.test_cli_runner().invoke(
        args=["sanea", "catalogue", "--only", "UC2099", "--only", unclaimed])
    lines = result.stdout.rstrip("\n").splitlines()
    assert lines[0].split() == ["Caso", "Plugin", "Empresas", "Testes", "Situação",
                                "Nome"]
    assert lines[1].startswith(f"{unclaimed}  —  ")
    assert lines[2].split()[:3] == ["UC2099", "regulatory_agency", "CAERN"]
    tests_column = lines[0].index("Testes")
    assert lines[1][tests_column] == "0"
    assert lines[2][tests_column - 2:tests_column] == "  "
    assert lines[2][tests_column:].split()[0].isdigit()
    assert lines[3] == "2 casos de uso; 1 com plugin; 1 com testes marcados."


def test_render_text_marks_coverage():
    entries = [
        {"id": "UC2001", "name": "A", "plugin": None, "companies": [],
         "tests": [], "covered": False},
        {"id": "UC2002", "name": "B", "plugin": "p", "companies": ["X", "Y"],
         "tests": ["t1", "t2"], "covered": True},
    ]
    assert render_text(entries).splitlines() == [
        "Caso    Plugin  Empresas  Testes  Situação     Nome",
        "UC2001  —       —         0       não coberto  A",
        "UC2002  p       X,Y       2       coberto      B",
        "2 casos de uso; 1 com plugin; 1 com testes marcados; 1 cobertos.",
    ]


def _profile(slug: str, plugins: tuple[str, ...], aliases=()) -> CompanyProfile:
    return CompanyProfile(slug=slug, short_name=slug.upper(), legal_name=slug,
                          cnpj="", state="RN", ibge_code="", timezone="UTC",
                          regulator="", plugins=plugins, aliases=aliases)


def test_companies_include_profiles_loading_plugin_as_dependency():
    manifests = {
        "core": Manifest(name="core", title="Núcleo", version="1.0.0"),
        "base": Manifest(name="base", title="Base", version="1.0.0",
                         use_cases=("UC2010",)),
        "extra": Manifest(name="extra", title="Extra", version="1.0.0",
                          use_cases=("UC2011",), depends=("base",)),
    }
    assert loaded_plugins(_profile("a", ("extra",)), manifests) == {
        "core", "base", "extra"}
    assert use_case_plugins(manifests) == {"UC2010": "base", "UC2011": "extra"}


def test_profile_answers_for_spellings_of_the_list():
    caer = _profile("caer", (), aliases=("CAERR",))
    daae = _profile("daae_araraquara", (), aliases=("ARARAQUARA", "DAAE"))
    assert caer.answers_for("CAERR") and caer.answers_for(" caer ")
    assert daae.answers_for("Araraquara") and daae.answers_for("DAAE")
    assert not caer.answers_for("CAERD")


@pytest.fixture
def tiny_suite(tmp_path):
    """A throwaway test folder: pass, fail, skip, setup error, unmarked."""
    (tmp_path / "pytest.ini").write_text(textwrap.dedent("""\
        [pytest]
        markers = uc(id): use case
        """))
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "test_tiny.py").write_text(textwrap.dedent("""\
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("setup")

        @pytest.mark.uc("UC2001")
        def test_passes():
            assert 1 + 1 == 2

        @pytest.mark.uc("UC2001", "UC2002")
        def test_fails():
            assert 1 + 1 == 3

        @pytest.mark.uc("UC2003")
        def test_skips():
            pytest.skip("sem ferramenta")

        @pytest.mark.uc("UC2004")
        def test_setup_error(broken):
            pass

        def test_unmarked():
            pass
        """))
    return tmp_path


def test_marked_tests_are_collected_with_their_ids(tiny_suite):
    assert collect_marked_tests(tiny_suite / "cases", cwd=tiny_suite) == {
        "cases/test_tiny.py::test_passes": ["UC2001"],
        "cases/test_tiny.py::test_fails": ["UC2001", "UC2002"],
        "cases/test_tiny.py::test_skips": ["UC2003"],
        "cases/test_tiny.py::test_setup_error": ["UC2004"],
    }


def test_run_tests_reports_each_outcome(tiny_suite):
    marked = collect_marked_tests(tiny_suite / "cases", cwd=tiny_suite)
    assert run_tests(list(marked), cwd=tiny_suite) == {
        "cases/test_tiny.py::test_passes": "passed",
        "cases/test_tiny.py::test_fails": "failed",
        "cases/test_tiny.py::test_skips": "skipped",
        "cases/test_tiny.py::test_setup_error": "failed",
    }


def test_catalogue_only_takes_a_comma_list_and_refuses_unknown_ids(app, collected_once):
    entries = _catalogue_cli(app, "--json", "--only", "UC2099, uc2100",
                             "--only", "UC2101")
    assert [entry["id"] for entry in entries] == REGULATORY
    refused = app.test_cli_runner().invoke(
        args=["sanea", "catalogue", "--only", "UC2099,UC9999,UC0001"])
    assert refused.exit_code == 2
    assert "Caso(s) de uso desconhecido(s): UC0001, UC9999" in refused.output
