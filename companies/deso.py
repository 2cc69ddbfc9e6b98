"""DESO — Companhia de Saneamento de Sergipe."""

from core.company import CompanyProfile
from core.hookspecs import hookimpl

PROFILE = CompanyProfile(
    slug="deso",
    short_name="DESO",
    legal_name="Companhia de Saneamento de Sergipe",
    cnpj="13018171000190",
    state="SE",
    ibge_code="2800308",  # Aracaju
    timezone="America/Maceio",
    regulator="AGRESE",
    pix_merchant_name="DESO",
    pix_merchant_city="ARACAJU",
    municipal_holidays=(
        (3, 17, "Aniversário de Aracaju"),
        (12, 8, "Nossa Senhora da Conceição (Aracaju)"),
    ),
    plugins=(),
)


@hookimpl
def sanea_company_profile():
    return PROFILE
