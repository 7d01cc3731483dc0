"""`cchc import_survey_answers FILE --year Y`: paper forms (serial, agency_code, answered_on, dossier_code,
then one column per question code, answers 1–5 or empty); every row checked first, all or nothing."""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.formatting import format_number
from cchc.core.scope import SYSTEM
from cchc.core.tabular import InputError
from cchc.surveys.paper import import_answers_file


class Command(CchcCommand):
    help = (
        "Import paper survey forms: serial,agency_code,answered_on,dossier_code, then one column per "
        "question code of the year's questionnaire (answers 1-5 or empty)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file")
        parser.add_argument("--year", type=int, required=True)

    def run(self, *args: Any, file: str, year: int, **options: Any) -> None:
        try:
            # A command enters forms for any agency: it acts as the system, on purpose.
            count = import_answers_file(file, year=year, user=SYSTEM)
        except FileNotFoundError:
            raise InputError(_("file not found: %(file)s") % {"file": file}) from None
        self.stdout.write(_("%(count)s paper forms imported.") % {"count": format_number(count)})
