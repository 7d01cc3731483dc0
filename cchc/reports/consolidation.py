"""The contexts of the periodic reports' documents (DESIGN §5.3 consolidation, §5.8 documents).

``agency_context`` lays out one agency's report: its sections and parts with its narrative texts, its
numeric fields in sentences, its table fields as tables, and the system's figures (the snapshot taken at
submission once submitted, else read now). ``province_context`` writes the province's report: the
system's own figures (dossiers by block, Phụ lục 2 by block and agency) and, section by section, the
narratives of the agencies' accepted reports (and, marked, of those submitted but not accepted yet),
each under the agency's name. Both return the documents engine's context contract (``docs/reports.md``):
every value a Vietnamese string, ready for a template.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency, AgencyKind
from cchc.core.formatting import format_number
from cchc.dossiers import stats
from cchc.dossiers.stats import Indicators
from cchc.plans.stats import task_stats
from cchc.reports import appendices, calendar, prefill, sentences
from cchc.reports.completeness import completeness as completeness_of
from cchc.reports.models import FieldKind, FormField, FormRule, FormSection, Report, ReportingPeriod, ReportState
from cchc.scoring.report import authority_lines

PRELIMINARY = "(KẾT QUẢ TẠM TÍNH)"
DRAFT = "(DỰ THẢO)"
DOSSIER_HEADING = "KẾT QUẢ GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH"
DOCUMENT_KIND = {"Q1": "province_quarter", "Q2": "province_quarter", "Q3": "province_quarter"}
DOCUMENT_KIND |= {"Q4": "province_quarter", "H1": "province_half", "9M": "province_nine", "Y": "province_year"}
NUMBERING = re.compile(r"^\s*(?:[IVXLC]+|\d+|[a-zđ])[.)]\s+")
RECIPIENTS = [
    "Bộ Nội vụ (b/c);",
    "TT. Tỉnh ủy, TT. HĐND tỉnh (b/c);",
    "Chủ tịch, các PCT UBND tỉnh;",
    "Các sở, ban, ngành; UBND cấp huyện, cấp xã;",
    "Lưu: VT, SNV.",
]


def document_kind(period_kind: str) -> str:
    """The documents engine's kind of the province's report of a period."""
    return DOCUMENT_KIND[period_kind]


# The layout of a form: sections, their parts, the fields of each


@dataclass
class Container:
    """A section (level 1) or a part of one (level 2) with its fields, and what the document writes in it."""

    heading: str
    fields: list[FormField] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    parts: list[Container] = field(default_factory=list)

    def as_context(self, with_parts: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {"heading": self.heading, "paragraphs": self.paragraphs, "tables": self.tables}
        if with_parts:
            data["parts"] = [p.as_context(with_parts=False) for p in self.parts]
        return data

    def walk(self) -> Iterable[Container]:
        yield self
        yield from self.parts


def _title(text: str) -> str:
    return NUMBERING.sub("", text).strip()


def layout(form_id: int | None) -> list[Container]:
    """The form's sections ("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH") with their parts ("1. …") and fields, in order."""
    if form_id is None:
        return []
    sections: list[Container] = []
    by_id: dict[int, Container] = {}
    for s in FormSection.objects.filter(form_id=form_id).order_by("order", "pk"):
        if s.level > 1 and sections:
            part = Container(f"{len(sections[-1].parts) + 1}. {_title(s.title)}")
            sections[-1].parts.append(part)
            by_id[s.pk] = part
        else:
            by_id[s.pk] = Container(f"{appendices.roman(len(sections) + 1)}. {_title(s.title).upper()}")
            sections.append(by_id[s.pk])
    for f in FormField.objects.filter(form_id=form_id).order_by("order", "pk"):
        by_id[f.section_id].fields.append(f)
    return sections


def _containers(sections: list[Container]) -> list[Container]:
    return [c for s in sections for c in s.walk()]


def _rule_places(form_id: int | None, sections: list[Container]) -> dict[str, tuple[FormRule, Container]]:
    """Each rule with the container of the first field its expression names (where its justification goes)."""
    if form_id is None:
        return {}
    place = {f.code: c for c in _containers(sections) for f in c.fields}
    result = {}
    for rule in FormRule.objects.filter(form_id=form_id):
        codes = [t for t in re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", rule.expression) if t in place]
        if codes:
            result[rule.code] = (rule, place[codes[0]])
        elif place:
            result[rule.code] = (rule, _containers(sections)[-1])
    return result


def _justification_text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("text") or value.get("reason") or ""
    return str(value or "").strip()


def _table(f: FormField, rows: Iterable[list[str]], first: str = "") -> dict[str, Any]:
    header = [str(c.get("label") or c.get("code", "")) for c in f.columns]
    return {"title": f.label, "header": [first, *header] if first else header, "rows": list(rows)}


def _table_rows(f: FormField, value: Any) -> list[list[str]]:
    codes = [str(c.get("code", "")) for c in f.columns]
    rows = value if isinstance(value, list) else []
    return [[_cell(row.get(c) if isinstance(row, dict) else "") for c in codes] for row in rows]


def _cell(value: Any) -> str:
    number = sentences.as_number(value) if isinstance(value, int | str) else None
    if number is not None and not isinstance(value, bool):
        return format_number(number)
    return "" if value is None else str(value)


# Common parts of a document


def _place(agency: Agency) -> str:
    """The place of the date line: the province's name ("Hòa An" of "UBND tỉnh Hòa An")."""
    province = agency
    while province.parent_id is not None and province.kind != AgencyKind.PROVINCE:
        province = province.parent  # type: ignore[assignment]
    name = province.name
    for prefix in ("UBND tỉnh ", "UBND thành phố ", "UBND ", "Tỉnh ", "tỉnh "):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def place_date(agency: Agency, today: date) -> str:
    return f"{_place(agency)}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}"


def _symbol(agency: Agency) -> str:
    """ "UBND" for a People's Committee, the initials of the name otherwise ("Sở Tư pháp" → "STP")."""
    if agency.name.startswith("UBND"):
        return "UBND"
    return "".join(word[0] for word in agency.name.split() if word[0].isalpha()).upper()


def _authority(agency: Agency) -> list[str]:
    if agency.name.startswith("UBND") or agency.parent is None:
        return authority_lines(agency)
    return [agency.parent.name.upper(), agency.name.upper()]


def _signer(agency: Agency) -> list[str]:
    if agency.name.startswith("UBND"):
        return ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    if agency.kind == AgencyKind.DEPARTMENT:
        return ["GIÁM ĐỐC"]
    return ["THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"]


def _common(agency: Agency, today: date) -> dict[str, Any]:
    return {
        "authority_lines": _authority(agency),
        "number": f"   /BC-{_symbol(agency)}",
        "place_date": place_date(agency, today),
        "title": "BÁO CÁO",
        "signer_lines": _signer(agency),
        "signer_name": "",
    }


def _area(agency: Agency) -> str:
    """ "tỉnh Hòa An" of "UBND tỉnh Hòa An"; an agency's own name otherwise."""
    return agency.name.removeprefix("UBND ")


def _dossier_rows(period: ReportingPeriod, agencies: Any, user: Any) -> list[appendices.Row]:
    groups = stats.indicators(period.cutoff_start, period.cutoff_end, user=user, by="agency", agencies=agencies)
    return appendices.appendix2_rows(groups, period.cutoff_end.year)


TASK_HEADING = "KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH"


def _tasks(period: ReportingPeriod, agencies: Any, user: Any, by: str = "area") -> list[Any]:
    """The task statistics of the period's year as of its cut-off, for tasks led by ``agencies`` (the plans
    module, ``cchc.plans.stats``): Phụ lục 1 by PAR area, or the total (``by="none"``)."""
    return task_stats(period.year, user=user, as_of=period.cutoff_end, by=by, agencies=agencies)


def _task_paragraph(subject: str, period: ReportingPeriod, agencies: Any, user: Any) -> list[str]:
    (total,) = _tasks(period, agencies, user, by="none")
    return [sentences.task_sentence(subject, total, period.cutoff_end)] if total.assigned else []


# One agency's report


def _require(user: Any, report: Report) -> None:
    if not Report.objects.restrict(user, "view").filter(pk=report.pk).exists():
        raise PermissionDenied(_("You may not read this report."))


def agency_context(report: Report, *, user: Any, today: date | None = None) -> dict[str, Any]:
    """The document of one agency's report, laid out as its form, with its own texts and figures."""
    _require(user, report)
    agency, period = report.agency, report.period
    today = today or timezone.localdate()
    submitted = report.state in (ReportState.SUBMITTED, ReportState.ACCEPTED)
    figures = report.prefilled if submitted else prefill.figures(report, user=user)
    sections = layout(period.form_id)
    for container in _containers(sections):
        for f in container.fields:
            _write_agency_field(container, f, report.values.get(f.code), figures.get(f.code))
    for code, (rule, container) in _rule_places(period.form_id, sections).items():
        text = _justification_text(report.justifications.get(code))
        if text:
            container.paragraphs.append(sentences.justification_sentence(agency.name, rule.message, text) + ".")
    for container in _containers(sections):
        if not container.paragraphs and not container.tables and container.fields:
            container.paragraphs.append("Không có nội dung báo cáo.")
    when = calendar.period_text(period.year, period.kind)
    rows = _dossier_rows(period, [agency.pk], user)
    if sections:
        sections[0].paragraphs[:0] = _task_paragraph(agency.name, period, [agency.pk], user)
    return {
        **_common(agency, today),
        "subtitle": f"Kết quả thực hiện công tác cải cách hành chính {when} của {agency.name}",
        "preliminary": "" if submitted else DRAFT,
        "intro": (
            f"Thực hiện chế độ báo cáo định kỳ về công tác cải cách hành chính (CCHC), {agency.name} "
            f"báo cáo kết quả thực hiện công tác CCHC {when} như sau:"
        ),
        "closing": f"Trên đây là báo cáo kết quả thực hiện công tác CCHC {when} của {agency.name}./.",
        "recipients": [f"{period.owner.name} (Sở Nội vụ) (b/c);", "Lưu: VT."],
        "sections": [s.as_context() for s in sections],
        "appendix1": appendices.appendix1_context(_tasks(period, [agency.pk], user)),
        "appendix2": appendices.appendix2_context([r for r in rows if not r.bold]) if rows else None,
    }


def _write_agency_field(container: Container, f: FormField, value: Any, figure: Any) -> None:
    if f.prefill:
        if figure:
            container.paragraphs.append(
                sentences.number_sentence(f.label, figure["text"], f.unit).rstrip(".") + f" ({figure['source']})."
            )
        elif not prefill.available(f.prefill):
            container.paragraphs.append(f"{f.label.rstrip(' :')}: {prefill.missing(f.prefill)}.")
        return
    if f.kind == FieldKind.TEXT:
        container.paragraphs.extend(p.strip() for p in str(value or "").splitlines() if p.strip())
    elif f.kind == FieldKind.NUMBER and sentences.as_number(value) is not None:
        container.paragraphs.append(sentences.number_sentence(f.label, sentences.as_number(value), f.unit))
    elif f.kind == FieldKind.TABLE and value:
        container.tables.append(_table(f, _table_rows(f, value)))


# The province's report


@dataclass
class Included:
    """An agency's report that the province's document draws on: accepted, or submitted and marked."""

    report: Report
    block: str

    @property
    def mark(self) -> str:
        return "" if self.report.state == ReportState.ACCEPTED else sentences.NOT_ACCEPTED


def _included(period: ReportingPeriod, user: Any) -> list[Included]:
    if period.pk is None:
        return []
    blocks = dict(period.expected.values_list("agency_id", "block__code"))
    reports = (
        Report.objects.restrict(user, "view")
        .filter(period=period, state__in=[ReportState.ACCEPTED, ReportState.SUBMITTED])
        .select_related("agency")
        .only("pk", "state", "values", "justifications", "agency__name", "agency__code", "agency__path")
    )
    included = [Included(r, blocks.get(r.agency_id, "")) for r in reports]
    return sorted(included, key=lambda i: (i.block == "", i.block, i.report.agency.path))


def completeness(period: ReportingPeriod, user: Any) -> tuple[int, int, int]:
    """(on time, late, expected) of the period, by the completeness module: the expected set frozen at
    opening and followed through merges, so that no count exceeds what was expected."""
    if period.pk is None:
        return 0, 0, 0
    counts = completeness_of(user, [period])[0].total.counts
    return counts["on_time"], counts["late"], counts["expected"]


def _consolidate_field(container: Container, f: FormField, included: list[Included], many: bool) -> bool:
    """Write one field of the agencies' reports into the container; whether any agency wrote in it."""
    if f.kind == FieldKind.TEXT:
        paragraphs = []
        for i in included:
            paragraphs += sentences.attributed(i.report.agency.name, str(i.report.values.get(f.code) or ""), i.mark)
        if many and paragraphs:
            container.paragraphs.append(f"{f.label.rstrip(' :')}:")
        container.paragraphs.extend(paragraphs)
        return bool(paragraphs)
    if f.kind == FieldKind.NUMBER:
        values = [i.report.values.get(f.code) for i in included]
        value = sentences.summed(values)
        if value is None:
            return False
        n = sum(sentences.as_number(v) is not None for v in values)
        sentence = sentences.number_sentence(f.label, value, f.unit).rstrip(".")
        container.paragraphs.append(f"{sentence} (tổng hợp từ báo cáo của {n} cơ quan, đơn vị).")
        return True
    rows = [[i.report.agency.name, *row] for i in included for row in _table_rows(f, i.report.values.get(f.code))]
    if rows:
        container.tables.append(_table(f, rows, first="Cơ quan, đơn vị"))
    return bool(rows)


def province_context(period: ReportingPeriod, *, user: Any, today: date) -> dict[str, Any]:
    """The province's report of ``period`` (saved, or an unsaved one of the default calendar when the period
    was never configured: then the system's figures only)."""
    owner = period.owner
    if period.pk is not None and not ReportingPeriod.objects.restrict(user, "view").filter(pk=period.pk).exists():
        raise PermissionDenied(_("You may not read this reporting period."))
    when = calendar.period_text(period.year, period.kind)
    subtree = Agency.objects.filter(path__startswith=owner.path).values("pk")
    included = _included(period, user)
    sections = layout(period.form_id)
    dossier_place: Container | None = None
    for container in _containers(sections):
        texts = [f for f in container.fields if f.kind == FieldKind.TEXT and not f.prefill]
        wrote = False
        for f in container.fields:
            if f.prefill:
                if f.prefill.startswith("dossiers.") and dossier_place is None:
                    dossier_place = container
                elif not prefill.available(f.prefill):
                    container.paragraphs.append(f"{f.label.rstrip(' :')}: {prefill.missing(f.prefill)}.")
                continue
            wrote |= _consolidate_field(container, f, included, len(texts) > 1)
        if texts and not wrote:
            container.paragraphs.append(sentences.NO_NARRATIVE)
    for code, (rule, container) in _rule_places(period.form_id, sections).items():
        for i in included:
            text = _justification_text(i.report.justifications.get(code))
            if text:
                sentence = sentences.justification_sentence(i.report.agency.name, rule.message, text)
                container.paragraphs.append(sentence + ".")
    blocks = stats.indicators(period.cutoff_start, period.cutoff_end, user=user, by="block", agencies=subtree)
    total = Indicators("all", "")
    for b in blocks:
        total.add(b.counts)
    paragraphs = sentences.dossier_paragraphs(
        "các cơ quan, đơn vị", when, total, blocks, period.cutoff_start, period.cutoff_end
    )
    if dossier_place is None:
        dossier_place = Container(f"{appendices.roman(len(sections) + 1)}. {DOSSIER_HEADING}")
        sections.append(dossier_place)
    dossier_place.paragraphs[:0] = [*paragraphs, "(Chi tiết tại Phụ lục 2 kèm theo)"]
    task_paragraphs = _task_paragraph("các cơ quan, đơn vị", period, subtree, user)
    if task_paragraphs:
        if sections[0] is dossier_place:  # no form: the tasks get a section of their own, first
            sections.insert(0, Container(f"I. {TASK_HEADING}"))
            for number, container in enumerate(sections[1:], start=2):
                container.heading = f"{appendices.roman(number)}.{container.heading.partition('.')[2]}"
        sections[0].paragraphs[:0] = task_paragraphs
    rows = _dossier_rows(period, subtree, user)
    on_time, late, expected = completeness(period, user)
    basis = (
        f"báo cáo của các cơ quan, đơn vị ({sentences.completeness_clause(on_time, late, expected)}) và "
        if expected
        else ""
    )
    area = _area(owner)
    return {
        **_common(owner, today),
        "subtitle": _province_subtitle(period, area, when),
        "preliminary": PRELIMINARY if any(i.mark for i in included) else "",
        "intro": (
            f"Thực hiện chế độ báo cáo định kỳ theo quy định của Bộ Nội vụ, trên cơ sở tổng hợp {basis}số liệu "
            f"trên Hệ thống quản lý công tác cải cách hành chính (CCHC), {owner.name} báo cáo tình hình, kết quả "
            f"thực hiện công tác CCHC {when} như sau:"
        ),
        "closing": f"Trên đây là báo cáo tình hình, kết quả thực hiện công tác CCHC {when} của {area}./.",
        "recipients": RECIPIENTS,
        "sections": [s.as_context() for s in sections],
        "appendix1": appendices.appendix1_context(_tasks(period, subtree, user)),
        "appendix2": appendices.appendix2_context(rows) if rows else None,
    }


def _province_subtitle(period: ReportingPeriod, area: str, when: str) -> str:
    if period.kind == "Y":
        return (
            f"Kết quả thực hiện công tác cải cách hành chính năm {period.year} của {area} "
            f"và phương hướng, nhiệm vụ năm {period.year + 1}"
        )
    return f"Tình hình, kết quả thực hiện công tác cải cách hành chính {when} của {area}"


def appendix2_workbook(period: ReportingPeriod, *, user: Any) -> bytes:
    """Phụ lục 2 of the province's report as XLSX: the same rows as the DOCX's table."""
    subtree = Agency.objects.filter(path__startswith=period.owner.path).values("pk")
    rows = _dossier_rows(period, subtree, user)
    when = calendar.period_text(period.year, period.kind)
    subtitle = f"(Kèm theo Báo cáo {when}; {sentences.range_text(period.cutoff_start, period.cutoff_end)})"
    return appendices.appendix2_xlsx(rows, subtitle, _tasks(period, subtree, user))


def agency_workbook(report: Report, *, user: Any) -> bytes:
    """Phụ lục 2 of an agency's report as XLSX: its own row, as in the DOCX."""
    _require(user, report)
    period = report.period
    rows = [r for r in _dossier_rows(period, [report.agency_id], user) if not r.bold]
    when = calendar.period_text(period.year, period.kind)
    subtitle = f"(Kèm theo Báo cáo {when} của {report.agency.name})"
    return appendices.appendix2_xlsx(rows, subtitle, _tasks(period, [report.agency_id], user))
