"""Columns of the task statistics as a file (the command's CSV, the page's download)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from cchc.core.tabular import Column, Kind
from cchc.plans.stats import COUNTS, LABELS, Group

STATS_COLUMNS = [
    Column("key", _("Code")),
    Column("name", _("Group"), width=40),
    *(Column(c, LABELS[c], Kind.INTEGER) for c in COUNTS),
    Column("on_time_rate", LABELS["on_time_rate"], Kind.PERCENT),
]


def stats_rows(groups: list[Group]) -> list[list[Any]]:
    return [[g.key, g.name, *(getattr(g, c) for c in COUNTS), g.on_time_rate] for g in groups]
