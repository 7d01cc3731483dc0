"""`cchc import_blocks FILE --year Y`: the blocks of a year from CSV or XLSX (DESIGN §8.1); all rows or none."""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.agencies.services import import_blocks_file
from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError


class Command(CchcCommand):
    help = (
        "Import the blocks of a year: block_code,block_name,agency_code[,owner_code], one row per member "
        "(CSV or XLSX). Each block of the file gets exactly the file's members; other blocks are left alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--reason", default="", help="why, for the audit trail")

    def run(self, *args: Any, file: str, year: int, reason: str, **options: Any) -> None:
        try:
            summary = import_blocks_file(file, year, user=None, reason=reason)
        except FileNotFoundError:
            raise InputError(_("file not found: %(file)s") % {"file": file}) from None
        self.stdout.write(_("Blocks of %(year)s imported: %(summary)s.") % {"year": year, "summary": summary})
