"""Provide the core's default rules and contributions as a built-in plugin.

Every rule here is ``trylast``: a company profile, registered last,
replaces it by implementing the same hook.
"""

from __future__ import annotations

from core.domain.parameters import ParameterSpec
from core.hookspecs import hookimpl
from core.manifest import Manifest

MANIFEST = Manifest(name="core", title="Núcleo Sanea", version="0.1.0")


@hookimpl(trylast=True)
def sanea_manifest():
    return MANIFEST


@hookimpl(trylast=True)
def sanea_models():
    from core.domain import import_models

    import_models()


@hookimpl(trylast=True)
def sanea_parameters():
    return [
        ParameterSpec(
            "core", "bill_rounding", "choice", "component",
            "Arredondamento da conta",
            "component: água e esgoto arredondados separadamente; total: só o "
            "total da conta é arredondado.",
            ("component", "total"),
        ),
        ParameterSpec(
            "core", "default_request_deadline_days", "int", 15,
            "Prazo padrão de atendimento (dias)",
            "Usado quando uma especificação importada não traz prazo.",
        ),
    ]


@hookimpl(trylast=True)
def sanea_main_category(economies):
    """Pick the category with most economies; ties go to the lowest order."""
    best = max(count for _, count in economies.values())
    tied = [code for code, (_, count) in economies.items() if count == best]
    return min(tied, key=lambda code: economies[code][0])


@hookimpl(trylast=True)
def sanea_business_calendar(profile):
    from core.services.calendar import BusinessCalendar

    return BusinessCalendar(
        state=profile.state,
        municipal_holidays=[(m, d) for m, d, _ in profile.municipal_holidays],
    )


@hookimpl(trylast=True)
def sanea_reports():
    from core.reports import core_reports

    return core_reports()


@hookimpl(trylast=True)
def sanea_jobs():
    from core.toolkits.reports import report_jobs

    return report_jobs()


@hookimpl(trylast=True, specname="sanea_jobs")
def sanea_jobs_gsan_import():
    """Register the GSAN import job (``core.import_gsan``)."""
    from core.gsan_import.job import job_definition

    return [job_definition()]


@hookimpl(trylast=True, specname="sanea_jobs")
def sanea_jobs_billing():
    """Register the billing cycle's jobs (``billing.*``)."""
    from core.billing.jobs import billing_jobs

    return billing_jobs()


@hookimpl(trylast=True, specname="sanea_parameters")
def sanea_parameters_billing():
    """Declare the parameters of consumption and billing."""
    return [
        ParameterSpec(
            "core", "consumption_average_months", "int", 6,
            "Meses da média de consumo",
            "Quantos meses válidos anteriores entram na média de consumo do imóvel.",
            minimum=1, maximum=24,
        ),
        ParameterSpec(
            "core", "consumption_average_extra_months", "int", 6,
            "Meses adicionais para achar a média",
            "Até quantos meses além da janela procurar quando faltar histórico.",
            maximum=24,
        ),
        ParameterSpec(
            "core", "consumption_hold_flags", "str", "excess,high,low",
            "Consumos retidos para análise",
            "Ocorrências que retêm a conta para análise, separadas por vírgula: "
            "excess (estouro), high (alto consumo), low (baixo consumo).",
        ),
    ]


@hookimpl(trylast=True, specname="sanea_reference_data")
def sanea_reference_data_billing():
    """Seed the credit types the billing cycle ships."""
    from core.billing import REFERENCE_DIR

    return [str(REFERENCE_DIR / "credit_type.csv")]


@hookimpl(trylast=True, specname="sanea_demo_data")
def sanea_demo_data_billing(session, rng):
    """Prepare the demo's last month for billing: tariff, schedules, readings."""
    from core.billing.demo import lay_billing_demo

    lay_billing_demo(session, rng)


@hookimpl(trylast=True, specname="sanea_parameters")
def sanea_parameters_collection():
    """Declare the parameters of service, payments, collection and installments."""
    from core.collection.hooks import parameters

    return parameters()


@hookimpl(trylast=True, specname="sanea_reference_data")
def sanea_reference_data_collection():
    """Seed channels, closing reasons, service types, debit types and actions."""
    from core.collection.hooks import reference_files

    return reference_files()


@hookimpl(trylast=True, specname="sanea_jobs")
def sanea_jobs_collection():
    """Register the jobs ``payments.*``, ``collection.*`` and ``service.*``."""
    from core.collection.hooks import jobs

    return jobs()


@hookimpl(trylast=True)
def sanea_references_to_regulator(regulator_id):
    from core.service.commands import count_requests_of_regulator

    return ("registros de atendimento", count_requests_of_regulator(regulator_id))


@hookimpl(trylast=True)
def sanea_work_order_updates():
    from core.service.updates import CORE_UPDATES

    return CORE_UPDATES


@hookimpl(trylast=True)
def sanea_work_order_closed(work_order):
    from core.collection.hooks import work_order_closed

    work_order_closed(work_order)
