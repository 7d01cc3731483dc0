"""`cchc import_plan FILE --year Y --agency CODE [--plan NUMBER]`: a plan's tasks from CSV or XLSX (DESIGN §8.1);
all rows or none. ``--plan`` chooses among an agency's plans of the year (needed when it has several)."""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError
from cchc.plans.services import import_plan_file


class Command(CchcCommand):
    help = (
        "Import a plan's tasks: task_code,title,area,lead_agency_code,co_agency_codes,deadline,product,"
        "status,completed_on (CSV or XLSX)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--agency", required=True, help="code of the agency issuing the plan")
        parser.add_argument(
            "--plan", default=None, help="number and symbol of the plan (45/KH-UBND), when the agency has several"
        )
        parser.add_argument("--reason", default="", help="why, for the audit trail")

    def run(self, *args: Any, file: str, year: int, agency: str, plan: str | None, reason: str, **options: Any) -> None:
        try:
            summary = import_plan_file(file, year=year, agency_code=agency, number=plan, reason=reason)
        except FileNotFoundError:
            raise InputError(_("file not found: %(file)s") % {"file": file}) from None
        self.stdout.write(_("Tasks imported: %(summary)s.") % {"summary": summary})
