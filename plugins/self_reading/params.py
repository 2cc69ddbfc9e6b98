"""Company parameters of self-reading, with the spec's (CAERN) defaults."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.parameters import ParameterSpec
from plugins.customer_access.params import read_all

PLUGIN = "self_reading"
IN_ANALYSIS, REJECT = "EM_ANALISE", "REJEITAR"
ACCESS_ANOMALIES = (
    "closed_property,fierce_animal,meter_hard_to_reach,"
    "meter_inside_property,meter_buried"
)


def _spec(key, kind, default, label, help_text, choices=(), **bounds):
    return ParameterSpec(PLUGIN, key, kind, default, label, help_text, choices,
                         **bounds)


SPECS = [
    _spec(
        "window_opens_days_before",
        "int",
        10,
        "Janela abre (dias antes)",
        "A janela da autoleitura abre tantos dias antes da leitura prevista "
        "(1 a 60).",
        minimum=1,
        maximum=60,
    ),
    _spec(
        "window_closes_days_before",
        "int",
        2,
        "Janela fecha (dias antes)",
        "A janela fecha tantos dias antes da leitura prevista (0 a 59; menos "
        "que a abertura).",
        maximum=59,
    ),
    _spec(
        "photo_required",
        "bool",
        True,
        "Foto obrigatória",
        "Exige a foto do hidrômetro junto com a leitura.",
    ),
    _spec(
        "photo_max_mb",
        "int",
        5,
        "Tamanho máximo da foto (MB)",
        "Fotos JPEG ou PNG até este tamanho (1 a 10 MB).",
        minimum=1,
        maximum=10,
    ),
    _spec(
        "out_of_range_policy",
        "choice",
        IN_ANALYSIS,
        "Leitura fora da faixa",
        "EM_ANALISE: guarda para análise no back-office; REJEITAR: recusa com "
        "422 LEITURA_FORA_DA_FAIXA.",
        (IN_ANALYSIS, REJECT),
    ),
    _spec(
        "months_without_reading_to_cancel",
        "int",
        2,
        "Meses sem leitura para cancelar",
        "Referências seguidas sem leitura que cancelam a adesão (INATIVIDADE).",
    ),
    _spec(
        "rejoin_grace_months",
        "int",
        6,
        "Carência para nova adesão (meses)",
        "Após cancelamento por inatividade, nova adesão só depois deste prazo.",
    ),
    _spec(
        "inspection_months",
        "str",
        "4,10",
        "Meses de vistoria",
        "Meses em que o leiturista visita também os imóveis aderidos.",
    ),
    _spec(
        "relation_types",
        "str",
        "user,responsible",
        "Vínculos que podem aderir",
        "Vínculos cliente-imóvel aceitos (user, responsible, owner).",
    ),
    _spec(
        "verifications_per_hour",
        "int",
        20,
        "Verificações por hora por imóvel",
        "Limite da verificação de leitura (UC2030) por imóvel.",
    ),
    _spec(
        "invitation_interval_days",
        "int",
        90,
        "Intervalo entre convites (dias)",
        "Um imóvel não recebe novo convite antes deste prazo.",
    ),
    _spec(
        "invitations_per_minute",
        "int",
        120,
        "Convites por minuto",
        "Ritmo de envio dos convites (0: sem limite).",
    ),
    _spec(
        "access_anomalies",
        "str",
        ACCESS_ANOMALIES,
        "Anormalidades de impedimento",
        "Códigos de anormalidade que indicam impedimento de leitura (convites com "
        "somente_com_impedimento_leitura).",
    ),
    _spec(
        "invitation_link",
        "str",
        "",
        "Link do convite",
        "Endereço do bot ou do portal; {codigo} é trocado pelo código do convite.",
    ),
]


@dataclass(frozen=True)
class SelfReadingParams:
    """The parameters as typed values."""

    opens_before: int
    closes_before: int
    photo_required: bool
    photo_max_bytes: int
    out_of_range_policy: str
    months_to_cancel: int
    grace_months: int
    inspection_months: tuple[int, ...]
    relation_types: tuple[str, ...]
    verifications_per_hour: int
    invitation_interval_days: int
    invitations_per_minute: int
    access_anomalies: tuple[str, ...]
    invitation_link: str


def _get(key: str):
    return read_all(PLUGIN, SPECS)[key]


def _items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in (text or "").split(",") if item.strip())


def load() -> SelfReadingParams:
    """Read the parameters (the defaults where a row is missing)."""
    return SelfReadingParams(
        opens_before=_get("window_opens_days_before"),
        closes_before=_get("window_closes_days_before"),
        photo_required=_get("photo_required"),
        photo_max_bytes=_get("photo_max_mb") * 1024 * 1024,
        out_of_range_policy=_get("out_of_range_policy"),
        months_to_cancel=_get("months_without_reading_to_cancel"),
        grace_months=_get("rejoin_grace_months"),
        inspection_months=tuple(int(m) for m in _items(_get("inspection_months"))),
        relation_types=_items(_get("relation_types")),
        verifications_per_hour=_get("verifications_per_hour"),
        invitation_interval_days=_get("invitation_interval_days"),
        invitations_per_minute=_get("invitations_per_minute"),
        access_anomalies=_items(_get("access_anomalies")),
        invitation_link=_get("invitation_link") or "",
    )
