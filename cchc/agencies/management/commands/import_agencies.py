"""`cchc import_agencies FILE`: agencies from CSV or XLSX (DESIGN §8.1); all rows or none."""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.agencies.services import import_agencies_file
from cchc.core.commands import CchcCommand


class Command(CchcCommand):
    help = "Import agencies: code,name,kind,parent_code,active_from,active_to,successor_code (CSV or XLSX)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file")
        parser.add_argument("--reason", default="", help="why, for the audit trail")

    def run(self, *args: Any, file: str, reason: str, **options: Any) -> None:
        try:
            summary = import_agencies_file(file, reason=reason)
        except FileNotFoundError:
            from cchc.core.tabular import InputError

            raise InputError(_("file not found: %(file)s") % {"file": file}) from None
        self.stdout.write(_("Agencies imported: %(summary)s.") % {"summary": summary})
