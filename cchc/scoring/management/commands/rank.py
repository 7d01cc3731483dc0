"""`cchc rank --year Y [--block CODE] [--format table|json]`: points, index, bands before and after the
rules, rank, and per block the count and share of each band."""

import json
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.agencies.models import Block
from cchc.core.commands import CchcCommand
from cchc.core.formatting import format_number
from cchc.core.tabular import InputError
from cchc.scoring.models import Band
from cchc.scoring.results import BlockRanking, percent, rank


class Command(CchcCommand):
    help = "Recompute and print the PAR index ranking of a year (optionally one block)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--block", default="", help="block code")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def run(self, *args: Any, year: int, block: str, format: str, **options: Any) -> None:
        chosen = None
        if block:
            chosen = Block.objects.filter(year=year, code=block).first()
            if chosen is None:
                raise InputError(_("no block “%(code)s” in %(year)s") % {"code": block, "year": year})
        rankings = rank(year, chosen)
        if not rankings:
            raise InputError(_("no framework for %(year)s") % {"year": year})
        if format == "json":
            self.stdout.write(
                json.dumps({"year": year, "blocks": [r.as_json() for r in rankings]}, ensure_ascii=False, indent=1)
            )
            return
        for ranking in rankings:
            self.stdout.write(table(ranking))


def table(ranking: BlockRanking) -> str:
    header = [
        _("Rank"),
        _("Code"),
        _("Agency"),
        _("Points"),
        _("Index"),
        _("Band before the rules"),
        _("Band"),
        _("Reason"),
    ]
    rows = [
        [
            str(r.rank),
            r.agency.code,
            r.agency.name,
            f"{format_number(r.points, 2)}/{format_number(r.max_points, 2)}",
            percent(r.index),
            str(Band(r.band_before).label),
            str(Band(r.band).label),
            "; ".join(r.reasons),
        ]
        for r in ranking.results
    ]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=False)]
    lines = [f"{ranking.block.name} ({ranking.block.code}, {ranking.block.year})"]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in [header, *rows]]
    n = len(ranking.results)
    lines.append("; ".join(f"{Band(d['band']).label}: {d['count']}/{n} ({d['share']})" for d in ranking.distribution))
    return "\n".join(lines) + "\n"
