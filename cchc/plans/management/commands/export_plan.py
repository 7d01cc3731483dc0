"""`cchc export_plan --year Y --agency CODE [--plan NUMBER] --out FILE`: a plan's tasks in the import's columns
(.csv or .xlsx)."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.scope import SYSTEM
from cchc.core.tabular import file_format
from cchc.plans.models import Plan, Task
from cchc.plans.services import chosen_plan, tasks_file


class Command(CchcCommand):
    help = "Export a plan's tasks in the columns of import_plan (CSV or XLSX by the file's extension)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--agency", required=True, help="code of the agency issuing the plan")
        parser.add_argument(
            "--plan", default=None, help="number and symbol of the plan (45/KH-UBND), when the agency has several"
        )
        parser.add_argument("--out", required=True, help="file to write (.csv or .xlsx)")

    def run(self, *args: Any, year: int, agency: str, plan: str | None, out: str, **options: Any) -> None:
        fmt = file_format(out)
        # A command answers for the whole province: it reads as the system, on purpose.
        chosen = chosen_plan(Plan.objects.restrict(SYSTEM), year, agency, plan)
        if chosen is None:
            raise CommandError(_("no plan of %(agency)s in %(year)s") % {"agency": agency, "year": year})
        tasks = Task.objects.restrict(SYSTEM).filter(plan=chosen)
        Path(out).write_bytes(tasks_file(chosen, tasks, fmt))
        self.stdout.write(_("%(count)s tasks written to %(file)s.") % {"count": tasks.count(), "file": out})
