"""`cchc survey_stats --year Y [--from D --to D] [--by none|agency|kind|block] [--format table|json|csv]`
(DESIGN §8.1): satisfaction of §5.5, JSON shaped like `dossier_stats` (§8.3)."""

import json
from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand, text_table
from cchc.core.formatting import format_date, format_number, format_percent
from cchc.core.scope import SYSTEM
from cchc.core.tabular import InputError, parse_date, write_rows
from cchc.surveys.models import Element
from cchc.surveys.stats import ELEMENTS, GROUPINGS, Group, questionnaire_of, rate, survey_stats
from cchc.surveys.tables import STATS_COLUMNS, stats_rows


class Command(CchcCommand):
    help = "Satisfaction of a year's survey forms: forms counted and held, satisfaction, the five elements."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--from", dest="start", default="", help="first day answered (default: any)")
        parser.add_argument("--to", dest="end", default="", help="last day answered (default: any)")
        parser.add_argument("--by", choices=GROUPINGS, default="none")
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")

    def run(self, *args: Any, year: int, start: str, end: str, by: str, format: str, **options: Any) -> None:
        first, last = _day(start, "--from"), _day(end, "--to")
        if first and last and first > last:
            raise InputError(_("--from is after --to"), field="--from")
        questionnaire = questionnaire_of(year)
        if questionnaire is None:
            raise CommandError(_("There is no questionnaire for %(year)s.") % {"year": year})
        # A command answers for the whole province: it reads as the system, on purpose.
        groups = survey_stats(year, user=SYSTEM, start=first, end=last, by=by)
        if format == "json":
            document = {
                "year": year,
                "from": first.isoformat() if first else None,
                "to": last.isoformat() if last else None,
                "by": by,
                "target": rate(questionnaire.target),
                "groups": [g.as_json() for g in groups],
            }
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        elif format == "csv":
            self.stdout.write(write_rows(STATS_COLUMNS, stats_rows(groups), "csv").decode("utf-8-sig"), ending="")
        else:
            self.stdout.write(_table(groups, year, first, last, questionnaire.target))


def _day(text: str, option: str) -> date | None:
    return parse_date(text, None, option) if text else None


def _table(groups: list[Group], year: int, first: date | None, last: date | None, target: Any) -> str:
    header = _("Satisfaction with the public services, %(year)s") % {"year": year}
    if first or last:
        header += f" ({format_date(first) if first else '…'} – {format_date(last) if last else '…'})"
    if target is not None:
        header += "; " + _("target %(target)s") % {"target": format_percent(target)}
    columns = [
        str(_("Group")),
        str(_("Forms")),
        str(_("Held")),
        str(_("Satisfaction")),
        *(str(Element(e).label) for e in ELEMENTS),
    ]
    body = [
        [
            g.name,
            format_number(g.forms),
            format_number(g.held),
            g.satisfaction_text + (f" ({g.verdict})" if g.meets_target is not None else ""),
            *(format_percent(g.elements[e].index) for e in ELEMENTS),
        ]
        for g in groups
    ]
    return text_table(header, [columns, *body])
