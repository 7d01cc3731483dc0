"""`cchc make_report KIND --period P [--agency CODE] [--block CODE] [--approved-only] --out FILE [--xlsx FILE]`.

KIND ``ranking``: the ranking report (Báo cáo Chỉ số và xếp hạng CCHC) of a year, for one block or for
every block the issuing agency (``--agency``, the province by default) owns. KIND ``agency``: the report
of the agency ``--agency`` for the period. KIND ``province``: the province's report of the period
(``--agency``: the period's owner, the province by default), consolidated from the agencies' reports and
the system's figures; a period never configured takes the Ministry's cut-off and has no agency reports,
only the system's figures. DOCX, or PDF when FILE ends in ``.pdf``; ``--xlsx`` writes Phụ lục 2 as XLSX.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency, Block
from cchc.core.commands import CchcCommand
from cchc.core.documents import docx_to_pdf
from cchc.core.scope import SYSTEM
from cchc.core.tabular import InputError
from cchc.reports import calendar
from cchc.reports.models import PeriodKind, Report, ReportingPeriod


class Command(CchcCommand):
    help = "Write an official document (DOCX or PDF): KIND is agency, province or ranking."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["agency", "province", "ranking"])
        parser.add_argument("--period", required=True, help="2025, 2025-Q1, 2025-H1 or 2025-9M")
        parser.add_argument(
            "--agency", default="", help="agency code (agency: required; province, ranking: the issuer)"
        )
        parser.add_argument("--block", default="", help="block code (ranking: that block only)")
        parser.add_argument("--approved-only", action="store_true", help="leave out results not yet approved")
        parser.add_argument("--out", required=True, help="file to write (.docx or .pdf)")
        parser.add_argument("--xlsx", default="", help="also write Phụ lục 2 (dossier results) to this .xlsx file")

    def run(self, *args: Any, kind: str, period: str, out: str, xlsx: str = "", **options: Any) -> None:
        year, period_kind = calendar.parse_period(period)
        path = Path(out)
        if path.suffix.lower() not in (".docx", ".pdf"):
            raise InputError(_("--out must end in .docx or .pdf"))
        if xlsx and not xlsx.lower().endswith(".xlsx"):
            raise InputError(_("--xlsx must end in .xlsx"))
        if kind != "ranking" and options["block"]:
            raise InputError(_("--block is for the ranking report"))
        workbook: bytes | None = None
        if kind == "ranking":
            if xlsx:
                raise InputError(_("--xlsx is for the agency and province reports"))
            if period_kind != PeriodKind.YEAR:
                raise InputError(_("a ranking report is of a year: write --period %(year)s") % {"year": year})
            content = ranking_document(year, options["agency"], options["block"], options["approved_only"])
        elif kind == "agency":
            content, workbook = agency_document(year, period_kind, options["agency"], bool(xlsx))
        else:
            content, workbook = province_document(year, period_kind, options["agency"], bool(xlsx))
        if path.suffix.lower() == ".pdf":
            content = docx_to_pdf(content)
        path.write_bytes(content)
        self.stdout.write(_("Written: %(path)s") % {"path": path})
        if xlsx and workbook is not None:
            Path(xlsx).write_bytes(workbook)
            self.stdout.write(_("Written: %(path)s") % {"path": xlsx})


def _agency(code: str) -> Agency:
    found = Agency.objects.filter(code=code).first()
    if found is None:
        raise InputError(_("no agency “%(code)s”") % {"code": code})
    return found


def agency_document(year: int, kind: str, code: str, xlsx: bool) -> tuple[bytes, bytes | None]:
    """The agency's report of the period as written so far (the command reads as the system)."""
    from cchc.documents import engine
    from cchc.reports.consolidation import agency_context, agency_workbook

    if not code:
        raise InputError(_("the agency report needs --agency CODE"))
    agency = _agency(code)
    report = Report.objects.filter(agency=agency, period__year=year, period__kind=kind).select_related("period").first()
    if report is None:
        raise InputError(
            _("%(agency)s owes no report for %(period)s")
            % {"agency": agency.name, "period": calendar.period_text(year, kind)}
        )
    context = agency_context(report, user=SYSTEM, today=timezone.localdate())
    workbook = agency_workbook(report, user=SYSTEM) if xlsx else None
    return engine.render("agency", year, context), workbook


def province_document(year: int, kind: str, code: str, xlsx: bool) -> tuple[bytes, bytes | None]:
    """The province's report of the period; the Ministry's cut-off when the period was never configured."""
    from cchc.documents import engine
    from cchc.reports.consolidation import appendix2_workbook, document_kind, province_context

    owner = _issuer(code)
    period = ReportingPeriod.objects.filter(owner=owner, year=year, kind=kind).first()
    if period is None:
        default = calendar.default_range(year, kind)
        period = ReportingPeriod(
            owner=owner,
            year=year,
            kind=kind,
            cutoff_start=default.cutoff_start,
            cutoff_end=default.cutoff_end,
            deadline=default.deadline,
        )
    context = province_context(period, user=SYSTEM, today=timezone.localdate())
    workbook = appendix2_workbook(period, user=SYSTEM) if xlsx else None
    return engine.render(document_kind(kind), year, context), workbook


def ranking_document(year: int, agency_code: str, block_code: str, approved_only: bool) -> bytes:
    from cchc.scoring.models import Assessment, Framework
    from cchc.scoring.report import ranking_report
    from cchc.scoring.results import stored

    frameworks = Framework.objects.filter(year=year).select_related("block", "block__owner").order_by("block__code")
    if block_code:
        block = Block.objects.filter(year=year, code=block_code).select_related("owner").first()
        if block is None:
            raise InputError(_("no block “%(code)s” in %(year)s") % {"code": block_code, "year": year})
        frameworks, owner = frameworks.filter(block=block), block.owner
    else:
        owner = _issuer(agency_code)
        frameworks = frameworks.filter(block__owner=owner)
    if not frameworks:
        raise InputError(_("no framework for %(year)s: nothing to report") % {"year": year})
    rankings = [
        stored(f, Assessment.objects.filter(framework=f).select_related("agency"), approved_only=approved_only)
        for f in frameworks
    ]
    return ranking_report(owner, year, rankings, timezone.localdate())


def _issuer(code: str) -> Agency:
    if code:
        return _agency(code)
    province = Agency.objects.filter(kind="province", parent__isnull=True).order_by("code").first()
    if province is None:
        raise InputError(_("no province agency: give --agency CODE"))
    return province
