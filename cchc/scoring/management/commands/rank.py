"""`cchc rank --year Y [--block CODE] [--approved-only] [--format table|json]`: recompute the preliminary
results (approved ones stay frozen), then print points, index, bands before and after the rules, rank,
stage, and per block the count and share of each band: the figures the block page and report show."""

import json
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from cchc.agencies.models import Block
from cchc.core.commands import CchcCommand
from cchc.core.formatting import format_number
from cchc.core.tabular import InputError
from cchc.scoring.models import Assessment, Band, Framework
from cchc.scoring.results import BlockRanking, percent, rank, stored


class Command(CchcCommand):
    help = "Recompute and print the PAR index ranking of a year (optionally one block)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--block", default="", help="block code")
        parser.add_argument("--approved-only", action="store_true", help="leave out results not yet approved")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def run(self, *args: Any, year: int, block: str, approved_only: bool, format: str, **options: Any) -> None:
        chosen = None
        if block:
            chosen = Block.objects.filter(year=year, code=block).first()
            if chosen is None:
                raise InputError(_("no block “%(code)s” in %(year)s") % {"code": block, "year": year})
        frameworks = Framework.objects.filter(year=year).select_related("block", "block__owner")
        if chosen is not None:
            frameworks = frameworks.filter(block=chosen)
        if not frameworks.exists():
            raise InputError(_("no framework for %(year)s: nothing to rank") % {"year": year})
        rank(year, chosen, reason=_("cchc rank (command line)"))
        rankings = [
            stored(f, Assessment.objects.filter(framework=f).select_related("agency"), approved_only=approved_only)
            for f in frameworks.order_by("block__code")
        ]
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
        _("Stage"),
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
            r.stage if r.final else f"{r.stage} ({_('preliminary')})",
            "; ".join(r.reasons),
        ]
        for r in ranking.results
    ]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=False)]
    lines = [f"{ranking.block.name} ({ranking.block.code}, {ranking.block.year})"]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in [header, *rows]]
    n = len(ranking.results)
    lines.append("; ".join(f"{Band(d['band']).label}: {d['count']}/{n} ({d['share']})" for d in ranking.distribution))
    if ranking.preliminary:
        lines.append(
            _("%(n)s of %(total)s results are preliminary (not approved by the appraisal council).")
            % {"n": len(ranking.preliminary), "total": ranking.members}
        )
    elif ranking.left_out:
        lines.append(
            _("%(n)s of %(total)s agencies left out: their results are not approved yet.")
            % {"n": ranking.left_out, "total": ranking.members}
        )
    if ranking.unranked:
        lines.append(
            _("%(n)s of %(total)s agencies have no results yet: the block has not been ranked since they were opened.")
            % {"n": ranking.unranked, "total": ranking.members}
        )
    return "\n".join(lines) + "\n"
