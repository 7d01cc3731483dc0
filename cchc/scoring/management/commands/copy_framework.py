"""`cchc copy_framework --year Y [--block CODE]`: start this year's frameworks from last year's."""

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.agencies.models import Block
from cchc.core.commands import CchcCommand
from cchc.core.tabular import InputError
from cchc.scoring.frameworks import copy_framework, previous_framework


class Command(CchcCommand):
    help = "Copy last year's framework of each block (with the same code) to the given year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--block", default="", help="one block code (default: every block without a framework)")

    def run(self, *args: Any, year: int, block: str, **options: Any) -> None:
        blocks = Block.objects.filter(year=year, framework__isnull=True)
        if block:
            blocks = Block.objects.filter(year=year, code=block)
        if not Block.objects.filter(year=year).exists():
            raise InputError(_("no blocks in %(year)s") % {"year": year})
        if block and not blocks.exists():
            raise InputError(_("no block “%(code)s” in %(year)s") % {"code": block, "year": year})
        copied = 0
        for target in blocks:
            source = previous_framework(target)
            if source is None:
                if block:
                    raise InputError(_("no earlier framework for block “%(code)s”") % {"code": target.code})
                continue
            copy_framework(source, target)
            copied += 1
            self.stdout.write(_("%(block)s: copied from %(year)s.") % {"block": target, "year": source.year})
        self.stdout.write(_("%(n)s frameworks copied.") % {"n": copied})
