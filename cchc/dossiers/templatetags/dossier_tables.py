"""The rows of the indicator tables, built in Python once per table.

A province-year by agency is two tables of 330 rows and 23 cells: written cell by cell in the
template (a variable, a filter and an escape for each of 8,800 cells) the page took about 300 ms to
render against 20 ms for its data. Here each row is one string. The cells read as the ``num`` and
``pct`` filters write them (``cchc.core.formatting``): whole numbers with the language's thousands
separator, and each rate worked out from its two whole counts and rounded half up in integers,
which gives the digits of ``format_percent(ratio(n, d))`` without three Decimals per cell
(``tests/test_dossier_pages.py`` holds the two together).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from cchc.core.formatting import DASH, format_number, format_percent, ratio
from cchc.dossiers.stats import RATE_TERMS

register = template.Library()

# Each column: a count ("n"), a rate as a percentage with two decimals ("p"), or a rate as a number
# with two decimals ("d2", SMS per dossier). In the order of the tables' headers.
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


def separators(lang: str | None) -> tuple[str, str]:
    """(thousands, decimal) as ``cchc.core.formatting`` writes them in ``lang``."""
    return (",", ".") if (lang or "vi").lower().startswith("en") else (".", ",")


def rate_text(
    numerator: int, denominator: int, percent: bool, lang: str | None, marks: tuple[str, str] | None = None
) -> str:
    """numerator ÷ denominator with two decimals, rounded half up (× 100 and "%" for a percentage):
    the text of ``format_percent`` / ``format_number(…, 2)`` of ``ratio(numerator, denominator)``.
    ``marks``: ``separators(lang)``, when the caller has them."""
    if not denominator:
        return DASH
    if numerator < 0 or denominator < 0 or type(numerator) is not int or type(denominator) is not int:
        value = ratio(numerator, denominator)  # not counts: the general formatter
        return format_percent(value, 2, lang) if percent else format_number(value, 2, lang)
    scaled = numerator * (10_000 if percent else 100)
    hundredths = (2 * scaled + denominator) // (2 * denominator)  # half up
    thousands, decimal = marks or separators(lang)
    whole = f"{hundredths // 100:,}".replace(",", thousands)
    return f"{whole}{decimal}{hundredths % 100:02d}{'%' if percent else ''}"


def _columns(cells: tuple[tuple[str, str], ...]) -> list[tuple[str, tuple[str, ...], tuple[str, ...], bool]]:
    """(kind, numerator counts, denominator counts, as a percentage) for each cell; a count has its own name."""
    found: list[tuple[str, tuple[str, ...], tuple[str, ...], bool]] = []
    for name, kind in cells:
        if kind == "n":
            found.append(("n", (name,), (), False))
        else:
            numerator, denominator = RATE_TERMS[name]
            found.append(("r", numerator, denominator, kind == "p"))
    return found


def _rows(groups: Iterable[Any], cells: tuple[tuple[str, str], ...], *, links: bool) -> SafeString:
    lang = get_language()
    marks = separators(lang)
    thousands = marks[0]
    columns = _columns(cells)
    out = []
    for g in groups:
        counts = g.counts
        texts = []
        for kind, numerator, denominator, percent in columns:
            if kind == "n":
                value = counts[numerator[0]]
                texts.append(
                    f"{value:,}".replace(",", thousands) if type(value) is int else format_number(value, 0, lang)
                )
            else:
                n = sum(counts[k] for k in numerator)
                d = sum(counts[k] for k in denominator)
                texts.append(rate_text(n, d, percent, lang, marks))
        name = escape(g.name)
        head = f'<a href="{escape(g.link)}">{name}</a>' if links and g.link else name
        # html.escape, as Django's escape (without making a SafeString of each name). The cells are
        # numbers written above (digits, separators, "%", "—"): nothing in them to escape.
        body = "".join(f'<td class="text-end">{text}</td>' for text in texts)
        out.append(f'<tr>\n    <th scope="row" class="fw-normal">{head}</th>{body}</tr>')
    return mark_safe("\n".join(out))  # the group names and links are escaped above


@register.simple_tag
def indicator_rows(groups: Iterable[Any]) -> SafeString:
    """The rows of ``_indicator_table.html``: the group (with its drill-down link) and its 13 cells."""
    return _rows(groups, INDICATOR_CELLS, links=True)


@register.simple_tag
def service_rows(groups: Iterable[Any]) -> SafeString:
    """The rows of ``_service_table.html``: the group and its 10 cells."""
    return _rows(groups, SERVICE_CELLS, links=False)
