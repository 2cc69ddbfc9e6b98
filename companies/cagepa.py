"""CAGEPA — Companhia de Água e Esgotos da Paraíba."""

from core.company import CompanyProfile
from core.hookspecs import hookimpl

PROFILE = CompanyProfile(
    slug="cagepa",
    short_name="CAGEPA",
    legal_name="Companhia de Água e Esgotos da Paraíba",
    cnpj="09123654000187",
    state="PB",
    ibge_code="2507507",  # João Pessoa
    timezone="America/Fortaleza",
    regulator="ARPB",
    febraban_code="",
    barcode_modulus=None,
    pix_merchant_name="CAGEPA",
    pix_merchant_city="JOAO PESSOA",
    municipal_holidays=((8, 5, "Nossa Senhora das Neves (João Pessoa)"),),
    plugins=(),
)


@hookimpl
def sanea_company_profile():
    return PROFILE
