"""CAER — Companhia de Águas e Esgotos de Roraima."""

from core.company import CompanyProfile
from core.hookspecs import hookimpl

PROFILE = CompanyProfile(
    slug="caer",
    short_name="CAER",
    legal_name="Companhia de Águas e Esgotos de Roraima",
    cnpj="",  # not confirmed from a public source; required by documents
    state="RR",
    ibge_code="1400100",  # Boa Vista
    timezone="America/Boa_Vista",
    regulator="",
    febraban_code="0004",
    barcode_modulus=10,
    pix_merchant_name="CAER",
    pix_merchant_city="BOA VISTA",
    municipal_holidays=((6, 9, "Aniversário de Boa Vista"),),
    plugins=("customer_access",),
    aliases=("CAERR",),
)


@hookimpl
def sanea_company_profile():
    return PROFILE
