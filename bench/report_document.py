"""Province report benchmark: the annual PAR report of 500 agencies with their narratives and both appendices
(Phụ lục 1 from 3,000 tasks of the year's plan, Phụ lục 2), as DOCX and XLSX (DESIGN §9: under 3 s).

What is timed: ``province_context`` (the agencies' accepted reports read and consolidated section by
section, the dossier figures by block and by agency), the documents engine's render of the annual
template, and the appendices' workbook (task statistics by PAR area as of the cut-off, dossier rows).

Reference measured in the same run: python-docx writing the same paragraphs and the same appendix table
(every string of the context, already made) into a blank document: the floor of producing that DOCX.
"""

import io
import random
import time
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from docx import Document

from bench.agencies import timed
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.core.scope import SYSTEM
from cchc.documents import engine
from cchc.dossiers.services import add_counts_of, build_row
from cchc.reports.consolidation import appendix2_workbook, document_kind, province_context
from cchc.reports.models import (
    ExpectedReport,
    FieldKind,
    FormField,
    FormSection,
    Report,
    ReportForm,
    ReportingPeriod,
    ReportState,
)

AGENCIES = 500
BLOCKS = 5
YEAR = 2032
SECTIONS = (
    "Công tác chỉ đạo, điều hành",
    "Cải cách thể chế",
    "Cải cách thủ tục hành chính",
    "Cải cách tổ chức bộ máy",
    "Cải cách chế độ công vụ",
    "Cải cách tài chính công",
    "Xây dựng, phát triển Chính phủ điện tử, Chính phủ số",
    "Phương hướng, nhiệm vụ",
)
SENTENCE = (
    "Đơn vị đã ban hành kế hoạch, văn bản chỉ đạo, hướng dẫn triển khai đúng thời hạn; tổ chức quán triệt "
    "đến toàn thể cán bộ, công chức, viên chức và gắn kết quả thực hiện với đánh giá, xếp loại cuối năm."
)


def build() -> ReportingPeriod:
    owner = Agency.objects.create(code="RD-PROV", name="UBND tỉnh Benchmark", kind="province", path="/RD-PROV/")
    Agency.objects.bulk_create(
        [
            Agency(
                code=f"RD{i:04d}",
                name=f"{'Sở' if i < 40 else 'UBND xã'} Benchmark {i:04d}",
                kind="department" if i < 40 else "commune",
                parent=owner,
                path=f"/RD-PROV/RD{i:04d}/",
                depth=1,
            )
            for i in range(AGENCIES)
        ]
    )
    agencies = list(Agency.objects.filter(code__startswith="RD0").order_by("code"))
    form = ReportForm.objects.create(year=YEAR, code="BC-NAM", name="Báo cáo CCHC năm")
    fields = []
    for s, title in enumerate(SECTIONS):
        section = FormSection.objects.create(form=form, code=f"s{s}", title=title, order=s)
        fields.append(
            FormField.objects.create(
                form=form, section=section, code=f"t{s}", label=title, kind=FieldKind.TEXT, order=2 * s
            )
        )
        if title.startswith("Cải cách thủ tục"):
            FormField.objects.create(
                form=form, section=section, code="received", label="Số hồ sơ tiếp nhận", prefill="dossiers.received"
            )
    period = ReportingPeriod.objects.create(
        owner=owner,
        year=YEAR,
        kind="Y",
        form=form,
        cutoff_start=date(YEAR - 1, 12, 15),
        cutoff_end=date(YEAR, 12, 14),
        deadline=date(YEAR, 12, 20),
        opened_at=timezone.now(),
    )
    per_block = AGENCIES // BLOCKS
    rng = random.Random(7)
    submitted = timezone.make_aware(datetime(YEAR, 12, 18, 9, 0))
    dossiers: list[tuple[Any, int]] = []
    for b in range(BLOCKS):
        block = Block.objects.create(year=YEAR, code=f"RBK{b}", name=f"Khối benchmark {b}", owner=owner)
        members = agencies[b * per_block : (b + 1) * per_block]
        BlockMembership.objects.bulk_create([BlockMembership(block=block, agency=a, year=YEAR) for a in members])
        ExpectedReport.objects.bulk_create([ExpectedReport(period=period, agency=a, block=block) for a in members])
        reports = []
        for a in members:
            values = {f.code: "\n".join([SENTENCE] * rng.randint(2, 4)) for f in fields}
            state = ReportState.ACCEPTED if rng.random() < 0.9 else ReportState.SUBMITTED
            reports.append(
                Report(
                    period=period,
                    agency=a,
                    state=state,
                    values=values,
                    first_submitted_at=submitted,
                    submitted_at=submitted,
                )
            )
            day = date(YEAR, rng.randint(1, 11), rng.randint(1, 28))
            for due_in, weight in ((9, rng.randint(100, 3000)), (5, rng.randint(0, 300)), (2, rng.randint(0, 20))):
                row = build_row("", a.pk, day, day + timedelta(days=due_in), day + timedelta(days=5), "resolved")
                dossiers.append((row, weight))
        Report.objects.bulk_create(reports)
    add_counts_of(dossiers)
    _plan(owner, agencies, rng)
    return period


TASKS_PER_AGENCY = 6


def _plan(owner: Agency, agencies: list[Agency], rng: random.Random) -> None:
    """The year's plan: six tasks led by each agency across the PAR areas, done on time, late or open."""
    from cchc.plans.models import Area, Plan, Task

    plan = Plan.objects.create(year=YEAR, agency=owner, number="01/KH-UBND", title=f"Kế hoạch CCHC năm {YEAR}")
    areas = list(Area.values)
    tasks = []
    for a in agencies:
        for k in range(TASKS_PER_AGENCY):
            deadline = date(YEAR, rng.randint(1, 12), rng.randint(1, 28))
            draw = rng.random()
            done = draw < 0.85
            completed = deadline - timedelta(days=rng.randint(0, 20)) if draw < 0.75 else deadline + timedelta(days=5)
            tasks.append(
                Task(
                    plan=plan,
                    task_code=f"{a.code}.{k}",
                    title=f"Nhiệm vụ {k} của {a.name}",
                    area=areas[(k + a.pk) % len(areas)],
                    lead_agency=a,
                    deadline=deadline,
                    product="Báo cáo",
                    status="done" if done else "open",
                    completed_on=completed if done else None,
                )
            )
    Task.objects.bulk_create(tasks, batch_size=1000)


def python_docx_floor(context: dict[str, Any]) -> None:
    """The same paragraphs and appendix rows written by python-docx into a blank document."""
    document = Document()
    for key in ("subtitle", "intro"):
        document.add_paragraph(context[key])
    for section in context["sections"]:
        document.add_paragraph(section["heading"])
        for text in section["paragraphs"]:
            document.add_paragraph(text)
    rows = context["appendix2"]["rows"]
    keys = [k for k in rows[0] if k != "bold"]
    table = document.add_table(rows=len(rows), cols=len(keys))
    for cells, row in zip(table.rows, rows, strict=True):
        for cell, key in zip(cells.cells, keys, strict=True):
            cell.text = row[key]
    document.save(io.BytesIO())


def produce(period: ReportingPeriod) -> tuple[int, int]:
    context = province_context(period, user=SYSTEM, today=date(YEAR, 12, 25))
    content = engine.render(document_kind(period.kind), YEAR, context)
    workbook = appendix2_workbook(period, user=SYSTEM)
    return len(content), len(workbook)


def run(workdir: str) -> None:
    start = time.perf_counter()
    period = build()
    built = time.perf_counter() - start
    context = province_context(period, user=SYSTEM, today=date(YEAR, 12, 25))
    paragraphs = sum(len(s["paragraphs"]) for s in context["sections"])
    consolidate = timed(lambda: province_context(period, user=SYSTEM, today=date(YEAR, 12, 25)), repeat=3)
    render = timed(lambda: engine.render(document_kind(period.kind), YEAR, context), repeat=3)
    workbook = timed(lambda: appendix2_workbook(period, user=SYSTEM), repeat=3)
    whole = timed(lambda: produce(period), repeat=3)
    reference = timed(lambda: python_docx_floor(context), repeat=3)
    sizes = produce(period)
    print(
        f"Province annual report, {AGENCIES} agencies ({paragraphs:,} paragraphs, "
        f"{len(context['appendix1']['rows'])} areas in Phụ lục 1 over {AGENCIES * TASKS_PER_AGENCY:,} tasks, "
        f"{len(context['appendix2']['rows'])} rows in Phụ lục 2; built in {built:.1f} s): "
        f"whole {whole:.2f} s (goal < 3 s) = consolidation {consolidate:.2f} s + render {render:.2f} s + "
        f"XLSX {workbook:.2f} s; DOCX {sizes[0] / 1e6:.1f} MB, XLSX {sizes[1] / 1e3:.0f} kB; python-docx writing "
        f"the same paragraphs and table {reference:.2f} s (ratio {whole / reference:.1f}×)"
    )
