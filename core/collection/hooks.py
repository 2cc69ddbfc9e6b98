"""What the core's built-in plugin contributes for service, payments and collection.

``core.builtins`` delegates here: the typed parameters, the reference files
and the reaction to a closed work order. Kept free of model imports at
module level, because ``core.builtins`` imports it at startup.
"""

from __future__ import annotations

from pathlib import Path

from core.domain.parameters import ParameterSpec

CORE = Path(__file__).resolve().parent.parent
REFERENCE_FILES = [
    CORE / "collection" / "reference" / "debit_type.csv",
    CORE / "service" / "reference" / "request_channel.csv",
    CORE / "service" / "reference" / "closing_reason.csv",
    CORE / "service" / "reference" / "service_type.csv",
    CORE / "collection" / "reference" / "collection_action.csv",
]


def _spec(key, kind, default, label, help_text, choices=()) -> ParameterSpec:
    return ParameterSpec("core", key, kind, default, label, help_text, choices)


SERVICE_PARAMETERS = [
    _spec("request_deadline_mode", "choice", "calendar",
          "Contagem do prazo do registro de atendimento",
          "calendar: dias corridos; business: dias úteis; calendar_rolled: dias "
          "corridos prorrogados para o próximo dia útil.",
          ("calendar", "business", "calendar_rolled")),
]

PAYMENT_PARAMETERS = [
    _spec("payment_tolerance", "decimal", "0.03",
          "Tolerância na classificação de pagamentos (R$)",
          "Diferença entre o valor pago e o devido aceita como pagamento integral."),
]

LATE_CHARGE_PARAMETERS = [
    _spec("late_fine_percent", "decimal", "2", "Multa por impontualidade (%)",
          "Percentual da multa sobre o valor em atraso."),
    _spec("late_fine_mode", "choice", "once", "Forma da multa",
          "once: cobrada uma vez; daily: percentual por dia de atraso, até o limite.",
          ("once", "daily")),
    _spec("late_fine_cap_percent", "decimal", "", "Limite da multa (%)",
          "Vazio: sem limite."),
    _spec("late_interest_percent", "decimal", "1", "Juros de mora (% ao mês)",
          "Percentual mensal (ou diário, na forma daily)."),
    _spec("late_interest_mode", "choice", "pro_rata_die", "Forma dos juros",
          "pro_rata_die: mensal proporcional aos dias (mês de 30 dias); monthly: "
          "por mês completo; daily: percentual por dia.",
          ("pro_rata_die", "monthly", "daily")),
    _spec("late_interest_cap_percent", "decimal", "", "Limite dos juros (%)",
          "Vazio: sem limite."),
    _spec("late_tolerance_business_days", "int", 0,
          "Dias úteis de tolerância para acréscimos",
          "Atrasos de até este número de dias úteis não pagam acréscimos."),
    _spec("monetary_update_after_months", "int", "",
          "Atualização monetária após (meses)",
          "Só atualiza débitos com mais meses de atraso; vazio: sempre que houver "
          "índice cadastrado."),
]

COLLECTION_PARAMETERS = [
    _spec("statement_validity_days", "int", 5, "Validade do extrato de débitos (dias)",
          "Dias corridos, prorrogados para o próximo dia útil, até o vencimento."),
    _spec("slip_due_days", "int", 5, "Vencimento da guia de pagamento (dias úteis)",
          "Dias úteis entre a emissão e o vencimento de uma guia."),
    _spec("reconnection_work_order", "choice", "off",
          "Ordem de religação automática",
          "off: nunca; paid: quando o débito do imóvel cortado for pago; "
          "paid_or_down_payment: também quando a entrada do parcelamento for paga.",
          ("off", "paid", "paid_or_down_payment")),
    _spec("cancel_collection_orders_on_payment", "bool", True,
          "Encerrar ordens de corte quando o débito for pago",
          "Encerra sem execução as ordens de corte pendentes do imóvel que quitou "
          "ou parcelou o débito."),
]

INSTALLMENT_PARAMETERS = [
    _spec("installment_max", "int", 12, "Parcelamento: número máximo de parcelas", ""),
    _spec("installment_interest_percent", "decimal", "0",
          "Parcelamento: juros (% ao mês)", ""),
    _spec("installment_min_down_payment_percent", "decimal", "10",
          "Parcelamento: entrada mínima (% do débito)", ""),
    _spec("installment_minimum_value", "decimal", "10.00",
          "Parcelamento: valor mínimo da parcela (R$)", ""),
    _spec("installment_formula", "choice", "compound", "Parcelamento: fórmula",
          "compound: juros compostos divididos em parcelas iguais (padrão GSAN); "
          "price: tabela Price.", ("compound", "price")),
    _spec("installment_down_payment_days", "int", 5,
          "Parcelamento: prazo da entrada (dias úteis)", ""),
]


def parameters() -> list[ParameterSpec]:
    """Return the typed parameters of service, payments and collection."""
    return (SERVICE_PARAMETERS + PAYMENT_PARAMETERS + LATE_CHARGE_PARAMETERS
            + COLLECTION_PARAMETERS + INSTALLMENT_PARAMETERS)


def reference_files() -> list[str]:
    """Return the reference CSV files of service, payments and collection."""
    return [str(path) for path in REFERENCE_FILES]


def jobs() -> list:
    """Return the jobs of payments, collection and service."""
    from core.collection import jobs as collection_jobs

    return collection_jobs.definitions()


def work_order_closed(work_order) -> None:
    """Update the collection document that issued a work order just closed."""
    from core.collection.documents import work_order_closed as update_document

    update_document(work_order)
