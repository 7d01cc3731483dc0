"""`cchc import_scores FILE --year Y`: criterion scores in bulk; all rows or none."""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError
from cchc.scoring.models import Framework
from cchc.scoring.services import import_scores_file


class Command(CchcCommand):
    help = "Import scores: agency_code,criterion_code,self_score,appraised_score,final_score,note (CSV or XLSX)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file")
        parser.add_argument("--year", type=int, required=True)

    def run(self, *args: Any, file: str, year: int, **options: Any) -> None:
        if not Framework.objects.filter(year=year).exists():
            raise InputError(_("no PAR index framework in %(year)s: import or copy one first") % {"year": year})
        try:
            summary = import_scores_file(file, year)
        except FileNotFoundError:
            raise InputError(_("file not found: %(file)s") % {"file": file}) from None
        self.stdout.write(_("Scores imported: %(summary)s.") % {"summary": summary})
