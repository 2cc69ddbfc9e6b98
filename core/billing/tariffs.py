"""Turn the tariff tables into the pure objects of :mod:`core.services.tariff`.

A property is priced per subcategory: the tariff row of its subcategory if
the validity has one, else the row of its category. Each subcategory is
keyed by ``s<subcategory id>`` so the same key names it in every validity
of a reading period, as the pro-rata calculation needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.billing import queries
from core.billing.errors import BillingError
from core.services.tariff import TariffBand, TariffCategory, TariffValidity

Key = str


def key_of(subcategory_id: int) -> Key:
    """Return the pricing key of a subcategory."""
    return f"s{subcategory_id}"


@dataclass
class _Validity:
    valid_from: date
    # (category_id, subcategory_id or None) -> (minimum m³, value, bands)
    rows: dict[tuple[int, int | None], tuple[int, Decimal, list[TariffBand]]]


@dataclass
class TariffInfo:
    """One tariff with its validities in date order."""

    id: int
    code: str
    is_default: bool
    sewer_percent: Decimal
    validities: list[_Validity] = field(default_factory=list)


class TariffBook:
    """Every active tariff, with the pure validities priced per subcategory."""

    def __init__(self, rows: Iterable) -> None:
        self.tariffs: dict[int, TariffInfo] = {}
        for row in rows:
            self._add(row)
        defaults = [t for t in self.tariffs.values() if t.is_default]
        self.default = defaults[0] if defaults else None
        self._cache: dict[tuple, TariffValidity] = {}

    @classmethod
    def load(cls) -> TariffBook:
        """Read the active tariffs from the database."""
        return cls(queries.tariff_rows())

    def _add(self, row) -> None:
        (
            tariff_id,
            code,
            is_default,
            sewer_percent,
            valid_from,
            _row_id,
            category_id,
            subcategory_id,
            minimum_m3,
            minimum_value,
            start,
            end,
            price,
        ) = row
        tariff = self.tariffs.get(tariff_id)
        if tariff is None:
            tariff = TariffInfo(tariff_id, code, is_default, Decimal(sewer_percent))
            self.tariffs[tariff_id] = tariff
        if not tariff.validities or tariff.validities[-1].valid_from != valid_from:
            tariff.validities.append(_Validity(valid_from, {}))
        rows = tariff.validities[-1].rows
        entry = rows.setdefault(
            (category_id, subcategory_id), (minimum_m3, Decimal(minimum_value), [])
        )
        if start is not None:
            entry[2].append(TariffBand(start, end, Decimal(price)))

    def tariff_for(self, tariff_id: int | None) -> TariffInfo:
        """Return the property's own tariff, or the default one."""
        if tariff_id is not None and tariff_id in self.tariffs:
            return self.tariffs[tariff_id]
        if self.default is None:
            raise BillingError("Nenhuma tarifa padrão ativa cadastrada.")
        return self.default

    def validities(
        self,
        tariff: TariffInfo,
        subcategories: tuple[tuple[int, int], ...],
        start: date,
        end: date,
    ) -> list[TariffValidity]:
        """Return the validities in force between ``start`` and ``end``.

        ``subcategories`` holds (subcategory id, category id) pairs; each
        validity is priced under the key of every subcategory.
        """
        needed = [
            index
            for index, validity in enumerate(tariff.validities)
            if validity.valid_from <= end
        ]
        first = max(
            (i for i in needed if tariff.validities[i].valid_from <= start),
            default=needed[0] if needed else None,
        )
        if first is None:
            raise BillingError(f"Tarifa {tariff.code} sem vigência até {end:%d/%m/%Y}.")
        return [
            self._priced_cached(tariff, index, subcategories)
            for index in needed
            if index >= first
        ]

    def _priced_cached(
        self, tariff: TariffInfo, index: int, subcategories: tuple[tuple[int, int], ...]
    ) -> TariffValidity:
        cache_key = (tariff.id, index, subcategories)
        priced = self._cache.get(cache_key)
        if priced is None:
            priced = self._priced(tariff, tariff.validities[index], subcategories)
            self._cache[cache_key] = priced
        return priced

    @staticmethod
    def _priced(
        tariff: TariffInfo,
        validity: _Validity,
        subcategories: tuple[tuple[int, int], ...],
    ) -> TariffValidity:
        tables = []
        for subcategory_id, category_id in subcategories:
            row = validity.rows.get((category_id, subcategory_id))
            row = row or validity.rows.get((category_id, None))
            if row is None:
                raise BillingError(
                    f"Tarifa {tariff.code} de {validity.valid_from:%d/%m/%Y} sem "
                    f"preço para a categoria {category_id} (subcategoria "
                    f"{subcategory_id})."
                )
            minimum_m3, minimum_value, bands = row
            tables.append(
                TariffCategory(
                    key_of(subcategory_id), minimum_m3, minimum_value, tuple(bands)
                )
            )
        return TariffValidity(validity.valid_from, tuple(tables))
