"""`cchc import_report_form FILE --year Y`: a report form from its XLSX workbook, as the year's next version.

`cchc import_report_form --default --year Y` creates the year's default PAR form instead (or says it is there).
"""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError
from cchc.reports.defaults import default_form
from cchc.reports.forms_io import import_form
from cchc.reports.models import ReportForm


class Command(CchcCommand):
    help = "Import a report form from XLSX (sheets form, sections, fields, rules) as the year's next version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--default", action="store_true", help="create the default PAR form instead")

    def run(self, *args: Any, file: str, year: int, default: bool, **options: Any) -> None:
        if bool(file) == default:
            raise InputError(_("give either the form's XLSX file or --default"))
        latest = ReportForm.objects.filter(year=year).order_by("-pk").values_list("pk", flat=True).first()
        try:
            form = default_form(year) if default else import_form(file, year, user=None)
        except FileNotFoundError:
            raise InputError(_("file not found: %(file)s") % {"file": file}) from None
        counts = {
            "form": form.name,
            "code": form.code,
            "year": year,
            "version": form.version,
            "sections": form.sections.count(),
            "fields": form.fields.count(),
            "rules": form.rules.count(),
        }
        if latest is not None and form.pk <= latest:
            self.stdout.write(_("Unchanged: %(form)s (%(code)s, %(year)s) stays at version %(version)s.") % counts)
            return
        self.stdout.write(
            _(
                "Report form imported: %(form)s (%(code)s, %(year)s), version %(version)s: "
                "%(sections)s sections, %(fields)s fields, %(rules)s rules."
            )
            % counts
        )
