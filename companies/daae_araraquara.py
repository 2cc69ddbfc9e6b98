"""DAAE — Departamento Autônomo de Água e Esgotos de Araraquara."""

from core.company import CompanyProfile
from core.hookspecs import hookimpl

PROFILE = CompanyProfile(
    slug="daae_araraquara",
    short_name="DAAE",
    legal_name="Departamento Autônomo de Água e Esgotos de Araraquara",
    cnpj="",  # not confirmed from a public source; required by documents
    state="SP",
    ibge_code="3503208",  # Araraquara
    timezone="America/Sao_Paulo",
    regulator="ARES-PCJ",
    pix_merchant_name="DAAE ARARAQUARA",
    pix_merchant_city="ARARAQUARA",
    municipal_holidays=((8, 22, "Aniversário de Araraquara"),),
    plugins=(),
    aliases=("ARARAQUARA", "DAAE", "DAAE ARARAQUARA"),
)


@hookimpl
def sanea_company_profile():
    return PROFILE
