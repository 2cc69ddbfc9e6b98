"""CAERN — Companhia de Águas e Esgotos do Rio Grande do Norte."""

from core.company import CompanyProfile
from core.hookspecs import hookimpl

PROFILE = CompanyProfile(
    slug="caern",
    short_name="CAERN",
    legal_name="Companhia de Águas e Esgotos do Rio Grande do Norte",
    cnpj="08334385000135",
    state="RN",
    ibge_code="2408102",  # Natal
    timezone="America/Fortaleza",
    regulator="ARSEP",
    febraban_code="0006",
    barcode_modulus=10,
    pix_key="",
    pix_merchant_name="CAERN",
    pix_merchant_city="NATAL",
    municipal_holidays=(
        (1, 6, "Santos Reis (Natal)"),
        (11, 21, "Nossa Senhora da Apresentação (Natal)"),
    ),
    plugins=("regulatory_agency", "self_reading"),
)


@hookimpl
def sanea_company_profile():
    return PROFILE


@hookimpl
def sanea_main_category(economies):
    """Break ties on the highest category, as CAERN's GSAN does."""
    best = max(count for _, count in economies.values())
    tied = [code for code, (_, count) in economies.items() if count == best]
    return max(tied, key=lambda code: economies[code][0])
