"""`cchc export_blocks --year Y --out FILE`: the blocks of a year in the format import_blocks reads."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency, Block
from cchc.agencies.services import blocks_file
from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError, file_format


class Command(CchcCommand):
    help = "Export the blocks of a year: block_code,block_name,agency_code,agency_name,owner_code (XLSX or CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--out", required=True, help="file to write (.xlsx or .csv)")

    def run(self, *args: Any, year: int, out: str, **options: Any) -> None:
        fmt = file_format(out)
        if not Block.objects.filter(year=year).exists():
            raise InputError(_("no block in %(year)s") % {"year": year})
        Path(out).write_bytes(blocks_file(year, Block.objects.all(), Agency.objects.all(), fmt))
        self.stdout.write(_("Written: %(file)s") % {"file": out})
