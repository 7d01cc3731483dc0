"""Demo of the public form's side (called from ``cchc.surveys.demo.extend`` after the demo's forms):
two service counters for each department, the demo's counter forms attached to them, and the
addresses a visitor of the demo can open (a counter's form, a dossier receipt's one-time code)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from cchc.agencies.models import Agency, AgencyKind
from cchc.surveys import codes
from cchc.surveys.models import Channel, Counter, Response, Status

COUNTER_NAMES = ("Quầy tiếp nhận và trả kết quả số 1", "Quầy tiếp nhận và trả kết quả số 2")
DEMO_DOSSIER = "STP-2026-000123"


def extend(scale: int = 1) -> dict[str, int]:
    departments = list(Agency.objects.filter(kind=AgencyKind.DEPARTMENT, active_to__isnull=True).order_by("code"))
    if not departments:
        return {}
    with transaction.atomic():
        made = Counter.objects.bulk_create(
            [Counter(agency=a, name=name) for a in departments for name in COUNTER_NAMES if not _has(a, name)]
        )
        counters: dict[int, list[Counter]] = {}
        for counter in Counter.objects.filter(agency__in=departments).order_by("pk"):
            counters.setdefault(counter.agency_id, []).append(counter)
        forms = list(Response.objects.filter(channel=Channel.COUNTER, counter__isnull=True, agency__in=departments))
        for i, form in enumerate(forms):
            form.counter = counters[form.agency_id][i % len(COUNTER_NAMES)]
        Response.objects.bulk_update(forms, ["counter"], batch_size=1000)
    return {"survey counters": len(made)}


def _has(agency: Agency, name: str) -> bool:
    return Counter.objects.filter(agency=agency, name=name).exists()


def story() -> list[str]:
    counter = Counter.objects.filter(agency__code="STP", active=True).order_by("pk").first()
    if counter is None:
        return []
    held = Response.objects.filter(status=Status.HELD).exclude(channel=Channel.PAPER).count()
    code = codes.make_code(agency_code="STP", dossier_code=DEMO_DOSSIER)
    return [
        f"- Phiếu khảo sát trực tuyến (không cần đăng nhập): quầy của Sở Tư pháp "
        f"{reverse('survey_form:counter', args=[counter.token])}; hồ sơ {DEMO_DOSSIER} "
        f"{reverse('survey_form:agency', args=['STP'])}?c={code}. sonoivu xem xét {held} phiếu bị tạm giữ"
        f" ({reverse('survey_public:review')}); daumoi.stp in mã QR của quầy và của giấy tiếp nhận"
        f" ({reverse('survey_public:counters')})."
    ]
