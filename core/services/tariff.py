"""Price water and sewer consumption by a tariff of minimum plus bands.

The rule is GSAN's proportional calculation (core-domain.md §3.1, "Water/
sewer value"; tables of §1.4):

- the property's consumption is shared among its economies; every
  economy pays its category's minimum value and its share of the excess
  over the minimum, priced band by band; the per-economy value is then
  multiplied back by the category's economies;
- sewer is the same calculation on the sewer volume, times the sewer
  percentage (the ratio rounded to two places, as the spec says);
- when more than one tariff validity falls inside the reading period, each
  is weighted by the days it covers (weights to four places) and the
  weighted amounts are added.

Two rounding policies (a company parameter): ``component`` rounds each
category's water and sewer amounts to the cent, sewer being the percentage
of the *unrounded* water, and the total is their sum; ``total`` rounds only
the bill total, and the sewer line is the total minus the rounded water.

Limitations: only GSAN's calculation type 1 (proportional) is implemented;
type 4 (whole consumption at the rate of its band) and type 2 (CAER) wait
for a utility that uses them. The category economy factor
(``catg_nnfatoreconomias``) affects minimum consumption only and lives in
:mod:`core.services.consumption`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.services.money import CENT, to_money

WEIGHT_QUANTUM = Decimal("0.0001")


class RoundingPolicy(StrEnum):
    """Where the amounts of a bill are rounded to the cent."""

    COMPONENT = "component"
    TOTAL = "total"


@dataclass(frozen=True)
class TariffBand:
    """One consumption band: m³ ``start_m3``..``end_m3`` at a price per m³.

    ``end_m3`` is ``None`` for the open top band ("acima de 50 m³").
    """

    start_m3: int
    end_m3: int | None
    price_per_m3: Decimal


@dataclass(frozen=True)
class TariffCategory:
    """The price table of one category: a minimum and bands above it.

    ``minimum_m3`` and ``minimum_value`` are per economy
    (``cstc_nnconsumominimo`` and ``cstc_vltarifaminima``).
    """

    category: str
    minimum_m3: int
    minimum_value: Decimal
    bands: tuple[TariffBand, ...] = ()


@dataclass(frozen=True)
class TariffValidity:
    """A tariff's categories as in force from ``valid_from`` on."""

    valid_from: date
    categories: tuple[TariffCategory, ...]

    def category(self, code: str) -> TariffCategory:
        """Return the table of category ``code``."""
        for table in self.categories:
            if table.category == code:
                return table
        raise ValueError(
            f"Tarifa de {self.valid_from:%d/%m/%Y} sem a categoria {code!r}."
        )


@dataclass(frozen=True)
class BandLine:
    """The m³ of one economy that fall in one band, and their unrounded value."""

    start_m3: int
    end_m3: int | None
    price_per_m3: Decimal
    volume_m3: Decimal
    amount: Decimal


@dataclass(frozen=True)
class CategoryCharge:
    """One category priced by one validity, before any weight or rounding.

    ``volume_m3`` and ``amount`` are for all the category's economies;
    ``minimum_value`` and the band lines are per economy.
    """

    category: str
    economies: int
    volume_m3: Decimal
    minimum_value: Decimal
    bands: tuple[BandLine, ...]
    amount: Decimal


@dataclass(frozen=True)
class TariffShare:
    """The part of the reading period priced by one validity."""

    valid_from: date
    days: int
    weight: Decimal
    water: tuple[CategoryCharge, ...]
    sewer: tuple[CategoryCharge, ...]


@dataclass(frozen=True)
class CategoryAmounts:
    """Water and sewer of one category, weighted, unrounded and rounded.

    Under the ``component`` policy the rounded values are the bill's lines
    and add up to its totals; under ``total`` they are for display only.
    """

    category: str
    economies: int
    water_exact: Decimal
    sewer_exact: Decimal
    water: Decimal
    sewer: Decimal


@dataclass(frozen=True)
class TariffBreakdown:
    """The priced bill: totals under the rounding policy and how they came."""

    water_m3: int
    sewer_m3: int
    sewer_percent: Decimal
    rounding: RoundingPolicy
    shares: tuple[TariffShare, ...]
    categories: tuple[CategoryAmounts, ...]
    water_exact: Decimal
    sewer_exact: Decimal
    water: Decimal
    sewer: Decimal
    total: Decimal


def price_volume(
    validity: TariffValidity, volume_m3: int, economies: Mapping[str, int]
) -> tuple[CategoryCharge, ...]:
    """Price ``volume_m3`` shared by ``economies`` per category (GSAN type 1).

    With E economies and a minimum Cmin = Σ minimum_k · E_k, the excess
    X = volume − Cmin becomes x̄ = X / E m³ per economy (two places); each
    economy pays its minimum plus x̄ priced over the bands. When there is no
    excess each economy is billed min(volume div E, minimum_k) m³ at the
    minimum value.
    """
    _check_economies(economies)
    if volume_m3 < 0:
        raise ValueError(f"Consumo negativo: {volume_m3} m³.")
    total_economies = sum(economies.values())
    tables = {code: validity.category(code) for code in economies}
    minimum = sum(tables[code].minimum_m3 * count for code, count in economies.items())
    excess = volume_m3 - minimum

    per_economy_excess = Decimal(0)
    if excess > 0:
        per_economy_excess = (Decimal(excess) / total_economies).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    per_economy_volume = volume_m3 // total_economies

    charges = []
    for code, count in economies.items():
        table = tables[code]
        if excess > 0:
            bands = _spread_over_bands(table, per_economy_excess)
            volume = table.minimum_m3 + per_economy_excess
        else:
            bands = ()
            volume = Decimal(min(per_economy_volume, table.minimum_m3))
        value = table.minimum_value + sum((line.amount for line in bands), Decimal(0))
        charges.append(
            CategoryCharge(
                category=code,
                economies=count,
                volume_m3=volume * count,
                minimum_value=table.minimum_value,
                bands=bands,
                amount=value * count,
            )
        )
    return tuple(charges)


def compute_charges(
    validity: TariffValidity,
    water_m3: int,
    economies: Mapping[str, int] | int,
    *,
    sewer_percent: Decimal | int = 0,
    sewer_m3: int | None = None,
    rounding: RoundingPolicy | str = RoundingPolicy.COMPONENT,
) -> TariffBreakdown:
    """Price a month's water and sewer under one tariff validity.

    ``economies`` maps category codes to economies; an ``int`` means that
    many economies of the validity's only category. ``sewer_m3`` defaults
    to the water volume; ``sewer_percent`` of 0 means no sewer.
    """
    period = [(validity, 1, Decimal(1))]
    return _breakdown(period, water_m3, economies, sewer_percent, sewer_m3, rounding)


def compute_charges_prorated(
    validities: Sequence[TariffValidity],
    period_start: date,
    period_end: date,
    water_m3: int,
    economies: Mapping[str, int] | int,
    *,
    sewer_percent: Decimal | int = 0,
    sewer_m3: int | None = None,
    rounding: RoundingPolicy | str = RoundingPolicy.COMPONENT,
) -> TariffBreakdown:
    """Price a reading period during which the tariff may have changed.

    ``period_start`` and ``period_end`` are the previous and current
    reading dates; each validity in force inside the period weighs
    (its days inside the period) / (days of the period, both ends counted).
    """
    period = validity_weights(validities, period_start, period_end)
    return _breakdown(period, water_m3, economies, sewer_percent, sewer_m3, rounding)


def validity_weights(
    validities: Sequence[TariffValidity], period_start: date, period_end: date
) -> list[tuple[TariffValidity, int, Decimal]]:
    """Return each validity in force in the period with its days and weight.

    Weights are rounded half-up to four places, as GSAN stores them.
    """
    if period_end < period_start:
        raise ValueError("A data final do período é anterior à inicial.")
    ordered = sorted(validities, key=lambda item: item.valid_from)
    if not ordered or ordered[0].valid_from > period_start:
        raise ValueError(f"Nenhuma tarifa vigente em {period_start:%d/%m/%Y}.")

    period_days = (period_end - period_start).days + 1
    shares = []
    for index, validity in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        last_day = following.valid_from - timedelta(days=1) if following else None
        start = max(validity.valid_from, period_start)
        end = min(last_day, period_end) if last_day else period_end
        days = (end - start).days + 1
        if days <= 0:
            continue
        weight = (Decimal(days) / period_days).quantize(
            WEIGHT_QUANTUM, rounding=ROUND_HALF_UP
        )
        shares.append((validity, days, weight))
    return shares


def sewer_ratio(sewer_percent: Decimal | int) -> Decimal:
    """Return the sewer percentage as a ratio rounded to two places."""
    return (Decimal(sewer_percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _spread_over_bands(table: TariffCategory, volume: Decimal) -> tuple[BandLine, ...]:
    """Spread one economy's excess ``volume`` over the bands above the minimum."""
    lines = []
    remaining = volume
    previous_end = Decimal(table.minimum_m3)
    for band in sorted(table.bands, key=lambda item: item.start_m3):
        if remaining <= 0:
            break
        if band.end_m3 is not None and band.end_m3 <= previous_end:
            continue
        width = None if band.end_m3 is None else band.end_m3 - previous_end
        taken = remaining if width is None else min(width, remaining)
        price = Decimal(band.price_per_m3)
        lines.append(BandLine(band.start_m3, band.end_m3, price, taken, taken * price))
        remaining -= taken
        if band.end_m3 is not None:
            previous_end = Decimal(band.end_m3)

    if remaining > 0:
        raise ValueError(
            f"Consumo acima da última faixa da categoria {table.category!r}."
        )
    return tuple(lines)


def _breakdown(
    period: list[tuple[TariffValidity, int, Decimal]],
    water_m3: int,
    economies: Mapping[str, int] | int,
    sewer_percent: Decimal | int,
    sewer_m3: int | None,
    rounding: RoundingPolicy | str,
) -> TariffBreakdown:
    """Price every share of the period, weigh, add and round."""
    policy = RoundingPolicy(rounding)
    sewer_volume = water_m3 if sewer_m3 is None else sewer_m3
    ratio = sewer_ratio(sewer_percent)

    # Price each validity's share of the period.
    shares = []
    for validity, days, weight in period:
        counts = _economies_for(validity, economies)
        water = price_volume(validity, water_m3, counts)
        if ratio == 0:
            sewer: tuple[CategoryCharge, ...] = ()
        elif sewer_volume == water_m3:
            sewer = water
        else:
            sewer = price_volume(validity, sewer_volume, counts)
        shares.append(TariffShare(validity.valid_from, days, weight, water, sewer))

    # Weigh and add the shares per category, then round.
    categories = _category_amounts(shares, ratio)
    water_exact = sum((item.water_exact for item in categories), Decimal(0))
    sewer_exact = sum((item.sewer_exact for item in categories), Decimal(0))
    if policy is RoundingPolicy.COMPONENT:
        water = sum((item.water for item in categories), Decimal("0.00"))
        sewer = sum((item.sewer for item in categories), Decimal("0.00"))
        total = water + sewer
    else:
        total = to_money(water_exact + sewer_exact)
        water = to_money(water_exact)
        sewer = total - water

    return TariffBreakdown(
        water_m3=water_m3,
        sewer_m3=sewer_volume if ratio else 0,
        sewer_percent=Decimal(sewer_percent),
        rounding=policy,
        shares=tuple(shares),
        categories=categories,
        water_exact=water_exact,
        sewer_exact=sewer_exact,
        water=water,
        sewer=sewer,
        total=total,
    )


def _category_amounts(
    shares: list[TariffShare], ratio: Decimal
) -> tuple[CategoryAmounts, ...]:
    """Add the weighted water and sewer of every category over the shares."""
    first = shares[0]
    amounts = []
    for position, charge in enumerate(first.water):
        water = sum(
            (share.weight * share.water[position].amount for share in shares),
            Decimal(0),
        )
        sewer = Decimal(0)
        if ratio:
            sewer = (
                sum(
                    (share.weight * share.sewer[position].amount for share in shares),
                    Decimal(0),
                )
                * ratio
            )
        amounts.append(
            CategoryAmounts(
                category=charge.category,
                economies=charge.economies,
                water_exact=water,
                sewer_exact=sewer,
                water=to_money(water),
                sewer=to_money(sewer),
            )
        )
    return tuple(amounts)


def _economies_for(
    validity: TariffValidity, economies: Mapping[str, int] | int
) -> Mapping[str, int]:
    """Return ``economies`` as a mapping, resolving a bare count."""
    if isinstance(economies, Mapping):
        return economies
    if len(validity.categories) != 1:
        raise ValueError(
            "Informe as economias por categoria: a tarifa tem mais de uma categoria."
        )
    return {validity.categories[0].category: economies}


def _check_economies(economies: Mapping[str, int]) -> None:
    """Refuse an empty or negative economy count."""
    if not economies or any(count < 0 for count in economies.values()):
        raise ValueError("Informe ao menos uma economia, sem quantidades negativas.")
    if sum(economies.values()) == 0:
        raise ValueError("O imóvel não tem economias.")
