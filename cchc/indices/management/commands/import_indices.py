"""`cchc import_indices FILE [--province CODE]`: the province's indices from XLSX or CSV; all rows or none."""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError
from cchc.indices.services import import_indices_file, the_province


class Command(CchcCommand):
    help = "Import the province's indices: index_code,year,score,rank,out_of,note (XLSX or CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="XLSX or CSV (UTF-8) file")
        parser.add_argument("--province", default="", help="code of the province (default: the only one)")
        parser.add_argument("--reason", default="", help="why, for the audit trail")

    def run(self, *args: Any, file: str, province: str, reason: str, **options: Any) -> None:
        target = the_province(province)
        try:
            summary = import_indices_file(file, province=target, reason=reason)
        except FileNotFoundError:
            raise InputError(_("file not found: %(file)s") % {"file": file}) from None
        self.stdout.write(_("Provincial indices imported: %(summary)s.") % {"summary": summary})
