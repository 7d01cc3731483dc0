"""Columns of the inspection figures as a file (the command's CSV)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from cchc.core.tabular import Column, Kind
from cchc.inspections.stats import COUNTS, LABELS, Group

STATS_COLUMNS = [
    Column("key", _("Code")),
    Column("name", _("Group"), width=40),
    *(Column(c, LABELS[c], Kind.INTEGER) for c in COUNTS),
    Column("remedied_rate", LABELS["remedied_rate"], Kind.PERCENT),
]


def stats_rows(groups: list[Group]) -> list[list[Any]]:
    return [[g.key, g.name, *(getattr(g, c) for c in COUNTS), g.remedied_rate] for g in groups]
