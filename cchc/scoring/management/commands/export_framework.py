"""`cchc export_framework --year Y --block CODE --out FILE`: a block's criteria as XLSX or CSV."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError, file_format
from cchc.scoring.frameworks import framework_file
from cchc.scoring.models import Framework


class Command(CchcCommand):
    help = "Export a framework in the import format."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--block", required=True, help="block code")
        parser.add_argument("--out", required=True, help="file to write (.xlsx or .csv)")

    def run(self, *args: Any, year: int, block: str, out: str, **options: Any) -> None:
        framework = Framework.objects.filter(year=year, block__code=block).select_related("block").first()
        if framework is None:
            raise InputError(_("no framework for block “%(code)s” in %(year)s") % {"code": block, "year": year})
        Path(out).write_bytes(framework_file(framework, file_format(out)))
        self.stdout.write(_("Written: %(file)s") % {"file": out})
