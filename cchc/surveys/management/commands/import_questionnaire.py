"""`cchc import_questionnaire FILE --year Y`: the year's questions (code, element, text) from CSV or XLSX."""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError
from cchc.surveys.questionnaires import import_questionnaire_file


class Command(CchcCommand):
    help = (
        "Import the year's survey questions: code,element,text (element: access, procedure, officer, result, feedback)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file")
        parser.add_argument("--year", type=int, required=True)

    def run(self, *args: Any, file: str, year: int, **options: Any) -> None:
        try:
            summary = import_questionnaire_file(file, year=year)
        except FileNotFoundError:
            raise InputError(_("file not found: %(file)s") % {"file": file}) from None
        self.stdout.write(_("Questions imported: %(summary)s.") % {"summary": summary})
