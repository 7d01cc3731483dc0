"""Template filters for numbers and dates (DESIGN §6.1); loaded as builtins."""

from datetime import date, datetime

from django import template

from cchc.core import formatting

register = template.Library()


@register.filter
def num(value: formatting.Number | None, places: int = 0) -> str:
    return formatting.format_number(value, int(places))


@register.filter
def pct(value: formatting.Number | None, places: int = 2) -> str:
    return formatting.format_percent(value, int(places))


@register.filter
def money(value: formatting.Number | None) -> str:
    return formatting.format_money(value)


@register.filter
def dmy(value: date | datetime | None) -> str:
    return formatting.format_date(value)
