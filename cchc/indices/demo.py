"""Demo indices of the province (HA): several years of the seven indices. The ranks of 2021 → 2022 are those
of ``seeds/000`` ("PAR-Index xếp hạng 25/63, tăng 23 bậc; PCI 16/63, tăng 28 bậc; PAPI 16/61, tăng 24
bậc; PACA 11/63, tăng 52 bậc"); the other figures are plausible, 2025 ranked among the 34 provinces after
the merger (called by ``cchc demo_data``)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from cchc.agencies.models import Agency
from cchc.indices.models import IndexKind, ProvincialIndex
from cchc.indices.services import lines

# code → [(year, score, rank, out_of)]
FIGURES: dict[str, list[tuple[int, str | None, int | None, int | None]]] = {
    "PAR_INDEX": [
        (2020, "82.15", 41, 63),
        (2021, "80.92", 48, 63),
        (2022, "86.71", 25, 63),
        (2023, "88.04", 18, 63),
        (2024, "89.12", 14, 63),
        (2025, "90.35", 9, 34),
    ],
    "SIPAS": [
        (2020, "80.12", 38, 63),
        (2021, "82.40", 30, 63),
        (2022, "84.55", 19, 63),
        (2023, "86.93", 12, 63),
        (2024, "87.61", 10, 63),
        (2025, "88.40", 7, 34),
    ],
    "PAPI": [
        (2020, "42.11", 37, 63),
        (2021, "41.86", 40, 63),
        (2022, "43.95", 16, 61),
        (2023, "44.20", 14, 63),
        (2024, "44.87", 11, 63),
        (2025, "45.10", 6, 34),
    ],
    "PCI": [
        (2020, "63.12", 50, 63),
        (2021, "63.90", 44, 63),
        (2022, "67.45", 16, 63),
        (2023, "66.80", 21, 63),
        (2024, "68.10", 15, 63),
        (2025, "69.02", 8, 34),
    ],
    "PACA": [(2021, "52.30", 63, 63), (2022, "74.85", 11, 63), (2023, "72.10", 15, 63), (2024, "73.40", 15, 63)],
    "DTI": [
        (2020, "0.3512", 35, 63),
        (2021, "0.4020", 31, 63),
        (2022, "0.4868", 24, 63),
        (2023, "0.5231", 20, 63),
        (2024, "0.5710", 17, 63),
    ],
    "ICT_INDEX": [(2018, "0.3921", 40, 63), (2019, "0.4102", 36, 63), (2020, "0.4350", 33, 63)],
}


def story() -> list[str]:
    found = [line for line in lines(ProvincialIndex.objects.filter(kind__code="PAR_INDEX").select_related("kind"))]
    if not found:
        return []
    latest = found[-1]
    return [
        f"- Chỉ số của tỉnh: {ProvincialIndex.objects.count()} kết quả của {len(FIGURES)} chỉ số qua các năm;"
        f" năm {latest.value.year}: {latest.sentence}; xem trang Chỉ số của tỉnh."
    ]


def extend(scale: int) -> dict[str, int]:
    province = Agency.objects.filter(code="HA").first()
    if province is None:
        return {}
    kinds = {k.code: k for k in IndexKind.objects.all()}
    with transaction.atomic():
        created = ProvincialIndex.objects.bulk_create(
            [
                ProvincialIndex(
                    province=province,
                    kind=kinds[code],
                    year=year,
                    score=None if score is None else Decimal(score),
                    rank=rank,
                    out_of=out_of,
                    note=f"Kết quả năm {year}, công bố năm {year + 1}",
                )
                for code, rows in FIGURES.items()
                if code in kinds
                for year, score, rank, out_of in rows
            ]
        )
    return {"provincial index results": len(created)}
