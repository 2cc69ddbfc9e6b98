"""Describe a utility: identity, collection codes, holidays and plugins.

Each ``companies/<slug>.py`` builds one ``CompanyProfile``. A value that is
not public is left empty; whatever needs it calls ``require`` and refuses to
run with a message that names the missing parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class MissingCompanyParameter(RuntimeError):
    """A feature needs a company value that the profile leaves empty."""

    def __init__(self, company: str, name: str, label: str):
        super().__init__(
            f"Parâmetro da companhia não informado: {name} ({label}) — "
            f"preencha-o no perfil {company} antes de usar esta função."
        )
        self.name = name


_LABELS = {
    "legal_name": "razão social",
    "cnpj": "CNPJ",
    "state": "UF",
    "ibge_code": "código IBGE do município sede",
    "timezone": "fuso horário",
    "regulator": "agência reguladora",
    "febraban_code": "código FEBRABAN da empresa",
    "barcode_modulus": "módulo do dígito do código de barras",
    "pix_key": "chave PIX",
    "pix_merchant_name": "nome do recebedor PIX",
    "pix_merchant_city": "cidade do recebedor PIX",
}


@dataclass(frozen=True)
class CompanyProfile:
    """One utility's identity and the initial values of its parameters."""

    slug: str
    short_name: str
    legal_name: str
    cnpj: str
    state: str
    ibge_code: str
    timezone: str
    regulator: str
    febraban_code: str = ""
    barcode_modulus: int | None = None
    pix_key: str = ""
    pix_merchant_name: str = ""
    pix_merchant_city: str = ""
    municipal_holidays: tuple[tuple[int, int, str], ...] = ()
    plugins: tuple[str, ...] = ()
    parameters: dict[str, object] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    def require(self, name: str):
        """Return a profile value, refusing when the profile leaves it empty."""
        value = getattr(self, name)
        if value in ("", None):
            raise MissingCompanyParameter(self.slug, name, _LABELS.get(name, name))
        return value

    def answers_for(self, company_name: str) -> bool:
        """Tell whether a company name of the use-case list means this profile."""
        names = {self.short_name.upper(), self.slug.upper(), *self.aliases}
        return company_name.strip().upper() in names
