"""Decide one property's month: its consumption, then its bill.

Nothing here reads or writes the database: :mod:`core.billing.generate`
loads a batch of properties, calls :func:`decide_property` for each and
writes what comes back in a few statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.billing.context import BillingSettings, RouteRun
from core.billing.errors import BillingError
from core.billing.tariffs import TariffInfo, key_of
from core.services import barcode as bc
from core.services.billing_rules import (
    apply_credits,
    bill_txid,
    credit_balance,
    due_installment,
)
from core.services.consumption import (
    ConsumptionCategory,
    ConsumptionResult,
    MeterReading,
    MonthlyConsumption,
    ReaderAnomaly,
    average_consumption,
    compute_consumption,
    compute_unmeasured_consumption,
    minimum_consumption,
)
from core.services.identifiers import format_inscription
from core.services.money import ZERO, to_money
from core.services.pix import build_brcode
from core.services.tariff import (
    TariffBreakdown,
    TariffValidity,
    compute_charges_prorated,
)

#: Consumption types that count for the average of later months.
AVERAGE_TYPES = frozenset({"real", "estimated", "informed"})


@dataclass
class PropertyInput:
    """A property's rows as the queries of :mod:`core.billing.queries` read them."""

    row: tuple
    economies: list
    installation: tuple | None
    readings: list
    history: list
    debits: list
    credits: list


@dataclass
class Outcome:
    """What to write for one property."""

    property_id: int
    registration: int
    consumption: list[dict]
    reading: dict | None = None  # with "pk" to update, without it to insert
    held: str | None = None
    bill: dict | None = None
    categories: list[dict] = field(default_factory=list)
    bands: list[dict] = field(default_factory=list)
    billed_debits: list[dict] = field(default_factory=list)
    realised_credits: list[dict] = field(default_factory=list)
    debit_updates: list[dict] = field(default_factory=list)
    credit_updates: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: list[str] = field(default_factory=list)


@dataclass
class _Month:
    """The consumption decided for a property, with what produced it."""

    result: ConsumptionResult
    categories: list[ConsumptionCategory]
    validities: list[TariffValidity]
    tariff: TariffInfo
    start: date
    end: date
    previous_reading: int | None
    current: tuple | None
    anomaly_id: int | None


def is_billable(row: tuple, run: RouteRun) -> bool:
    """Tell whether the water or the sewer situation of a property bills."""
    return run.refs.water_bills(row.water_situation_id) or run.refs.sewer_bills(
        row.sewer_situation_id
    )


def decide_property(data: PropertyInput, run: RouteRun) -> Outcome:
    """Decide the consumption of a property and, unless held, its bill."""
    row = data.row
    month = _decide_month(data, run)
    held = _hold_reason(month, run)
    outcome = Outcome(
        row.id, row.registration, _consumption_rows(data, month, run, held)
    )
    outcome.reading = _reading_row(data, month, run)
    outcome.held = held
    outcome.counts.append(f"consumption_{month.result.type.value}")
    outcome.notes += _review_notes(month, run)
    if run.bill and outcome.held is None:
        _decide_bill(outcome, data, month, run)
    return outcome


def _review_notes(month: _Month, run: RouteRun) -> list[str]:
    """List an anomaly whose consumption rule was never reviewed."""
    if (
        month.anomaly_id is None
        or not run.refs.anomalies[month.anomaly_id].needs_review
    ):
        return []
    anomaly = run.refs.anomalies[month.anomaly_id]
    return [
        f"Anormalidade {anomaly.code} ({anomaly.label}) sem regra de consumo "
        "revisada: faturada pela regra padrão (média)."
    ]


# --- consumption ------------------------------------------------------------


def _subcategories(data: PropertyInput) -> tuple[tuple[int, int], ...]:
    if not data.economies:
        raise BillingError("Imóvel sem economias cadastradas.")
    return tuple((item.subcategory_id, item.category_id) for item in data.economies)


def _categories(
    data: PropertyInput, validity: TariffValidity, run: RouteRun
) -> list[ConsumptionCategory]:
    categories = []
    for _, subcategory_id, category_id, economies in data.economies:
        info = run.refs.categories[category_id]
        key = key_of(subcategory_id)
        categories.append(
            ConsumptionCategory(
                category=key,
                economies=economies,
                minimum_m3=validity.category(key).minimum_m3,
                excess_m3=info.excess_m3,
                excess_average_factor=info.excess_factor,
                high_m3=info.high_m3,
                high_average_factor=info.high_factor,
                low_consumption_average=info.low_average,
                low_consumption_percent=info.low_percent,
            )
        )
    return categories


def _main_key(data: PropertyInput, run: RouteRun) -> str | None:
    """Return the key of the main category when the property has several."""
    by_category: dict[int, int] = {}
    for _, _, category_id, economies in data.economies:
        by_category[category_id] = by_category.get(category_id, 0) + economies
    if len(by_category) < 2:
        return None
    refs = run.refs.categories
    code = run.main_category(
        {
            refs[cid].code: (refs[cid].sort_order, count)
            for cid, count in by_category.items()
        }
    )
    main_id = next(cid for cid in by_category if refs[cid].code == code)
    best = max(
        (item for item in data.economies if item.category_id == main_id),
        key=lambda item: item.economies,
    )
    return key_of(best.subcategory_id)


def _current_and_previous(data: PropertyInput, month: int):
    current = (
        data.readings[0]
        if data.readings and data.readings[0].reference_month == month
        else None
    )
    previous = next(
        (
            item
            for item in data.readings
            if item.reference_month < month and item.billed_reading is not None
        ),
        None,
    )
    return current, previous


def _decide_month(data: PropertyInput, run: RouteRun) -> _Month:
    """Decide the month's consumption and the period its tariff prices."""
    current, previous = _current_and_previous(data, run.month)
    end = current.informed_date if current and current.informed_date else None
    end = end or run.reading_date
    start = previous.billed_date if previous and previous.billed_date else None
    start = min(start or run.default_period_start(end), end)
    tariff = run.book.tariff_for(data.row.tariff_id)
    validities = run.book.validities(tariff, _subcategories(data), start, end)
    categories = _categories(data, validities[-1], run)
    fixed_minimum = data.row.fixed_minimum_m3
    informed_m3 = current.informed_consumption_m3 if current else None

    previous_reading = None
    if data.installation is None:
        result = compute_unmeasured_consumption(
            categories, fixed_minimum_m3=fixed_minimum, informed_m3=informed_m3
        )
    else:
        result, previous_reading = _measured(data, current, previous, categories, run)
    anomaly_id = current.anomaly_id if current else None
    return _Month(
        result,
        categories,
        validities,
        tariff,
        start,
        end,
        previous_reading,
        current,
        anomaly_id,
    )


def _measured(data, current, previous, categories, run) -> tuple:
    """Decide a metered property's consumption; return it and the previous reading."""
    anomaly_id = current.anomaly_id if current else None
    meter, previous_reading = _meter_reading(data, current, previous, anomaly_id, run)
    history = [
        MonthlyConsumption(
            item.reference_month,
            item.billed_m3,
            item.consumption_type in AVERAGE_TYPES and not item.held,
        )
        for item in data.history
    ]
    average = average_consumption(
        history, run.month, run.settings.average_months, run.settings.extra_months
    )
    result = compute_consumption(
        meter,
        categories,
        average=average,
        anomaly=_anomaly(anomaly_id, run),
        fixed_minimum_m3=data.row.fixed_minimum_m3,
        informed_m3=current.informed_consumption_m3 if current else None,
        cut=run.refs.water_code(data.row.water_situation_id) == "cut",
        main_category=_main_key(data, run),
    )
    return result, previous_reading


def _anomaly(anomaly_id: int | None, run: RouteRun) -> ReaderAnomaly | None:
    if anomaly_id is None:
        return None
    anomaly = run.refs.anomalies[anomaly_id]
    return ReaderAnomaly(
        anomaly.code, anomaly.rule_with_reading, anomaly.rule_without_reading
    )


def _meter_reading(
    data, current, previous, anomaly_id, run
) -> tuple[MeterReading, int]:
    """Return the month's meter reading and the previous reading it starts from."""
    _, installation_id, _, install_reading, digits = data.installation
    informed = current.informed_reading if current else None
    if anomaly_id is not None and not run.refs.anomalies[anomaly_id].accepts_reading:
        informed = None
    replaced = previous is not None and previous.installation_id not in (
        None,
        installation_id,
    )
    if previous is None or replaced:
        start, previous_is_real = install_reading, True
    else:
        start = previous.billed_reading
        previous_is_real = previous.informed_reading is not None
    meter = MeterReading(
        previous=start,
        current=informed,
        digits=digits,
        previous_is_real=previous_is_real,
        meter_replaced=replaced,
        installation_reading=install_reading,
    )
    return meter, start


def _hold_reason(month: _Month, run: RouteRun) -> str | None:
    """Return why the month is held for analysis, or None."""
    flags = {flag.value for flag in month.result.flags} & run.settings.hold_flags
    released = month.current is not None and month.current.analysis_released
    if not flags or released:
        return None
    labels = {"excess": "estouro", "high": "alto consumo", "low": "baixo consumo"}
    named = ", ".join(labels.get(flag, flag) for flag in sorted(flags))
    return (
        f"Consumo retido para análise ({named}): {month.result.consumption_m3} m³, "
        f"média {month.result.average_m3} m³."
    )


def _consumption_rows(
    data: PropertyInput, month: _Month, run: RouteRun, held: str | None
) -> list[dict]:
    result = month.result
    base = dict(
        property_id=data.row.id,
        reference_month=run.month,
        route_id=run.route_id,
        billed_m3=result.consumption_m3,
        consumption_type=result.type.value,
        average_m3=result.average_m3,
        minimum_m3=minimum_consumption(month.categories),
        measured_m3=result.measured_m3,
        anomaly_id=month.anomaly_id,
        held=held is not None,
    )
    flags = ",".join(sorted(flag.value for flag in result.flags))
    rows = [dict(base, connection_type="water", flags=flags)]
    if run.refs.sewer_bills(data.row.sewer_situation_id):
        rows.append(dict(base, connection_type="sewer", flags=""))
    return rows


def _reading_row(data: PropertyInput, month: _Month, run: RouteRun) -> dict | None:
    """Return the billed reading to store, for a measured property."""
    if data.installation is None:
        return None
    values = dict(
        installation_id=data.installation.id,
        previous_reading=month.previous_reading,
        previous_date=month.start,
        billed_reading=month.result.billed_reading,
        billed_date=month.end,
        measured_m3=month.result.measured_m3,
    )
    if month.current is not None:
        return dict(values, pk=month.current.id)
    return dict(
        values,
        property_id=data.row.id,
        reference_month=run.month,
        measurement_type="water",
        analysis_released=False,
    )


# --- bill ---------------------------------------------------------------------


def _price(data: PropertyInput, month: _Month, run: RouteRun) -> TariffBreakdown:
    sewer_bills = run.refs.sewer_bills(data.row.sewer_situation_id)
    percent = data.row.sewer_percent
    if percent is None:
        percent = month.tariff.sewer_percent
    economies = {key_of(item.subcategory_id): item.economies for item in data.economies}
    start = max(month.start, month.validities[0].valid_from)
    return compute_charges_prorated(
        month.validities,
        start,
        month.end,
        month.result.consumption_m3,
        economies,
        sewer_percent=Decimal(percent) if sewer_bills else 0,
        rounding=run.settings.rounding,
    )


def _decide_bill(outcome: Outcome, data: PropertyInput, month: _Month, run: RouteRun):
    breakdown = _price(data, month, run)
    water_bills = run.refs.water_bills(data.row.water_situation_id)
    water = breakdown.water if water_bills else ZERO
    sewer = breakdown.sewer
    debits = _debits(outcome, data, run)
    charge = water + sewer + debits
    if charge <= 0:
        outcome.counts.append("zero_value")
        return
    credits = _credits(outcome, data, charge, run)
    total = charge - credits
    outcome.bill = _bill_row(
        data, month, run, breakdown, water, sewer, debits, credits, total
    )
    outcome.categories, outcome.bands = bill_lines(
        [(i.subcategory_id, i.category_id, i.economies) for i in data.economies],
        [category.minimum_m3 for category in month.categories],
        breakdown,
        water_bills,
        run.month,
    )
    outcome.counts.append("billed")


def _debits(outcome: Outcome, data: PropertyInput, run: RouteRun) -> Decimal:
    total = ZERO
    for _, debit_id, debit_type_id, amount, installments, billed in data.debits:
        due = due_installment(debit_id, Decimal(amount), installments, billed)
        if due is None:
            continue
        total += due.amount
        outcome.billed_debits.append(
            dict(
                reference_month=run.month,
                pending_debit_id=debit_id,
                debit_type_id=debit_type_id,
                installment_number=due.number,
                installments=installments,
                amount=due.amount,
            )
        )
        outcome.debit_updates.append(
            dict(
                pk=debit_id,
                installments_billed=due.number,
                status="finished" if due.finishes else "pending",
            )
        )
    return total


def _credits(outcome: Outcome, data: PropertyInput, charge: Decimal, run) -> Decimal:
    balances, rows = [], {}
    for _, credit_id, type_id, amount, installments, realised, residual in data.credits:
        balances.append(
            credit_balance(
                credit_id, Decimal(amount), installments, realised, Decimal(residual)
            )
        )
        rows[credit_id] = (type_id, installments, realised)
    used_total = ZERO
    for use in apply_credits(charge, balances):
        type_id, installments, realised = rows[use.credit_id]
        realised = use.installment_number or realised
        if use.used > 0:
            used_total += use.used
            outcome.realised_credits.append(
                dict(
                    reference_month=run.month,
                    pending_credit_id=use.credit_id,
                    credit_type_id=type_id,
                    installment_number=use.installment_number,
                    amount=use.used,
                )
            )
        finished = realised >= installments and use.residual == 0
        outcome.credit_updates.append(
            dict(
                pk=use.credit_id,
                installments_realised=realised,
                residual=use.residual,
                status="finished" if finished else "pending",
            )
        )
    return used_total


def bill_identifiers(
    total: Decimal,
    locality_code: int,
    registration: int,
    month: int,
    version: int,
    settings: BillingSettings,
) -> dict:
    """Return the barcode, typed line, Pix code and reference digit of a bill."""
    year, number = divmod(month, 100)
    barcode = bc.build_bill_barcode(
        total,
        settings.febraban_code,
        locality_code,
        registration,
        year,
        number,
        settings.modulus,
    )
    pix_code = None
    if settings.pix and total > 0:
        key, name, city = settings.pix
        txid = bill_txid(registration, month, version)
        pix_code = build_brcode(key, total, name, city, txid)
    return dict(
        barcode=barcode,
        typed_line=bc.typed_line(barcode),
        pix_code=pix_code,
        reference_check_digit=bc.reference_check_digit(year, number),
    )


def _bill_row(
    data, month: _Month, run: RouteRun, breakdown, water, sewer, debits, credits, total
) -> dict:
    row, settings = data.row, run.settings
    current = month.current
    return dict(
        property_id=row.id,
        reference_month=run.month,
        version=0,
        status="normal",
        billing_group_id=run.group_id,
        route_id=run.route_id,
        locality_id=row.locality_id,
        inscription=format_inscription(
            row.locality_code, row.sector_code, row.block_number, row.lot, row.sublot
        ),
        tariff_id=month.tariff.id,
        consumption_type=month.result.type.value,
        water_m3=month.result.consumption_m3,
        sewer_m3=breakdown.sewer_m3,
        sewer_percent=breakdown.sewer_percent,
        period_start=month.start,
        period_end=month.end,
        previous_reading=month.previous_reading,
        current_reading=current.informed_reading if current else None,
        previous_reading_date=month.start if data.installation else None,
        current_reading_date=current.informed_date if current else None,
        water_value=water,
        sewer_value=sewer,
        debits_value=debits,
        credits_value=credits,
        taxes_value=ZERO,
        total=total,
        rounding=settings.rounding,
        issued_on=run.issued_on,
        due_date=run.due_date,
        original_due_date=run.due_date,
        job_run_id=run.job_run_id,
        **bill_identifiers(
            total, row.locality_code, row.registration, run.month, 0, settings
        ),
    )


def bill_lines(
    economies: list[tuple[int, int, int]],
    minimums: list[int],
    breakdown: TariffBreakdown,
    water_bills: bool,
    month: int,
) -> tuple[list[dict], list[dict]]:
    """Return a bill's lines per subcategory and per band.

    ``economies`` holds (subcategory id, category id, economies) in the
    order the breakdown priced them; ``minimums`` their minimum m³ per
    economy.
    """
    categories, bands = [], []
    last = breakdown.shares[-1]
    for position, amounts in enumerate(breakdown.categories):
        subcategory_id, category_id, count = economies[position]
        charge = last.water[position]
        sewer_charge = last.sewer[position] if last.sewer else None
        categories.append(
            dict(
                reference_month=month,
                category_id=category_id,
                subcategory_id=subcategory_id,
                economies=count,
                minimum_m3=minimums[position] * count,
                minimum_value=charge.minimum_value * count,
                water_m3=charge.volume_m3,
                water_value=amounts.water if water_bills else ZERO,
                sewer_m3=sewer_charge.volume_m3 if sewer_charge else 0,
                sewer_value=amounts.sewer,
            )
        )
        for share in breakdown.shares:
            for line in share.water[position].bands:
                bands.append(
                    dict(
                        reference_month=month,
                        category_id=category_id,
                        subcategory_id=subcategory_id,
                        valid_from=share.valid_from,
                        start_m3=line.start_m3,
                        end_m3=line.end_m3,
                        price_per_m3=line.price_per_m3,
                        volume_m3=line.volume_m3 * count,
                        water_value=to_money(line.amount * count * share.weight),
                    )
                )
    return categories, bands
