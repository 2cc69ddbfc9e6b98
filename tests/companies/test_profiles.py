"""Company profiles: identity, aliases and refusal of missing values."""

import importlib

import pytest

from core.company import MissingCompanyParameter
from core.services.identifiers import validate_cnpj

SLUGS = ["caern", "cagepa", "deso", "daae_araraquara", "caer"]


def _profile(slug):
    return importlib.import_module(f"companies.{slug}").PROFILE


@pytest.mark.parametrize("slug", SLUGS)
def test_profile_identity_is_consistent(slug):
    profile = _profile(slug)
    assert profile.slug == slug
    assert len(profile.state) == 2 and profile.state.isupper()
    assert len(profile.ibge_code) == 7 and profile.ibge_code.isdigit()
    assert profile.timezone.startswith("America/")
    assert profile.cnpj == "" or validate_cnpj(profile.cnpj)
    assert profile.pix_merchant_city == profile.pix_merchant_city.upper()


def test_profiles_answer_for_the_spellings_of_the_use_case_list():
    assert _profile("daae_araraquara").answers_for("ARARAQUARA")
    assert _profile("daae_araraquara").answers_for("DAAE")
    assert _profile("caer").answers_for("CAERR")
    assert _profile("caer").answers_for("caer")
    assert not _profile("caern").answers_for("CAER")


def test_missing_public_value_is_refused_naming_the_parameter():
    with pytest.raises(MissingCompanyParameter) as error:
        _profile("cagepa").require("febraban_code")
    assert "febraban_code (código FEBRABAN da empresa)" in str(error.value)
    assert "cagepa" in str(error.value)
    assert _profile("caern").require("febraban_code") == "0006"


def test_caer_runs_on_roraima_time():
    assert _profile("caer").timezone == "America/Boa_Vista"
