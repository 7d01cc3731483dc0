"""`cchc export_plan --year Y --agency CODE --out FILE`: a plan's tasks in the import's columns (.csv or .xlsx)."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.scope import SYSTEM
from cchc.core.tabular import file_format
from cchc.plans.models import Plan, Task
from cchc.plans.services import tasks_file


class Command(CchcCommand):
    help = "Export a plan's tasks in the columns of import_plan (CSV or XLSX by the file's extension)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--agency", required=True, help="code of the agency issuing the plan")
        parser.add_argument("--out", required=True, help="file to write (.csv or .xlsx)")

    def run(self, *args: Any, year: int, agency: str, out: str, **options: Any) -> None:
        fmt = file_format(out)
        # A command answers for the whole province: it reads as the system, on purpose.
        plan = Plan.objects.restrict(SYSTEM).filter(year=year, agency__code=agency).order_by("pk").first()
        if plan is None:
            raise CommandError(_("no plan of %(agency)s in %(year)s") % {"agency": agency, "year": year})
        tasks = Task.objects.restrict(SYSTEM).filter(plan=plan)
        Path(out).write_bytes(tasks_file(plan, tasks, fmt))
        self.stdout.write(_("%(count)s tasks written to %(file)s.") % {"count": tasks.count(), "file": out})
