"""`cchc export_report_form --year Y --code C [--version V] --out FILE`: a report form as its XLSX workbook."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError
from cchc.reports.forms_io import export_form
from cchc.reports.models import ReportForm


class Command(CchcCommand):
    help = "Export a report form (its latest version unless --version) as the XLSX that import_report_form reads."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # ``--version`` is the form's version here, not Django's: ours replaces the base option.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--code", required=True, help="form code, e.g. par")
        parser.add_argument("--version", type=int, dest="form_version", help="a version other than the latest")
        parser.add_argument("--out", required=True, help="file to write (.xlsx)")

    def run(self, *args: Any, year: int, code: str, form_version: int | None, out: str, **options: Any) -> None:
        if Path(out).suffix.lower() != ".xlsx":
            raise InputError(_("a report form is written as an XLSX workbook: name the file ….xlsx"))
        forms = ReportForm.objects.filter(year=year, code=code).order_by("-version")
        form = forms.filter(version=form_version).first() if form_version else forms.first()
        if form is None:
            if form_version and forms.exists():
                raise InputError(
                    _("the form “%(code)s” of %(year)s has no version %(version)s")
                    % {"code": code, "year": year, "version": form_version}
                )
            raise InputError(_("no report form “%(code)s” in %(year)s") % {"code": code, "year": year})
        Path(out).write_bytes(export_form(form))
        self.stdout.write(_("Written: %(file)s (version %(version)s)") % {"file": out, "version": form.version})
