from datetime import date
from decimal import Decimal

import pytest

from core.services.tariff import (
    RoundingPolicy,
    TariffBand,
    TariffCategory,
    TariffValidity,
    compute_charges,
    compute_charges_prorated,
    price_volume,
    sewer_ratio,
    validity_weights,
)

# SAAE Bela Vista-MS, 2021, residential: 0-10 m³ R$ 40,17 fixed; 11-15 m³
# R$ 4,6319/m³; 16-20 R$ 4,8451; 21-25 R$ 6,266; 26-30 R$ 7,4698;
# 31-50 R$ 8,7295; above 50 R$ 9,7201; sewer 45 % of water.
BELA_VISTA_RESIDENTIAL = TariffCategory(
    category="RES",
    minimum_m3=10,
    minimum_value=Decimal("40.17"),
    bands=(
        TariffBand(11, 15, Decimal("4.6319")),
        TariffBand(16, 20, Decimal("4.8451")),
        TariffBand(21, 25, Decimal("6.266")),
        TariffBand(26, 30, Decimal("7.4698")),
        TariffBand(31, 50, Decimal("8.7295")),
        TariffBand(51, None, Decimal("9.7201")),
    ),
)
BELA_VISTA_2021 = TariffValidity(date(2021, 1, 1), (BELA_VISTA_RESIDENTIAL,))
COMMERCIAL = TariffCategory(
    category="COM",
    minimum_m3=10,
    minimum_value=Decimal("80.00"),
    bands=(TariffBand(11, 20, Decimal("10.00")), TariffBand(21, None, Decimal("12"))),
)
MIXED = TariffValidity(date(2021, 1, 1), (BELA_VISTA_RESIDENTIAL, COMMERCIAL))
NEW_2022 = TariffValidity(
    date(2022, 1, 1),
    (
        TariffCategory(
            "RES",
            10,
            Decimal("50.00"),
            (
                TariffBand(11, 15, Decimal("5.00")),
                TariffBand(16, None, Decimal("6.00")),
            ),
        ),
    ),
)


@pytest.mark.parametrize(
    ("consumption", "total"),
    [(10, "58.25"), (15, "91.83"), (30, "226.54"), (50, "479.69"), (20, "126.96")],
)
def test_tariff_bela_vista_totals_rounded_per_component(consumption, total):
    breakdown = compute_charges(BELA_VISTA_2021, consumption, 1, sewer_percent=45)

    assert breakdown.total == Decimal(total)
    assert breakdown.water + breakdown.sewer == breakdown.total


def test_tariff_bela_vista_20_m3_rounded_only_in_total():
    breakdown = compute_charges(
        BELA_VISTA_2021, 20, 1, sewer_percent=45, rounding=RoundingPolicy.TOTAL
    )

    assert breakdown.total == Decimal("126.95")
    assert breakdown.water == Decimal("87.56")
    assert breakdown.sewer == Decimal("39.39")


def test_tariff_bela_vista_20_m3_components():
    breakdown = compute_charges(BELA_VISTA_2021, 20, 1, sewer_percent=45)

    assert breakdown.water_exact == Decimal("87.555")
    assert breakdown.sewer_exact == Decimal("39.39975")
    assert breakdown.water == Decimal("87.56")
    assert breakdown.sewer == Decimal("39.40")


def test_tariff_bela_vista_30_m3_band_lines():
    charge = compute_charges(BELA_VISTA_2021, 30, 1).shares[0].water[0]

    assert [(line.start_m3, line.volume_m3, line.amount) for line in charge.bands] == [
        (11, Decimal("5.00"), Decimal("23.159500")),
        (16, Decimal("5.00"), Decimal("24.225500")),
        (21, Decimal("5.00"), Decimal("31.33000")),
        (26, Decimal("5.00"), Decimal("37.349000")),
    ]
    assert charge.amount == Decimal("156.234")


def test_tariff_top_band_is_open():
    breakdown = compute_charges(BELA_VISTA_2021, 60, 1)

    assert breakdown.water == Decimal("428.03")
    assert breakdown.sewer == Decimal("0.00")
    assert breakdown.shares[0].water[0].bands[-1].volume_m3 == Decimal("10.00")


def test_tariff_below_minimum_pays_minimum_value():
    breakdown = compute_charges(BELA_VISTA_2021, 4, 1, sewer_percent=45)

    assert breakdown.water == Decimal("40.17")
    assert breakdown.sewer == Decimal("18.08")
    assert breakdown.shares[0].water[0].volume_m3 == Decimal(4)


def test_tariff_excess_is_shared_per_economy():
    charge = price_volume(BELA_VISTA_2021, 25, {"RES": 2})[0]

    # 25 m³ for 2 economies: 2,5 m³ each above the 10 m³ minimum.
    assert charge.volume_m3 == Decimal("25.00")
    assert charge.bands[0].volume_m3 == Decimal("2.50")
    assert charge.amount == Decimal("103.499500")


def test_tariff_without_excess_bills_each_economy_up_to_minimum():
    breakdown = compute_charges(BELA_VISTA_2021, 25, 3)

    assert breakdown.water == Decimal("120.51")
    assert breakdown.shares[0].water[0].volume_m3 == Decimal(24)


def test_tariff_mixed_categories_get_their_minimum_and_shared_excess():
    breakdown = compute_charges(MIXED, 45, {"RES": 2, "COM": 1}, sewer_percent=45)

    residential, commercial = breakdown.categories
    assert (residential.water, residential.sewer) == (
        Decimal("126.66"),
        Decimal("57.00"),
    )
    assert (commercial.water, commercial.sewer) == (Decimal("130.00"), Decimal("58.50"))
    assert breakdown.total == Decimal("372.16")


def test_tariff_sewer_volume_can_differ_from_water():
    breakdown = compute_charges(BELA_VISTA_2021, 20, 1, sewer_percent=45, sewer_m3=15)

    assert breakdown.water == Decimal("87.56")
    assert breakdown.sewer == Decimal("28.50")
    assert breakdown.sewer_m3 == 15


def test_tariff_sewer_ratio_rounds_to_two_places():
    assert sewer_ratio(45) == Decimal("0.45")
    assert sewer_ratio(Decimal("80")) == Decimal("0.80")


def test_tariff_validity_weights_split_period_by_days():
    weights = validity_weights(
        [NEW_2022, BELA_VISTA_2021], date(2021, 12, 22), date(2022, 1, 20)
    )

    assert [(item.valid_from, days, weight) for item, days, weight in weights] == [
        (date(2021, 1, 1), 10, Decimal("0.3333")),
        (date(2022, 1, 1), 20, Decimal("0.6667")),
    ]


def test_tariff_prorated_weighs_unrounded_amounts():
    breakdown = compute_charges_prorated(
        [BELA_VISTA_2021, NEW_2022],
        date(2021, 12, 22),
        date(2022, 1, 20),
        20,
        1,
        sewer_percent=45,
    )

    # 0,3333 × 87,555 + 0,6667 × 105,00 = 99,1855815
    assert breakdown.water_exact == Decimal("99.1855815")
    assert breakdown.water == Decimal("99.19")
    assert breakdown.sewer == Decimal("44.63")
    assert breakdown.total == Decimal("143.82")


def test_tariff_prorated_single_validity_has_full_weight():
    breakdown = compute_charges_prorated(
        [BELA_VISTA_2021], date(2021, 3, 1), date(2021, 3, 30), 20, 1, sewer_percent=45
    )

    assert breakdown.shares[0].weight == Decimal("1.0000")
    assert breakdown.total == Decimal("126.96")


def test_tariff_prorated_refuses_period_before_first_validity():
    with pytest.raises(ValueError, match="Nenhuma tarifa vigente"):
        validity_weights([NEW_2022], date(2021, 12, 22), date(2022, 1, 20))


def test_tariff_missing_category_is_refused():
    with pytest.raises(ValueError, match="sem a categoria 'IND'"):
        compute_charges(BELA_VISTA_2021, 20, {"IND": 1})


def test_tariff_bare_economy_count_needs_single_category():
    with pytest.raises(ValueError, match="economias por categoria"):
        compute_charges(MIXED, 20, 1)


def test_tariff_consumption_above_closed_bands_is_refused():
    closed = TariffValidity(
        date(2021, 1, 1),
        (
            TariffCategory(
                "RES", 10, Decimal("40.17"), (TariffBand(11, 20, Decimal(5)),)
            ),
        ),
    )

    with pytest.raises(ValueError, match="acima da última faixa"):
        compute_charges(closed, 21, 1)
