"""`cchc task_stats --year Y [--as-of D] [--by none|agency|area] [--format table|json|csv]` (DESIGN §8.1)."""

import json
from datetime import date
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand, required_date, text_table
from cchc.core.formatting import format_date, format_number
from cchc.core.scope import SYSTEM
from cchc.core.tabular import write_rows
from cchc.plans.stats import COUNTS, GROUPINGS, LABELS, Group, task_stats
from cchc.plans.tables import STATS_COLUMNS, stats_rows


class Command(CchcCommand):
    help = "Task statistics of a year's plans: assigned, done on time, done late, not done (overdue or not)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--as-of", dest="as_of", default="", help="day of the overdue count (default: today)")
        parser.add_argument("--by", choices=GROUPINGS, default="none")
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")

    def run(self, *args: Any, year: int, as_of: str, by: str, format: str, **options: Any) -> None:
        day = required_date(as_of, "--as-of") if as_of else timezone.localdate()
        # A command answers for the whole province: it reads as the system, on purpose.
        groups = task_stats(year, user=SYSTEM, as_of=day, by=by)
        if format == "json":
            document = {"year": year, "as_of": day.isoformat(), "by": by, "groups": [g.as_json() for g in groups]}
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        elif format == "csv":
            self.stdout.write(write_rows(STATS_COLUMNS, stats_rows(groups), "csv").decode("utf-8-sig"), ending="")
        else:
            self.stdout.write(_table(groups, year, day))


def _table(groups: list[Group], year: int, as_of: date) -> str:
    header = _("Tasks of the plans of %(year)s, as of %(as_of)s") % {"year": year, "as_of": format_date(as_of)}
    columns = [str(_("Group")), *(str(LABELS[c]) for c in COUNTS), str(LABELS["on_time_rate"])]
    body = [[g.name, *(format_number(getattr(g, c)) for c in COUNTS), g.on_time_rate_text] for g in groups]
    return text_table(header, [columns, *body])
