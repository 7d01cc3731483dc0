"""`cchc export_questionnaire --year Y --out FILE`: the year's questions in the import's columns."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import file_format
from cchc.surveys.models import Questionnaire
from cchc.surveys.questionnaires import export_questionnaire


class Command(CchcCommand):
    help = "Export the year's survey questions in the columns of import_questionnaire (CSV or XLSX)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--out", required=True, help="file to write (.csv or .xlsx)")

    def run(self, *args: Any, year: int, out: str, **options: Any) -> None:
        fmt = file_format(out)
        questionnaire = Questionnaire.objects.filter(year=year).first()
        if questionnaire is None:
            raise CommandError(_("There is no questionnaire for %(year)s.") % {"year": year})
        Path(out).write_bytes(export_questionnaire(questionnaire, fmt))
        count = questionnaire.questions.count()
        self.stdout.write(_("%(count)s questions written to %(file)s.") % {"count": count, "file": out})
