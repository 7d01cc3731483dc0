"""Autosave benchmark: a report of a 300-field form saved as its officer types (DESIGN §9, issue 11: p95 < 100 ms).

Measured through the page's autosave view (Django's test client: middleware, session, JSON, the service
with its row lock, per-field versions and the audit entry), for the common case (one field changed, the
report already holding 300 values) and the worst (all 300 fields at once). Reference measured in the same
run: one plain UPDATE writing the same JSON into the same row (the floor any save pays).
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from cchc.accounts.models import User
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.reports import services
from cchc.reports.models import FieldKind, FormField, FormSection, Report, ReportForm

FIELDS = 300
TEXTS = 30  # the rest are numbers
ROUNDS = 200
GOAL = 0.100


def build() -> tuple[User, Report]:
    user = User.objects.create_superuser(username="bench-autosave", password="x", email="")
    province = Agency.objects.create(code="BENCH-AS", name="Tỉnh benchmark", kind="province", path="/BENCH-AS/")
    agency = Agency.objects.create(
        code="BENCH-AS-1",
        name="Sở benchmark",
        kind="department",
        parent=province,
        path="/BENCH-AS/BENCH-AS-1/",
        depth=1,
    )
    block = Block.objects.create(year=2031, code="BAS", name="Khối benchmark", owner=province)
    BlockMembership.objects.create(block=block, agency=agency)
    form = ReportForm.objects.create(year=2031, code="bench", name="Biểu mẫu 300 chỉ tiêu")
    sections = [FormSection.objects.create(form=form, code=f"S{i}", title=f"Mục {i}", order=i) for i in range(10)]
    FormField.objects.bulk_create(
        [
            FormField(
                form=form,
                section=sections[i % 10],
                code=f"f{i:03d}",
                label=f"Chỉ tiêu {i}",
                kind=FieldKind.TEXT if i < TEXTS else FieldKind.NUMBER,
                order=i,
            )
            for i in range(FIELDS)
        ]
    )
    period = services.create_period(user, province, 2031, "Q1", form)
    services.open_period(user, period.pk, [block])
    return user, Report.objects.get(period=period)


def values(round_: int) -> dict[str, str]:
    return {
        f"f{i:03d}": (f"Nội dung báo cáo của chỉ tiêu {i}, lần {round_}. " * 6 if i < TEXTS else str(1000 + i + round_))
        for i in range(FIELDS)
    }


def p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[max(0, int(len(samples) * 0.95) - 1)]


def through_view(client: Client, report: Report, changes: Any) -> list[float]:
    url = reverse("reports:autosave", args=[report.pk])
    times = []
    for k in range(ROUNDS):
        version = Report.objects.filter(pk=report.pk).values_list("version", flat=True).get()
        body = json.dumps({"version": version, "changes": changes(k)})
        started = time.perf_counter()
        response = client.post(url, body, content_type="application/json")
        times.append(time.perf_counter() - started)
        if response.status_code != 200 or response.json()["conflicts"]:
            raise SystemExit(f"autosave: HTTP {response.status_code} {response.content[:200]!r}")
    return times


def reference(report: Report, changes: Any) -> list[float]:
    table, column = connection.ops.quote_name(Report._meta.db_table), connection.ops.quote_name("values")
    times = []
    for k in range(ROUNDS):
        payload = json.dumps(changes(k), ensure_ascii=False)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [payload, report.pk])
        times.append(time.perf_counter() - started)
    return times


def run(workdir: str) -> None:
    user, report = build()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    services.save_values(user, report.pk, values(0), 0)  # the report already holds 300 values
    one = through_view(client, report, lambda k: {f"f{k % FIELDS:03d}": values(k + 1)[f"f{k % FIELDS:03d}"]})
    every = through_view(client, report, lambda k: values(k + 1))
    floor_one = reference(report, lambda k: values(k + 1))
    print(f"autosave of a {FIELDS}-field report ({connection.vendor}), {ROUNDS} saves each:")
    for label, samples in (("one field changed", one), (f"all {FIELDS} fields changed", every)):
        ratio = p95(samples) / p95(floor_one)
        print(
            f"  {label}: median {statistics.median(samples) * 1000:.1f} ms, p95 {p95(samples) * 1000:.1f} ms "
            f"(goal < {GOAL * 1000:.0f} ms: {'holds' if p95(samples) < GOAL else 'missed'}; {ratio:.1f}× the reference)"
        )
    print(
        f"  reference, one UPDATE of the whole JSON: median {statistics.median(floor_one) * 1000:.2f} ms, "
        f"p95 {p95(floor_one) * 1000:.2f} ms"
    )
