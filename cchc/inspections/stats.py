"""The inspection figures the reports quote (DESIGN §5.6, ``seeds/003``: "kiểm tra 33 cơ quan, …, khắc
phục 41 hạn chế, thiếu sót").

For the inspections of a year's plans that have started (being inspected or concluded), as of a day:
``agencies`` inspected (each agency once, however many inspections), ``inspections``, ``findings``
recorded by then, of which ``remedied`` (verified by then), ``reported`` (awaiting verification),
``overdue`` (not verified and the deadline before the day) and ``in_time`` (not verified, not yet due).
So findings = remedied + reported + open, and overdue counts the unverified ones past their deadline,
reported or not. ``remedied_on_time``: verified, and done by the agency on or before the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.core.formatting import format_number, format_percent, ratio
from cchc.inspections.models import Finding, Inspection, InspectionStatus, RemediationStatus, Severity
from cchc.plans.models import Area

GROUPINGS = ("none", "agency", "category", "severity")
COUNTS = ("agencies", "inspections", "findings", "remedied", "remedied_on_time", "reported", "unremedied", "overdue")
LABELS = {
    "agencies": gettext_lazy("Agencies inspected"),
    "inspections": gettext_lazy("Inspections"),
    "findings": gettext_lazy("Findings"),
    "remedied": gettext_lazy("Remedied (verified)"),
    "remedied_on_time": gettext_lazy("Remedied on time"),
    "reported": gettext_lazy("Reported, awaiting verification"),
    "unremedied": gettext_lazy("Not yet remedied"),
    "overdue": gettext_lazy("Overdue (deadline passed, not verified)"),
    "remedied_rate": gettext_lazy("Findings remedied"),
}
HELD = (InspectionStatus.IN_PROGRESS, InspectionStatus.CONCLUDED)


@dataclass
class Group:
    key: str
    name: str
    agencies: int = 0
    inspections: int = 0
    findings: int = 0
    remedied: int = 0
    remedied_on_time: int = 0
    reported: int = 0
    overdue: int = 0
    path: str = field(default="", repr=False)

    @property
    def unremedied(self) -> int:
        return self.findings - self.remedied

    @property
    def remedied_rate(self) -> Any:
        return ratio(self.remedied, self.findings)

    @property
    def remedied_rate_text(self) -> str:
        return format_percent(self.remedied_rate)

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}

    def as_json(self) -> dict[str, Any]:
        value = self.remedied_rate
        rate = {"value": None if value is None else round(float(value), 6), "text": self.remedied_rate_text}
        return {"key": self.key, "name": self.name, **self.counts(), "remedied_rate": rate}


def inspection_stats(
    year: int, *, user: Any, as_of: date | None = None, by: str = "none", agencies: Any = None
) -> list[Group]:
    """The figures of the inspections of ``year``'s plans the reader sees (a person, or ``SYSTEM``).

    ``by``: ``none`` (one group, key ``all``), ``agency`` (the inspected agency's code), ``category``
    (a PAR area) or ``severity``; agencies and inspections are counted only by ``none`` and ``agency``.
    ``agencies`` narrows to the inspections of those agencies."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    day = as_of or timezone.localdate()
    inspections = Inspection.objects.restrict(user).filter(plan__year=year, status__in=HELD, starts_on__lte=day)
    if agencies is not None:
        inspections = inspections.filter(agency__in=agencies)
    findings = Finding.objects.restrict(user).filter(inspection__in=inspections.values("pk"), found_on__lte=day)
    groups = _groups(by)
    if by in ("none", "agency"):
        _count_inspections(inspections, by, groups)
    column = {"none": None, "agency": "inspection__agency__code", "category": "category", "severity": "severity"}[by]
    for row in _finding_counts(findings, column, day):
        key = row[column] if column else "all"
        group = groups.setdefault(key, Group(key, row.get("inspection__agency__name", key)))
        for name in ("findings", "remedied", "remedied_on_time", "reported", "overdue"):
            setattr(group, name, getattr(group, name) + row[name])
    return sorted(groups.values(), key=lambda g: g.path) if by == "agency" else list(groups.values())


def _groups(by: str) -> dict[str, Group]:
    if by == "none":
        return {"all": Group("all", _("All inspections"))}
    if by == "category":
        return {code: Group(code, str(label)) for code, label in Area.choices}
    if by == "severity":
        return {code: Group(code, str(label)) for code, label in Severity.choices}
    return {}


def _count_inspections(inspections: Any, by: str, groups: dict[str, Group]) -> None:
    if by == "none":
        row = inspections.aggregate(n=Count("pk", distinct=True), agencies=Count("agency", distinct=True))
        groups["all"].inspections, groups["all"].agencies = row["n"], row["agencies"]
        return
    rows = inspections.values("agency__code", "agency__name", "agency__path").annotate(n=Count("pk", distinct=True))
    for row in rows.order_by():
        code = row["agency__code"]
        group = groups.setdefault(code, Group(code, row["agency__name"], path=row["agency__path"]))
        group.inspections, group.agencies = row["n"], 1


def _finding_counts(findings: Any, column: str | None, day: date) -> list[dict[str, Any]]:
    verified = Q(status=RemediationStatus.VERIFIED, verified_on__lte=day)
    aggregates = {
        "findings": Count("pk", distinct=True),
        "remedied": Count("pk", filter=verified, distinct=True),
        "remedied_on_time": Count("pk", filter=verified & Q(remedied_on__lte=F("deadline")), distinct=True),
        # Reported by the day and not verified by it (a finding verified later was still awaiting then).
        "reported": Count(
            "pk",
            filter=Q(status=RemediationStatus.REPORTED) | Q(status=RemediationStatus.VERIFIED, verified_on__gt=day),
            distinct=True,
        ),
        "overdue": Count("pk", filter=~verified & Q(deadline__lt=day), distinct=True),
    }
    if column is None:
        return [findings.aggregate(**aggregates)]
    names = [column, "inspection__agency__name"] if column.startswith("inspection__") else [column]
    return list(findings.values(*names).annotate(**aggregates).order_by())


def inspection_sentence(group: Group) -> str:
    """The sentence a report writes (Vietnamese, as the documents are): "Đã kiểm tra 33 cơ quan, đơn vị;
    phát hiện 41 tồn tại, hạn chế cần khắc phục; đã khắc phục 30 (được xác nhận), 5 tồn tại quá hạn chưa
    khắc phục."."""
    parts = [
        f"Đã kiểm tra {format_number(group.agencies, lang='vi')} cơ quan, đơn vị",
        f"phát hiện {format_number(group.findings, lang='vi')} tồn tại, hạn chế cần khắc phục",
    ]
    if group.findings:
        share = format_percent(group.remedied_rate, lang="vi")
        tail = [f"đã khắc phục {format_number(group.remedied, lang='vi')} ({share}, được Đoàn kiểm tra xác nhận)"]
        if group.reported:
            tail.append(f"{format_number(group.reported, lang='vi')} đã báo cáo, đang chờ xác nhận")
        if group.overdue:
            tail.append(f"{format_number(group.overdue, lang='vi')} quá hạn chưa khắc phục")
        parts.append(", ".join(tail))
    return "; ".join(parts) + "."
