from decimal import Decimal

import pytest

from core.services.consumption import (
    AnomalyRule,
    ConsumptionCategory,
    ConsumptionFlag,
    ConsumptionType,
    MeterReading,
    MonthlyConsumption,
    ReaderAnomaly,
    average_consumption,
    check_thresholds,
    compute_consumption,
    compute_unmeasured_consumption,
    expected_consumption_range,
    expected_reading_range,
    minimum_consumption,
    previous_reference,
    rollover_consumption,
)

RESIDENTIAL = ConsumptionCategory(
    category="RES",
    economies=1,
    minimum_m3=10,
    excess_m3=60,
    excess_average_factor=Decimal("3"),
    high_m3=35,
    high_average_factor=Decimal("2"),
    low_consumption_average=10,
    low_consumption_percent=Decimal("30"),
)
PLAIN = ConsumptionCategory(category="RES", economies=1, minimum_m3=10)


def history(*pairs, valid=True):
    return [MonthlyConsumption(reference, m3, valid) for reference, m3 in pairs]


def reading(previous, current, digits=4, **kwargs):
    return MeterReading(previous=previous, current=current, digits=digits, **kwargs)


# Average


def test_average_consumption_uses_last_months_with_integer_division():
    months = history(
        (202502, 10),
        (202501, 11),
        (202412, 12),
        (202411, 13),
        (202410, 14),
        (202409, 15),
        (202408, 99),
    )

    assert average_consumption(months, 202503, months=6) == 12


def test_average_consumption_looks_back_over_missing_months():
    months = history((202502, 10), (202411, 20), (202410, 30))

    assert average_consumption(months, 202503, months=3, max_extra_months=3) == 20
    assert average_consumption(months, 202503, months=3, max_extra_months=1) == 15


def test_average_consumption_skips_months_out_of_average():
    months = history((202502, 10), (202501, 40)) + history((202412, 90), valid=False)

    assert average_consumption(months, 202503, months=3, max_extra_months=0) == 25


def test_average_consumption_without_history_is_none():
    assert average_consumption([], 202503) is None


def test_previous_reference_crosses_year():
    assert previous_reference(202501) == 202412
    assert previous_reference(202503) == 202502
    with pytest.raises(ValueError, match="Referência inválida"):
        previous_reference(202513)


def test_minimum_consumption_sums_categories_and_economy_factor():
    categories = [
        ConsumptionCategory("RES", economies=3, minimum_m3=10),
        ConsumptionCategory("COM", economies=2, minimum_m3=15, economy_factor=1),
    ]

    assert minimum_consumption(categories) == 45


# Rollover and the expected range


@pytest.mark.parametrize(
    ("previous", "current", "average", "expected"),
    [
        (9990, 5, 10, 15),
        (9900, 99, 50, 199),
        (9900, 100, 50, 200),
        (9900, 101, 50, None),
        (9800, 50, 150, 250),
        (9800, 100, 150, 300),
        (9800, 101, 150, None),
    ],
)
def test_rollover_consumption_limit_is_max_200_or_twice_average(
    previous, current, average, expected
):
    assert rollover_consumption(previous, current, 4, average) == expected


def test_expected_reading_range_matches_self_reading_vector():
    assert expected_reading_range(1250, 15, 5) == (1256, 1274)
    assert expected_consumption_range(8) == (0, 18)
    assert expected_consumption_range(150) == (105, 195)


def test_expected_reading_range_wraps_past_register():
    assert expected_reading_range(99990, 15, 5) == (99996, 14)


# Measured consumption


def test_compute_consumption_bills_difference_as_real():
    result = compute_consumption(reading(1250, 1265), [PLAIN], average=15)

    assert result.consumption_m3 == 15
    assert result.type is ConsumptionType.REAL
    assert result.flags == frozenset()
    assert result.billed_reading == 1265


def test_compute_consumption_estimates_when_reading_not_real():
    result = compute_consumption(
        reading(1250, 1265, current_is_real=False), [PLAIN], average=15
    )

    assert result.type is ConsumptionType.ESTIMATED


def test_compute_consumption_flags_out_of_range():
    result = compute_consumption(reading(1250, 1300), [PLAIN], average=15)

    assert result.consumption_m3 == 50
    assert result.flags == {ConsumptionFlag.OUT_OF_RANGE}


def test_compute_consumption_accepts_rollover():
    result = compute_consumption(reading(99990, 5, digits=5), [PLAIN], average=15)

    assert result.consumption_m3 == 15
    assert result.type is ConsumptionType.REAL
    assert result.flags == {ConsumptionFlag.ROLLOVER}
    assert result.billed_reading == 5


def test_compute_consumption_refuses_lower_reading_and_bills_average():
    result = compute_consumption(reading(5000, 4990), [RESIDENTIAL], average=18)

    assert result.consumption_m3 == 18
    assert result.type is ConsumptionType.AVERAGE
    assert result.flags == {ConsumptionFlag.LOWER_THAN_PREVIOUS}
    assert result.billed_reading == 5018
    assert result.measured_m3 is None


def test_compute_consumption_lower_than_projected_when_previous_not_real():
    result = compute_consumption(
        reading(5000, 4990, previous_is_real=False), [PLAIN], average=18
    )

    assert result.flags == {ConsumptionFlag.LOWER_THAN_PROJECTED}


def test_compute_consumption_missing_reading_bills_average():
    result = compute_consumption(reading(1250, None), [PLAIN], average=15)

    assert result.consumption_m3 == 15
    assert result.type is ConsumptionType.AVERAGE
    assert result.flags == {ConsumptionFlag.READING_MISSING}
    assert result.billed_reading == 1265


def test_compute_consumption_without_history_uses_minimum_as_average():
    result = compute_consumption(reading(1250, None), [PLAIN], average=None)

    assert result.consumption_m3 == 10
    assert result.average_m3 == 10


def test_compute_consumption_clamps_reading_above_register():
    result = compute_consumption(reading(9990, 12345), [PLAIN], average=15)

    assert result.consumption_m3 == 9
    assert result.billed_reading == 9999


def test_compute_consumption_replaced_meter_reads_from_installation():
    replaced = reading(8000, 12, meter_replaced=True, installation_reading=2)

    result = compute_consumption(replaced, [RESIDENTIAL], average=15)

    assert result.consumption_m3 == 10
    assert result.flags == {ConsumptionFlag.METER_REPLACED}


def test_compute_consumption_replaced_meter_without_reading_bills_average():
    replaced = reading(8000, None, meter_replaced=True, installation_reading=2)

    result = compute_consumption(replaced, [PLAIN], average=15)

    assert result.consumption_m3 == 15
    assert result.billed_reading == 17
    assert result.flags == {ConsumptionFlag.METER_REPLACED}


# Reader anomalies


@pytest.mark.parametrize(
    ("rule", "consumption", "kind"),
    [
        (AnomalyRule.MEASURED, 30, ConsumptionType.REAL),
        (AnomalyRule.AVERAGE, 15, ConsumptionType.AVERAGE),
        (AnomalyRule.MINIMUM, 10, ConsumptionType.MINIMUM),
        (AnomalyRule.NONE, 0, ConsumptionType.NO_CONSUMPTION),
        (AnomalyRule.GREATER, 30, ConsumptionType.REAL),
        (AnomalyRule.LESSER, 15, ConsumptionType.AVERAGE),
    ],
)
def test_compute_consumption_anomaly_with_reading_follows_rule(rule, consumption, kind):
    anomaly = ReaderAnomaly("HIDROMETRO_EMBACADO", rule_with_reading=rule)

    result = compute_consumption(
        reading(1250, 1280), [PLAIN], average=15, anomaly=anomaly
    )

    assert result.consumption_m3 == consumption
    assert result.type is kind
    assert ConsumptionFlag.READER_ANOMALY in result.flags
    assert result.measured_m3 == 30


@pytest.mark.parametrize(
    ("rule", "consumption", "billed_reading"),
    [
        (AnomalyRule.AVERAGE, 15, 1265),
        (AnomalyRule.MINIMUM, 10, 1260),
        (AnomalyRule.NONE, 0, 1250),
        (AnomalyRule.MEASURED, 15, 1265),
    ],
)
def test_compute_consumption_anomaly_without_reading_follows_rule(
    rule, consumption, billed_reading
):
    anomaly = ReaderAnomaly("IMOVEL_FECHADO", rule_without_reading=rule)

    result = compute_consumption(
        reading(1250, None), [PLAIN], average=15, anomaly=anomaly
    )

    assert result.consumption_m3 == consumption
    assert result.billed_reading == billed_reading
    assert result.flags == {ConsumptionFlag.READER_ANOMALY}


# Thresholds, minimum floor and informed consumption


def test_check_thresholds_flags_excess_above_both_limits():
    # Excess: above 60 m³ (60 × 1 economy) and above 3 × average 15 = 45.
    assert check_thresholds(61, 15, [RESIDENTIAL]) == {ConsumptionFlag.EXCESS}
    assert check_thresholds(61, 25, [RESIDENTIAL]) == {ConsumptionFlag.HIGH}


def test_check_thresholds_flags_high_when_not_excess():
    # High: above 35 m³ and above 2 × average 15 = 30.
    assert check_thresholds(36, 15, [RESIDENTIAL]) == {ConsumptionFlag.HIGH}
    assert check_thresholds(35, 15, [RESIDENTIAL]) == frozenset()


def test_check_thresholds_flags_low_only_for_real_uncut_without_well():
    # Low: average 20 above 10 m³ and consumption below 30 % of 20 = 6.
    assert check_thresholds(5, 20, [RESIDENTIAL]) == {ConsumptionFlag.LOW}
    assert check_thresholds(6, 20, [RESIDENTIAL]) == frozenset()
    assert check_thresholds(5, 20, [RESIDENTIAL], consumption_is_real=False) == set()
    assert check_thresholds(5, 20, [RESIDENTIAL], cut=True) == frozenset()
    assert check_thresholds(5, 20, [RESIDENTIAL], has_well=True) == frozenset()


def test_check_thresholds_multiply_per_economy_limits():
    two = ConsumptionCategory(
        "RES", economies=2, excess_m3=60, excess_average_factor=Decimal("3")
    )

    assert check_thresholds(120, 15, [two]) == frozenset()
    assert check_thresholds(121, 15, [two]) == {ConsumptionFlag.EXCESS}


def test_compute_consumption_flags_excess_on_real_reading():
    result = compute_consumption(reading(1000, 1070), [RESIDENTIAL], average=15)

    assert result.consumption_m3 == 70
    assert result.flags == {ConsumptionFlag.EXCESS, ConsumptionFlag.OUT_OF_RANGE}


def test_compute_consumption_skips_thresholds_for_refused_reading():
    result = compute_consumption(reading(5000, 4000), [RESIDENTIAL], average=40)

    assert result.flags == {ConsumptionFlag.LOWER_THAN_PREVIOUS}


def test_compute_consumption_floors_at_fixed_minimum():
    result = compute_consumption(
        reading(1250, 1255), [PLAIN], average=5, fixed_minimum_m3=12
    )

    assert result.consumption_m3 == 12
    assert result.type is ConsumptionType.MINIMUM
    assert result.flags == {ConsumptionFlag.FIXED_MINIMUM}
    assert result.measured_m3 == 5


def test_compute_consumption_informed_overrides_everything():
    result = compute_consumption(
        reading(1250, 1255), [PLAIN], average=5, fixed_minimum_m3=12, informed_m3=8
    )

    assert result.consumption_m3 == 8
    assert result.type is ConsumptionType.INFORMED
    assert ConsumptionFlag.INFORMED in result.flags


def test_compute_unmeasured_consumption_uses_fixed_minimum_or_tariff_minimum():
    categories = [ConsumptionCategory("RES", economies=2, minimum_m3=10)]

    plain = compute_unmeasured_consumption(categories)
    fixed = compute_unmeasured_consumption(categories, fixed_minimum_m3=25)

    assert (plain.consumption_m3, plain.type) == (20, ConsumptionType.MINIMUM)
    assert (fixed.consumption_m3, fixed.flags) == (25, {ConsumptionFlag.FIXED_MINIMUM})


def test_check_thresholds_uses_given_main_category_factor():
    residential = ConsumptionCategory(
        "RES", economies=2, excess_m3=10, excess_average_factor=Decimal("3")
    )
    commercial = ConsumptionCategory(
        "COM", economies=1, excess_m3=10, excess_average_factor=Decimal("5")
    )
    categories = [residential, commercial]

    # Limits: 30 m³ by economies; 3 × 15 = 45 (RES) or 5 × 15 = 75 (COM).
    assert check_thresholds(50, 15, categories) == {ConsumptionFlag.EXCESS}
    assert check_thresholds(50, 15, categories, main_category="COM") == frozenset()
    with pytest.raises(ValueError, match="Categoria principal 'IND'"):
        check_thresholds(50, 15, categories, main_category="IND")
