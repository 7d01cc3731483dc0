"""`cchc import_procedures FILE`: the procedure catalogue (DESIGN §8.1); all rows or none."""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError
from cchc.dossiers.services import import_procedures_file


class Command(CchcCommand):
    help = "Import procedures: code,name,field,level,online_level,postal,online_payment (CSV or XLSX)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file")

    def run(self, *args: Any, file: str, **options: Any) -> None:
        try:
            summary = import_procedures_file(file)
        except FileNotFoundError:
            raise InputError(_("file not found: %(file)s") % {"file": file}) from None
        self.stdout.write(_("Procedures imported: %(summary)s.") % {"summary": summary})
