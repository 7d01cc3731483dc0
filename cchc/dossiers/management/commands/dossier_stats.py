"""`cchc dossier_stats --from D --to D [--as-of D] [--by …] [--format table|json|csv]` (DESIGN §8.1, §8.3)."""

import json
from datetime import date
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand, required_date, text_table
from cchc.core.formatting import format_date, format_number
from cchc.core.scope import SYSTEM
from cchc.core.tabular import InputError, write_rows
from cchc.dossiers.stats import COUNTS, GROUPINGS, LABELS, RATES, Indicators, indicators
from cchc.dossiers.tables import INDICATOR_COLUMNS, indicator_rows


class Command(CchcCommand):
    help = "Dossier indicators for a period (received, resolved on time, late, online…), from the aggregates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", required=True, help="first day (yyyy-mm-dd or dd/mm/yyyy)")
        parser.add_argument("--to", dest="end", required=True, help="last day")
        parser.add_argument("--as-of", dest="as_of", default="", help="day of the pending count (default: --to)")
        parser.add_argument("--by", choices=GROUPINGS, default="none")
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")

    def run(self, *args: Any, start: str, end: str, as_of: str, by: str, format: str, **options: Any) -> None:
        first, last = required_date(start, "--from"), required_date(end, "--to")
        as_of_day = required_date(as_of, "--as-of") if as_of else last
        if last < first:
            raise InputError(_("--to is before --from"))
        # A command answers for the whole province: it reads as the system, on purpose.
        groups = indicators(first, last, user=SYSTEM, as_of=as_of_day, by=by)
        if format == "json":
            document = {
                "from": first.isoformat(),
                "to": last.isoformat(),
                "as_of": as_of_day.isoformat(),
                "by": by,
                "groups": [g.as_json() for g in groups],
            }
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        elif format == "csv":
            self.stdout.write(
                write_rows(INDICATOR_COLUMNS, indicator_rows(groups), "csv").decode("utf-8-sig"), ending=""
            )
        elif not any(g.counts[c] for g in groups for c in ("received", "carried_over", "resolved")):
            # A table of dashes tells a person less than one sentence; JSON and CSV keep their shape.
            period = {"first": format_date(first), "last": format_date(last)}
            self.stdout.write(_("No dossiers received, carried over or resolved from %(first)s to %(last)s.") % period)
        else:
            self.stdout.write(_table(groups, first, last, as_of_day))


def _table(groups: list[Indicators], first: date, last: date, as_of: date) -> str:
    header = _("Dossiers from %(first)s to %(last)s, pending as of %(as_of)s") % {
        "first": format_date(first),
        "last": format_date(last),
        "as_of": format_date(as_of),
    }
    columns = [str(_("Group")), *(str(LABELS[c]) for c in COUNTS), *(str(LABELS[r]) for r in RATES)]
    body = [[g.name, *(format_number(g.counts[c]) for c in COUNTS), *(g.rate_text(r) for r in RATES)] for g in groups]
    # One line per indicator, one column per group: the groups are few, the indicators many.
    return text_table(header, [list(row) for row in zip(columns, *body, strict=True)])
