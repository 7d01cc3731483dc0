"""Demo surveys: the shipped questionnaire for 2025 (target 84%) and 2026 (target 87%, as seeds/000
sets them), a few thousand forms over the agencies with rates of about 80–90%, some of the counter
forms held for review, and paper batches of Sở Tư pháp: one saved, one typed twice with two
differences left to resolve (called by ``cchc demo_data``, before the PAR index, which reads them)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cchc.agencies.models import Agency, AgencyKind
from cchc.core.scope import SYSTEM
from cchc.surveys import paper
from cchc.surveys.models import (
    Answer,
    Channel,
    Element,
    PaperBatch,
    PaperEntry,
    Questionnaire,
    Response,
    Status,
    Trust,
)
from cchc.surveys.questionnaires import default_questionnaire
from cchc.surveys.stats import survey_stats

YEARS = {2025: (Decimal("0.84"), date(2025, 12, 31)), 2026: (Decimal("0.87"), date(2026, 11, 30))}
FORMS = {AgencyKind.DEPARTMENT: 24, AgencyKind.DISTRICT: 20, AgencyKind.COMMUNE: 10, AgencyKind.VERTICAL: 8}
# How each element fares against the agency's quality: the feedback handling lags, as SIPAS finds.
ELEMENT_SHIFT = {
    Element.ACCESS: 0.02,
    Element.PROCEDURE: 0.0,
    Element.OFFICER: 0.03,
    Element.RESULT: 0.01,
    Element.FEEDBACK: -0.05,
}


def story() -> list[str]:
    lines = []
    for year, (target, _day) in YEARS.items():
        (group,) = survey_stats(year, user=SYSTEM)
        lines.append(
            f"- Khảo sát sự hài lòng năm {year}: {group.forms:,} phiếu được tính".replace(",", ".")
            + f", {group.held} phiếu chờ xem xét; mức độ hài lòng {group.satisfaction_text}"
            f" (chỉ tiêu {round(target * 100)}%: {group.verdict})."
        )
    lines.append("- Phiếu giấy: Sở Tư pháp có một lô đã lưu và một lô nhập hai lần còn 2 chỗ lệch cần đối chiếu.")
    return lines


def extend(scale: int) -> dict[str, int]:
    if not Agency.objects.filter(code="HA").exists():
        return {}
    rng = random.Random(13)
    count = 0
    with transaction.atomic():
        for year, (target, last_day) in YEARS.items():
            questionnaire = default_questionnaire(year, target=target)
            count += _forms(questionnaire, last_day, rng, scale)
        batches = _batches(default_questionnaire(2026), rng)
    return {"survey forms": count, "paper batches": batches}


def _forms(questionnaire: Questionnaire, last_day: date, rng: random.Random, scale: int) -> int:
    questions = list(questionnaire.questions.all())
    middle = date(questionnaire.year, 6, 1)
    agencies = [a for a in Agency.objects.active_on(middle).order_by("code") if a.kind in FORMS]
    responses: list[Response] = []
    answers: list[tuple[int, list[tuple[int, int]]]] = []
    first = date(questionnaire.year, 1, 2)
    span = (last_day - first).days
    for agency in agencies:
        quality = rng.uniform(0.78, 0.93)
        for i in range(FORMS[agency.kind] * max(1, scale) + rng.randint(0, 6)):
            day = first + timedelta(days=rng.randint(0, span))
            day = min(day, agency.active_to or day)
            channel = rng.choice([Channel.CODE, Channel.CODE, Channel.COUNTER, Channel.PAPER])
            held = channel == Channel.COUNTER and rng.random() < 0.08
            at = timezone.make_aware(datetime.combine(day, time(8 + rng.randint(0, 8), rng.randint(0, 59))))
            responses.append(
                Response(
                    questionnaire=questionnaire,
                    agency=agency,
                    channel=channel,
                    trust=Trust.LOW if channel == Channel.COUNTER else Trust.NORMAL,
                    status=Status.HELD if held else Status.COUNTED,
                    held_reasons=[rng.choice(["burst", "pattern", "rate_limit"])] if held else [],
                    answered_on=day,
                    submitted_at=at,
                    serial=f"{questionnaire.year}-{agency.code}-{i + 1:04d}" if channel == Channel.PAPER else None,
                    comment=rng.choice(["", "", "", "", "Cán bộ hướng dẫn nhiệt tình.", "Chỗ ngồi chờ còn chật."]),
                )
            )
            values = []
            for q in questions:
                if rng.random() < 0.08:
                    continue  # unanswered
                p = min(0.99, quality + ELEMENT_SHIFT[Element(q.element)])
                value = rng.choice([4, 5, 5]) if rng.random() < p else rng.choice([1, 2, 3, 3, 3])
                values.append((q.pk, value))
            answers.append((len(responses) - 1, values))
    Response.objects.bulk_create(responses, batch_size=1000)
    if any(r.pk is None for r in responses):
        raise RuntimeError("the database returned no keys")
    rows = [Answer(response_id=responses[i].pk, question_id=q, value=v) for i, values in answers for q, v in values]
    Answer.objects.bulk_create(rows, batch_size=5000)
    return len(responses)


def _batches(questionnaire: Questionnaire, rng: random.Random) -> int:
    agency = Agency.objects.filter(code="STP").first()
    if agency is None:
        return 0
    from cchc.accounts.models import User

    officer = User.objects.filter(username="daumoi.stp").first()
    head = User.objects.filter(username="thutruong.stp").first()
    codes = [q.code for q in questionnaire.questions.all()]
    if officer is None or head is None:
        return 0
    saved = paper.create_batch(questionnaire, agency, officer, name="Phiếu giấy tháng 10/2026")
    rows = [
        (
            i,
            {
                "serial": f"GIAY-10-{i:03d}",
                "answered_on": f"2026-10-{rng.randint(1, 30):02d}",
                **{c: str(rng.choice([3, 4, 4, 5, 5])) for c in codes if rng.random() > 0.1},
            },
        )
        for i in range(1, 13)
    ]
    paper.save_entry(saved, officer, 1, rows)
    double = PaperBatch.objects.create(
        questionnaire=questionnaire,
        agency=agency,
        name="Phiếu giấy tháng 11/2026",
        double_entry=True,
        created_by=officer,
    )
    entries = []
    for position in range(1, 9):
        values = {c: rng.choice([3, 4, 4, 5, 5]) for c in codes if rng.random() > 0.1}
        common = dict(
            batch=double,
            position=position,
            serial=f"GIAY-11-{position:03d}",
            answered_on=date(2026, 11, rng.randint(2, 28)),
            dossier_code="",
        )
        entries.append(PaperEntry(entry=1, values=values, entered_by=officer, **common))
        second = dict(values)
        if position in (3, 6):  # two typing slips for the diff view
            code = codes[position]
            second[code] = 2 if values.get(code) != 2 else 5
        entries.append(PaperEntry(entry=2, values=second, entered_by=head, **common))
    PaperEntry.objects.bulk_create(entries)
    return 2
