"""`cchc import_framework FILE --year Y --block CODE`: a block's criteria from XLSX or CSV."""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.agencies.models import Block
from cchc.core.commands import CchcCommand
from cchc.core.formatting import format_number
from cchc.core.tabular import InputError
from cchc.scoring.frameworks import import_framework


class Command(CchcCommand):
    help = "Import a framework: code,parent_code,name,max_points,method,source,mapping (XLSX or CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--block", required=True, help="block code")
        parser.add_argument("--name", default="", help="the framework's title")

    def run(self, *args: Any, file: str, year: int, block: str, name: str, **options: Any) -> None:
        target = Block.objects.filter(year=year, code=block).first()
        if target is None:
            raise InputError(_("no block “%(code)s” in %(year)s") % {"code": block, "year": year})
        try:
            framework = import_framework(file, target, title=name)
        except FileNotFoundError:
            raise InputError(_("file not found: %(file)s") % {"file": file}) from None
        self.stdout.write(
            _("Framework imported: %(n)s criteria, %(max)s points.")
            % {"n": framework.criteria.count(), "max": format_number(framework.max_points, 2)}
        )
