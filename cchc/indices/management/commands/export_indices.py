"""`cchc export_indices --out FILE [--province CODE]`: the province's indices in the import's columns."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.core.commands import CchcCommand
from cchc.core.tabular import file_format
from cchc.indices.models import ProvincialIndex
from cchc.indices.services import indices_file, the_province


class Command(CchcCommand):
    help = "Export the province's indices in the columns of import_indices (XLSX or CSV by the file's extension)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="file to write (.xlsx or .csv)")
        parser.add_argument("--province", default="", help="code of the province (default: the only one)")

    def run(self, *args: Any, out: str, province: str, **options: Any) -> None:
        fmt = file_format(out)
        target = the_province(province)
        values = ProvincialIndex.objects.filter(province=target).select_related("kind")
        Path(out).write_bytes(indices_file(values, fmt, target))
        self.stdout.write(_("%(count)s results written to %(file)s.") % {"count": values.count(), "file": out})
