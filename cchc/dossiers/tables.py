"""The exports' tables: the indicator table (the page's XLSX and CSV, `dossier_stats --format csv`) and the
dossier listing in the import's own columns."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.core.formatting import format_date
from cchc.core.scope import restricted
from cchc.core.tabular import Column, Kind, write_rows
from cchc.dossiers.columns import DECLARED
from cchc.dossiers.models import Dossier
from cchc.dossiers.stats import COUNTS, LABELS, RATES, Indicators

# Kinds of the columns that are not plain counts or shares (DESIGN §8.3: SMS per dossier is a number).
KINDS = {"fee_amount": Kind.MONEY, "sms_per_dossier": Kind.RATIO}
INDICATOR_COLUMNS = (
    Column("key", gettext_lazy("Code"), width=14),
    Column("name", gettext_lazy("Group"), width=36),
    *(Column(c, LABELS[c], KINDS.get(c, Kind.INTEGER)) for c in COUNTS),
    *(Column(r, LABELS[r], KINDS.get(r, Kind.PERCENT)) for r in RATES),
)


def indicator_rows(groups: Sequence[Indicators]) -> list[list[Any]]:
    """Counts as numbers and rates as fractions (or None): the writer formats them per kind."""
    return [[g.key, g.name, *(g.counts[c] for c in COUNTS), *(g.rates[r] for r in RATES)] for g in groups]


def indicators_file(groups: Sequence[Indicators], fmt: str, period: dict[str, date], scope: str) -> bytes:
    """The groups of a period as XLSX (titled with the period and ``scope``) or CSV."""
    dates = {key: format_date(period[key]) for key in ("start", "end", "as_of")}
    if period["as_of"] == period["end"]:
        title = _("Dossier statistics from %(start)s to %(end)s — %(scope)s") % {**dates, "scope": scope}
    else:
        title = _("Dossier statistics from %(start)s to %(end)s, pending as of %(as_of)s — %(scope)s") % {
            **dates,
            "scope": scope,
        }
    return write_rows(INDICATOR_COLUMNS, indicator_rows(groups), fmt, title=title, sheet=_("Dossier statistics"))


EXPORT_LIMIT = 100_000  # dossiers in one listing export
# The listing export's columns: the import's own names (so that the file imports back as it is).
KIND_OF = {"DATE": Kind.DATE, "BOOLEAN": Kind.INTEGER, "BIGINT": Kind.INTEGER}
DOSSIER_COLUMNS = tuple(
    Column(
        c.name,
        c.model_field.verbose_name,
        Kind.MONEY
        if c.field == "fee_amount"
        else Kind.TEXT
        if c.field == "agency"
        else KIND_OF.get(c.sql_type, Kind.TEXT),
        width=18,
    )
    for c in DECLARED
)


def _dossier_rows(dossiers: QuerySet[Dossier]) -> Iterator[list[Any]]:
    for d in dossiers.select_related("agency").iterator(chunk_size=2000):
        row: list[Any] = []
        for c in DECLARED:
            value = d.agency.code if c.field == "agency" else getattr(d, c.field)
            row.append(int(value) if isinstance(value, bool) else value)
        yield row


def dossiers_file(dossiers: QuerySet[Dossier], fmt: str, title: str) -> bytes:
    """Dossiers (a restricted queryset: ``Dossier.objects.restrict(reader)``) as CSV (the canonical
    import file) or XLSX (titled; its header row names the columns)."""
    restricted(dossiers)
    return write_rows(DOSSIER_COLUMNS, _dossier_rows(dossiers), fmt, title=title, sheet=_("Dossiers"))
