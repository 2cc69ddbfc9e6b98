"""The plugin contract: startup order, rule overrides, load failures, CLI."""

import sys
import types

import pluggy
import pytest

from core.company import CompanyProfile
from core.hookspecs import hookimpl
from core.plugins import PluginLoadError, build_plugin_manager, call_in_order
from tests.core.fake_plugins.alpha import CALLS

FAKES = {
    "alpha": "tests.core.fake_plugins.alpha",
    "beta": "tests.core.fake_plugins.beta",
    "broken": "tests.core.fake_plugins.broken",
    "optional_pkg": "tests.core.fake_plugins.optional_pkg.plugin",
    "typo": "tests.core.fake_plugins.typo",
}


@pytest.fixture
def fake_company(monkeypatch):
    """Install a throwaway company module enabling the given plugins."""

    def install(*plugins):
        module = types.ModuleType("companies.fakeco")
        module.PROFILE = CompanyProfile(
            slug="fakeco", short_name="FAKECO", legal_name="Companhia de Teste",
            cnpj="", state="RN", ibge_code="", timezone="America/Fortaleza",
            regulator="", plugins=plugins,
        )
        module.sanea_company_profile = hookimpl(lambda: module.PROFILE)
        monkeypatch.setitem(sys.modules, "companies.fakeco", module)
        return module

    return install


def test_startup_order_builtins_plugins_by_dependency_then_company(fake_company):
    fake_company("beta")  # alpha comes in as beta's dependency
    pm, _, order, _ = build_plugin_manager("fakeco", FAKES)
    names = [name for name, _ in pm.list_name_plugin()]
    assert names == ["core.builtins", "alpha", "beta", "companies.fakeco"]
    assert order == ["alpha", "beta"]
    CALLS.clear()
    call_in_order(pm, "sanea_models")
    assert CALLS == ["alpha", "beta"]


def test_company_hook_overrides_builtin_main_category():
    economies = {"residential": (1, 2), "commercial": (2, 2), "public": (4, 1)}
    caern, *_ = build_plugin_manager("caern")
    cagepa, *_ = build_plugin_manager("cagepa")
    assert caern.hook.sanea_main_category(economies=economies) == "commercial"
    assert cagepa.hook.sanea_main_category(economies=economies) == "residential"


def test_failing_plugin_stops_the_app(fake_company, make_app):
    fake_company("alpha", "broken")
    with pytest.raises(PluginLoadError) as error:
        build_plugin_manager("fakeco", FAKES)
    assert error.value.plugin == "broken"
    assert "biblioteca_inexistente" in str(error.value)


def test_optional_plugin_that_fails_is_skipped(fake_company, caplog):
    fake_company("alpha", "optional_pkg")
    pm, _, order, _ = build_plugin_manager("fakeco", FAKES)
    assert order == ["alpha"]
    assert "optional plugin optional_pkg skipped" in caplog.text


def test_misspelt_hook_fails_loudly(fake_company):
    fake_company("typo")
    with pytest.raises(pluggy.PluginValidationError, match="sanea_modles"):
        build_plugin_manager("fakeco", FAKES)


def test_unknown_plugin_is_refused(fake_company):
    fake_company("nao_existe")
    with pytest.raises(PluginLoadError, match="not installed"):
        build_plugin_manager("fakeco", FAKES)


def test_plugins_command_lists_plugins_in_startup_order(app):
    result = app.test_cli_runner().invoke(args=["sanea", "plugins"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "core 0.1.0 — Núcleo Sanea"
    agency = lines.index("regulatory_agency 0.1.0 — Agências de Regulação")
    assert lines[agency + 1] == "  casos de uso: UC2099, UC2100, UC2101"
    assert lines[-2] == "companies.caern (perfil da companhia)"
    assert "sanea_main_category" in lines[-1]
