"""Demo data of the dossier statistics: a procedure catalogue, targets, and dossiers of 2024–2026.

Dossiers go through the real import, so the aggregates are built exactly as in production. Rates
vary by agency (a few agencies with a late rate above the 5 % of rule 1, online shares rising year
by year) so that every page has something to show.
"""

from __future__ import annotations

import csv
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone

from cchc.agencies.models import Agency
from cchc.dossiers.models import Procedure, Target
from cchc.dossiers.services import import_dossiers_file

FIELDS = {
    "province": ["Đầu tư", "Xây dựng", "Đất đai", "Tư pháp", "Y tế", "Giáo dục và Đào tạo", "Giao thông vận tải"],
    "district": ["Đất đai", "Hộ tịch", "Xây dựng", "Lao động - Thương binh và Xã hội", "Văn hóa"],
    "commune": ["Hộ tịch", "Chứng thực", "Bảo trợ xã hội", "Đất đai"],
}
NAMES = [
    "Cấp giấy chứng nhận",
    "Đăng ký",
    "Cấp phép",
    "Xác nhận",
    "Điều chỉnh",
    "Gia hạn",
    "Thẩm định",
    "Cấp lại",
]
LEVEL_OF_KIND = {
    "department": "province",
    "vertical": "province",
    "public_service": "province",
    "province": "province",
    "district": "district",
    "commune": "commune",
}
PER_KIND = {"department": 40, "vertical": 30, "public_service": 8, "province": 5, "district": 20, "commune": 4}
TARGETS = {"department": (45, 1), "district": (35, 1), "commune": (25, 1), "vertical": (50, 1)}
FIRST_DAY = date(2024, 1, 1)


def _catalogue(rng: random.Random) -> list[Procedure]:
    procedures = []
    number = 0
    for level, fields in FIELDS.items():
        for field in fields:
            for name in NAMES[: rng.randrange(4, len(NAMES) + 1)]:
                number += 1
                online = rng.choices(["full", "partial", "none"], weights=[4, 4, 2])[0]
                procedures.append(
                    Procedure(
                        code=f"1.{number:06d}",
                        name=f"{name} ({field.lower()})",
                        field=field,
                        level=level,
                        online_level=online,
                        postal=rng.random() < 0.7,
                        online_payment=online == "full" and rng.random() < 0.6,
                    )
                )
    Procedure.objects.bulk_create(procedures, ignore_conflicts=True)
    return list(Procedure.objects.all())


def _rows(rng: random.Random, agencies: list[Agency], procedures: list[Procedure], total: int) -> list[dict[str, str]]:
    today = timezone.localdate()
    days = (today - FIRST_DAY).days
    by_level: dict[str, list[Procedure]] = {}
    for p in procedures:
        by_level.setdefault(p.level, []).append(p)
    weights = [PER_KIND.get(a.kind, 1) for a in agencies]
    slow = {a.pk for a in rng.sample(agencies, max(1, len(agencies) // 15))}  # late rate above 5 %
    rows = []
    for n in range(total):
        received = FIRST_DAY + timedelta(days=rng.randrange(days))
        agency = rng.choices(agencies, weights)[0]
        while not agency.is_active_on(received):
            agency = rng.choices(agencies, weights)[0]
        procedure = rng.choice(by_level[LEVEL_OF_KIND[agency.kind]])
        due = received + timedelta(days=rng.choice((1, 3, 5, 7, 10, 15)))
        late_share = 0.08 if agency.pk in slow else 0.012
        roll = rng.random()
        took = (
            (due - received).days + 1 + rng.randrange(5)
            if roll < late_share
            else rng.randrange((due - received).days + 1)
        )
        resolved = received + timedelta(days=took)
        status = "resolved"
        if resolved > today:
            status, resolved_text = "pending", ""
        elif rng.random() < 0.015:
            status, resolved_text = rng.choice(("returned", "withdrawn")), resolved.isoformat()
        else:
            resolved_text = resolved.isoformat()
        online_share = {2024: 0.35, 2025: 0.5, 2026: 0.62}[received.year] if procedure.online_level != "none" else 0
        online = rng.random() < online_share
        fee = rng.choice((0, 0, 0, 20000, 50000, 100000, 500000))
        rows.append(
            {
                "dossier_code": f"{agency.code}-{received:%y%m%d}-{n:06d}",
                "agency_code": agency.code,
                "procedure_code": procedure.code,
                "received_at": received.isoformat(),
                "due_at": due.isoformat() if rng.random() > 0.02 else "",
                "resolved_at": resolved_text,
                "status": status,
                "channel": "online" if online else ("postal" if rng.random() < 0.03 else "direct"),
                "online_level": procedure.online_level if procedure.online_level != "none" else "",
                "paid_online": "1" if online and fee and rng.random() < 0.7 else "0",
                "fee_amount": str(fee),
                "result_by_post": "1" if rng.random() < 0.05 else "0",
                "digitized": "1" if rng.random() < 0.55 else "0",
                "sms_count": str(rng.randrange(4)),
                "handler": f"{agency.code.lower()}.canbo{rng.randrange(1, 4)}",
            }
        )
    return rows


def extend(scale: int) -> dict[str, int]:
    rng = random.Random(766)
    procedures = _catalogue(rng)
    agencies = list(Agency.objects.exclude(kind="province").order_by("code"))
    rows = _rows(rng, agencies, procedures, 30_000 * min(scale, 3))
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "demo-dossiers.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        import_dossiers_file(path)
    for year in (2024, 2025, 2026):
        for kind, (online, late) in TARGETS.items():
            Target.objects.update_or_create(
                year=year, kind=kind, defaults={"online_rate_min": online, "late_rate_max": late}
            )
    return {"procedures": len(procedures), "dossiers": len(rows)}
