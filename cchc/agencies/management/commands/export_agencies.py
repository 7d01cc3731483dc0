"""`cchc export_agencies [--format csv|xlsx] [--out FILE]`: agencies in the import format."""

import sys
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency
from cchc.agencies.services import agencies_file
from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError


class Command(CchcCommand):
    help = "Export every agency in the format import_agencies reads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--out", default="-", help="file to write; '-' for standard output (CSV only)")

    def run(self, *args: Any, format: str, out: str, **options: Any) -> None:
        agencies = Agency.objects.select_related("parent").prefetch_related("successors").order_by("path")
        if not agencies.exists():
            raise InputError(_("there are no agencies to export; import them with import_agencies first"))
        if out == "-" and format == "xlsx":
            raise InputError(_("an XLSX export needs --out FILE"))
        content = agencies_file(agencies, Agency.objects.all(), format)
        if out == "-":
            sys.stdout.buffer.write(content)
        else:
            with open(out, "wb") as handle:
                handle.write(content)
