"""Decide a month's billed consumption from readings, history and anomalies.

The rules are GSAN's "consistir leituras e calcular consumos"
(core-domain.md §3.1, step 3) with the one rollover rule of
specs/README.md rule 2:

- the average is the integer mean of the last valid months before the
  reference, looking further back over months without history; with no
  history it is the property's minimum consumption;
- a reading above the previous one bills the difference; a lower reading is
  a meter rollover when the consumption it implies is positive and at most
  max(200, 2 × average), otherwise the reading is refused and the average
  is billed;
- a reader's anomaly may replace the measured consumption by the average,
  the minimum, nothing, or the greater or lesser of measured and average;
- the result is checked against the category thresholds for excess, high
  and low consumption, then floored at the connection's fixed minimum; an
  informed consumption overrides everything.

Limitations: the actions GSAN takes on an excess or high consumption
(``consumo_anorm_acao``: bill the average, hold the bill, open a work order)
belong to the caller, which receives the flags; special billing situations
(``fatur_situacao_hist``) and non-measured area tables are not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

ROLLOVER_FLOOR_M3 = 200


class ConsumptionType(StrEnum):
    """How the billed consumption was obtained (GSAN ``consumo_tipo``)."""

    REAL = "real"  # 1: both readings taken by a reader
    ESTIMATED = "estimated"  # 6: measured, but a reading was not real
    AVERAGE = "average"  # 3: the property's average
    MINIMUM = "minimum"  # 7: the minimum consumption
    INFORMED = "informed"  # 4: typed by staff
    NO_CONSUMPTION = "no_consumption"  # 8: nothing billed for consumption


class ConsumptionFlag(StrEnum):
    """What was noticed while deciding the consumption (``consumo_anormalidade``)."""

    INFORMED = "informed"  # 2
    LOW = "low"  # 4
    EXCESS = "excess"  # 5
    HIGH = "high"  # 6
    LOWER_THAN_PROJECTED = "lower_than_projected"  # 7
    LOWER_THAN_PREVIOUS = "lower_than_previous"  # 8
    METER_REPLACED = "meter_replaced"  # 9 (14 without a reading)
    READING_MISSING = "reading_missing"  # 10
    FIXED_MINIMUM = "fixed_minimum"  # 12
    OUT_OF_RANGE = "out_of_range"  # 13
    ROLLOVER = "rollover"  # 16
    READER_ANOMALY = "reader_anomaly"  # 17


class AnomalyRule(StrEnum):
    """What to bill when the reader reports an anomaly."""

    MEASURED = "measured"
    AVERAGE = "average"
    MINIMUM = "minimum"
    NONE = "none"
    GREATER = "greater"  # the greater of measured and average
    LESSER = "lesser"  # the lesser of measured and average


# Flags that mean the reading itself is doubtful: no threshold checks then.
_UNRELIABLE = frozenset(
    {
        ConsumptionFlag.LOWER_THAN_PROJECTED,
        ConsumptionFlag.LOWER_THAN_PREVIOUS,
        ConsumptionFlag.METER_REPLACED,
    }
)


@dataclass(frozen=True)
class MonthlyConsumption:
    """A month of billed consumption history.

    ``counts_for_average`` is false for months whose consumption type or
    anomaly must stay out of the average.
    """

    reference: int  # YYYYMM
    billed_m3: int
    counts_for_average: bool = True


@dataclass(frozen=True)
class ConsumptionCategory:
    """A category of the property, its economies and consumption thresholds.

    Thresholds are per economy except the ``*_factor`` ones, which multiply
    the average; a ``None`` threshold disables its check.
    """

    category: str
    economies: int
    minimum_m3: int = 0
    economy_factor: int | None = None
    excess_m3: int | None = None
    excess_average_factor: Decimal | None = None
    high_m3: int | None = None
    high_average_factor: Decimal | None = None
    low_consumption_average: int | None = None
    low_consumption_percent: Decimal | None = None


@dataclass(frozen=True)
class MeterReading:
    """The readings of a measured connection for the month.

    ``current`` is ``None`` when there is no reading. A replaced meter is
    read from ``installation_reading``, the new meter's first reading.
    """

    previous: int
    current: int | None
    digits: int
    previous_is_real: bool = True
    current_is_real: bool = True
    meter_replaced: bool = False
    installation_reading: int = 0


@dataclass(frozen=True)
class ReaderAnomaly:
    """A reader's anomaly code and the rules it implies."""

    code: str
    rule_with_reading: AnomalyRule = AnomalyRule.MEASURED
    rule_without_reading: AnomalyRule = AnomalyRule.AVERAGE


@dataclass(frozen=True)
class ConsumptionResult:
    """The consumption to bill, how it was obtained and what was noticed."""

    consumption_m3: int
    type: ConsumptionType
    flags: frozenset[ConsumptionFlag]
    average_m3: int
    measured_m3: int | None = None
    billed_reading: int | None = None


def average_consumption(
    history: Iterable[MonthlyConsumption],
    reference: int,
    months: int = 6,
    max_extra_months: int = 6,
) -> int | None:
    """Return the integer average of the ``months`` valid months before ``reference``.

    The window starts at the month before ``reference``; months with no
    valid history are skipped by looking up to ``max_extra_months`` further
    back (``parm_nnmesescalcmediacons`` and ``parm_nnmesesmaximocalculomedia``).
    ``None`` means no valid month was found.
    """
    if months < 1:
        raise ValueError("A média exige pelo menos um mês.")
    valid = {
        item.reference: item.billed_m3 for item in history if item.counts_for_average
    }

    found: list[int] = []
    month = previous_reference(reference)
    for _ in range(months + max_extra_months):
        if month in valid:
            found.append(valid[month])
            if len(found) == months:
                break
        month = previous_reference(month)
    if not found:
        return None
    return sum(found) // len(found)


def previous_reference(reference: int) -> int:
    """Return the YYYYMM reference of the month before ``reference``."""
    month = reference % 100
    if not 1 <= month <= 12:
        raise ValueError(f"Referência inválida: {reference}.")
    return reference - 89 if month == 1 else reference - 1


def minimum_consumption(categories: Sequence[ConsumptionCategory]) -> int:
    """Return Σ minimum m³ × economies (or × the category's economy factor)."""
    return sum(
        item.minimum_m3 * (item.economy_factor or item.economies) for item in categories
    )


def register_limit(digits: int) -> int:
    """Return the highest reading a register of ``digits`` digits shows."""
    if digits < 1:
        raise ValueError("O hidrômetro deve ter pelo menos um dígito.")
    return 10**digits - 1


def rollover_consumption(
    previous: int, current: int, digits: int, average: int
) -> int | None:
    """Return the consumption of a lower reading if it is a rollover, else ``None``.

    The candidate ``current + 10^digits − previous`` is accepted when it is
    positive and at most max(200, 2 × average).
    """
    candidate = current + 10**digits - previous
    if 0 < candidate <= max(ROLLOVER_FLOOR_M3, 2 * average):
        return candidate
    return None


def expected_consumption_range(average: int) -> tuple[int, int]:
    """Return the m³ range expected over the previous reading for ``average``."""
    if average <= 10:
        return 0, average + 10
    low, high = _range_factors(average)
    return _round_unit(low * average), _round_unit(high * average)


def expected_reading_range(previous: int, average: int, digits: int) -> tuple[int, int]:
    """Return the readings expected this month; bounds past the register wrap."""
    low, high = expected_consumption_range(average)
    modulus = 10**digits
    return (previous + low) % modulus, (previous + high) % modulus


def check_thresholds(
    consumption: int,
    average: int,
    categories: Sequence[ConsumptionCategory],
    *,
    consumption_is_real: bool = True,
    cut: bool = False,
    has_well: bool = False,
    main_category: str | None = None,
) -> frozenset[ConsumptionFlag]:
    """Flag an excess, high or low consumption against the category thresholds.

    Excess and high compare with Σ threshold × economies *and* with the
    average times the factor of the category with most economies; low
    consumption is checked only for real readings of connections that are
    not cut and have no well. ``main_category`` is the code the company's
    rule picks (``sanea_main_category``); by default the category with most
    economies, the first listed on a tie.
    """
    main = _main_category(categories, main_category)
    flags: set[ConsumptionFlag] = set()
    excess = _above(
        consumption, average, categories, main, "excess_m3", "excess_average_factor"
    )
    if excess:
        flags.add(ConsumptionFlag.EXCESS)
    elif _above(
        consumption, average, categories, main, "high_m3", "high_average_factor"
    ):
        flags.add(ConsumptionFlag.HIGH)
    if (
        consumption_is_real
        and not cut
        and not has_well
        and _is_low(consumption, average, categories, main)
    ):
        flags.add(ConsumptionFlag.LOW)
    return frozenset(flags)


def compute_consumption(
    reading: MeterReading,
    categories: Sequence[ConsumptionCategory],
    *,
    average: int | None,
    anomaly: ReaderAnomaly | None = None,
    fixed_minimum_m3: int | None = None,
    informed_m3: int | None = None,
    cut: bool = False,
    has_well: bool = False,
    main_category: str | None = None,
) -> ConsumptionResult:
    """Decide the billed consumption of a measured connection for the month.

    ``average`` is the result of :func:`average_consumption`; ``None`` falls
    back to the minimum consumption of ``categories``.
    """
    minimum = minimum_consumption(categories)
    mean = minimum if average is None else average

    # The reading, the rollover test and the reader's anomaly.
    measured = _measure(reading, mean)
    result = _apply_anomaly(measured, reading, anomaly, mean, minimum)

    # Thresholds, unless the reading itself is doubtful.
    flags = set(result.flags)
    if not flags & _UNRELIABLE:
        flags |= check_thresholds(
            result.consumption_m3,
            mean,
            categories,
            consumption_is_real=result.type is ConsumptionType.REAL,
            cut=cut,
            has_well=has_well,
            main_category=main_category,
        )
    consumption, kind = result.consumption_m3, result.type

    # The connection's fixed minimum, then a consumption typed by staff.
    if fixed_minimum_m3 is not None and consumption < fixed_minimum_m3:
        consumption, kind = fixed_minimum_m3, ConsumptionType.MINIMUM
        flags.add(ConsumptionFlag.FIXED_MINIMUM)
    if informed_m3 is not None:
        consumption, kind = informed_m3, ConsumptionType.INFORMED
        flags.add(ConsumptionFlag.INFORMED)

    return ConsumptionResult(
        consumption_m3=consumption,
        type=kind,
        flags=frozenset(flags),
        average_m3=mean,
        measured_m3=result.measured_m3,
        billed_reading=result.billed_reading,
    )


def compute_unmeasured_consumption(
    categories: Sequence[ConsumptionCategory],
    *,
    fixed_minimum_m3: int | None = None,
    informed_m3: int | None = None,
) -> ConsumptionResult:
    """Decide the billed consumption of a connection without a meter.

    The connection's fixed minimum if set, else the property's minimum
    consumption from the tariff (GSAN with ``parm_icnaomedidotarifa = 1``).
    """
    minimum = minimum_consumption(categories)
    flags: set[ConsumptionFlag] = set()
    consumption = minimum if fixed_minimum_m3 is None else fixed_minimum_m3
    kind = ConsumptionType.MINIMUM
    if fixed_minimum_m3 is not None:
        flags.add(ConsumptionFlag.FIXED_MINIMUM)
    if informed_m3 is not None:
        consumption, kind = informed_m3, ConsumptionType.INFORMED
        flags.add(ConsumptionFlag.INFORMED)
    return ConsumptionResult(consumption, kind, frozenset(flags), minimum)


def _measure(reading: MeterReading, average: int) -> ConsumptionResult:
    """Read the meter: difference, rollover, refused reading or no reading."""
    limit = register_limit(reading.digits)
    both_real = reading.previous_is_real and reading.current_is_real
    measured_type = ConsumptionType.REAL if both_real else ConsumptionType.ESTIMATED

    if reading.current is None:
        flag = (
            ConsumptionFlag.METER_REPLACED
            if reading.meter_replaced
            else ConsumptionFlag.READING_MISSING
        )
        return _average_result(reading, average, {flag})

    current = min(reading.current, limit)
    if reading.meter_replaced:
        consumption = current - reading.installation_reading
        if consumption < 0:
            return _average_result(reading, average, {ConsumptionFlag.METER_REPLACED})
        flags = {ConsumptionFlag.METER_REPLACED}
        return ConsumptionResult(
            consumption, measured_type, frozenset(flags), average, consumption, current
        )

    if current >= reading.previous:
        consumption = current - reading.previous
        low, high = expected_consumption_range(average)
        flags = set() if low <= consumption <= high else {ConsumptionFlag.OUT_OF_RANGE}
        return ConsumptionResult(
            consumption, measured_type, frozenset(flags), average, consumption, current
        )

    rolled = rollover_consumption(reading.previous, current, reading.digits, average)
    if rolled is not None:
        flags = {ConsumptionFlag.ROLLOVER}
        return ConsumptionResult(
            rolled, measured_type, frozenset(flags), average, rolled, current
        )
    refused = (
        ConsumptionFlag.LOWER_THAN_PREVIOUS
        if reading.previous_is_real
        else ConsumptionFlag.LOWER_THAN_PROJECTED
    )
    return _average_result(reading, average, {refused})


def _average_result(
    reading: MeterReading, average: int, flags: set[ConsumptionFlag]
) -> ConsumptionResult:
    """Bill the average; the billed reading becomes previous + average."""
    start = reading.installation_reading if reading.meter_replaced else reading.previous
    billed_reading = (start + average) % (10**reading.digits)
    return ConsumptionResult(
        average,
        ConsumptionType.AVERAGE,
        frozenset(flags),
        average,
        None,
        billed_reading,
    )


def _apply_anomaly(
    measured: ConsumptionResult,
    reading: MeterReading,
    anomaly: ReaderAnomaly | None,
    average: int,
    minimum: int,
) -> ConsumptionResult:
    """Replace the measured consumption as the reader's anomaly requires."""
    if anomaly is None:
        return measured
    flags = set(measured.flags) | {ConsumptionFlag.READER_ANOMALY}
    flags.discard(ConsumptionFlag.READING_MISSING)
    has_measure = measured.measured_m3 is not None
    rule = anomaly.rule_with_reading if has_measure else anomaly.rule_without_reading

    if rule in (AnomalyRule.GREATER, AnomalyRule.LESSER) and has_measure:
        pick = max if rule is AnomalyRule.GREATER else min
        rule = AnomalyRule.MEASURED
        if pick(measured.consumption_m3, average) != measured.consumption_m3:
            rule = AnomalyRule.AVERAGE
    if rule is AnomalyRule.MEASURED and has_measure:
        return _with(measured, flags=flags)

    start = reading.installation_reading if reading.meter_replaced else reading.previous
    if rule is AnomalyRule.MINIMUM:
        consumption, kind = minimum, ConsumptionType.MINIMUM
    elif rule is AnomalyRule.NONE:
        consumption, kind = 0, ConsumptionType.NO_CONSUMPTION
    else:
        consumption, kind = average, ConsumptionType.AVERAGE
    billed_reading = (start + consumption) % (10**reading.digits)
    if has_measure and kind is not ConsumptionType.AVERAGE:
        billed_reading = measured.billed_reading
    return ConsumptionResult(
        consumption,
        kind,
        frozenset(flags),
        average,
        measured.measured_m3,
        billed_reading,
    )


def _with(
    result: ConsumptionResult, *, flags: set[ConsumptionFlag]
) -> ConsumptionResult:
    """Return ``result`` with other flags."""
    return ConsumptionResult(
        result.consumption_m3,
        result.type,
        frozenset(flags),
        result.average_m3,
        result.measured_m3,
        result.billed_reading,
    )


def _main_category(
    categories: Sequence[ConsumptionCategory], code: str | None
) -> ConsumptionCategory | None:
    """Return the category whose average factors apply."""
    if code is not None:
        for item in categories:
            if item.category == code:
                return item
        raise ValueError(f"Categoria principal {code!r} não está no imóvel.")
    if not categories:
        return None
    return max(categories, key=lambda item: item.economies)


def _above(
    consumption: int,
    average: int,
    categories: Sequence[ConsumptionCategory],
    main: ConsumptionCategory | None,
    threshold: str,
    factor: str,
) -> bool:
    """Tell whether consumption passes both a per-economy and an average threshold."""
    if main is None or getattr(main, factor) is None:
        return False
    limits = [getattr(item, threshold) for item in categories]
    if any(limit is None for limit in limits):
        return False
    by_economies = sum(
        limit * item.economies for limit, item in zip(limits, categories, strict=True)
    )
    by_average = _round_unit(Decimal(average) * getattr(main, factor))
    return consumption > by_economies and consumption > by_average


def _is_low(
    consumption: int,
    average: int,
    categories: Sequence[ConsumptionCategory],
    main: ConsumptionCategory | None,
) -> bool:
    """Tell whether consumption is low against an average that is high enough."""
    if main is None or main.low_consumption_percent is None:
        return False
    limits = [item.low_consumption_average for item in categories]
    if any(limit is None for limit in limits):
        return False
    by_economies = sum(
        limit * item.economies for limit, item in zip(limits, categories, strict=True)
    )
    floor = Decimal(average) * main.low_consumption_percent / 100
    return average > by_economies and consumption < floor


def _range_factors(average: int) -> tuple[Decimal, Decimal]:
    """Return the low and high factors of the expected range above 10 m³."""
    if average <= 20:
        return Decimal("0.4"), Decimal("1.6")
    if average <= 45:
        return Decimal("0.5"), Decimal("1.5")
    if average <= 100:
        return Decimal("0.6"), Decimal("1.4")
    return Decimal("0.7"), Decimal("1.3")


def _round_unit(value: Decimal) -> int:
    """Round ``value`` half-up to a whole number (specs/README.md rule 7)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
