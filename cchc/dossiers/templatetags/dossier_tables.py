"""The rows of the indicator tables, built in Python once per table.

A province-year by agency is two tables of 330 rows and 23 cells: written cell by cell in the
template (a variable, a filter and an escape for each of 8,800 cells) the page took about 300 ms to
render against 20 ms for its data. Here each row is one string, every cell formatted by the same
functions as the ``num`` and ``pct`` filters, in the language of the request read once per table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from cchc.core.formatting import format_number, format_percent

register = template.Library()

# (name, how the cell is written): "n" a whole number, "p" a percentage, "d2" a number with two decimals.
INDICATOR_CELLS = (
    *(
        (name, "n")
        for name in ("received", "carried_over", "resolved", "early", "on_time", "late", "pending", "pending_overdue")
    ),
    *((name, "p") for name in ("early_share", "on_time_share", "late_share", "late_rate", "online_rate")),
)
SERVICE_CELLS = (
    ("returned", "n"),
    ("withdrawn", "n"),
    ("online", "n"),
    ("online_eligible", "n"),
    ("online_rate", "p"),
    ("paid_online", "n"),
    ("fee_amount", "n"),
    ("postal", "n"),
    ("sms_per_dossier", "d2"),
    ("digitized_rate", "p"),
)


def _cell(group: Any, name: str, kind: str, lang: str | None) -> str:
    counts = group.counts
    value = counts[name] if name in counts else group.rate(name)
    if kind == "n":
        return format_number(value, 0, lang)
    if kind == "p":
        return format_percent(value, 2, lang)
    return format_number(value, 2, lang)


def _rows(groups: Iterable[Any], cells: tuple[tuple[str, str], ...], *, links: bool) -> SafeString:
    lang = get_language()
    out = []
    for g in groups:
        name = escape(g.name)
        head = f'<a href="{escape(g.link)}">{name}</a>' if links and g.link else name
        # The cells are numbers written by cchc.core.formatting (digits, separators, "%", "—"): nothing to escape.
        body = "".join(f'<td class="text-end">{_cell(g, n, kind, lang)}</td>' for n, kind in cells)
        out.append(f'<tr>\n    <th scope="row" class="fw-normal">{head}</th>{body}</tr>')
    return mark_safe("\n".join(out))  # noqa: S308 - the group names and links are escaped above


@register.simple_tag
def indicator_rows(groups: Iterable[Any]) -> SafeString:
    """The rows of ``_indicator_table.html``: the group (with its drill-down link) and its 13 cells."""
    return _rows(groups, INDICATOR_CELLS, links=True)


@register.simple_tag
def service_rows(groups: Iterable[Any]) -> SafeString:
    """The rows of ``_service_table.html``: the group and its 10 cells."""
    return _rows(groups, SERVICE_CELLS, links=False)
