"""Numbers, percentages, money and dates as a person reads them (DESIGN §6.1).

Vietnamese: thousands with ".", decimals with "," (1.073.260; 88,25%; 347.593.808.508 đồng).
Rounding is half up at the shown precision. English swaps the separators.
Machine formats (JSON, CSV) never go through this module.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import get_language

DASH = "—"
Number = int | float | Decimal


def _separators(lang: str | None) -> tuple[str, str]:
    """(thousands, decimal) separators of the language; Vietnamese unless English is asked for."""
    lang = (lang or get_language() or "vi").lower()
    return (",", ".") if lang.startswith("en") else (".", ",")


def round_half_up(value: Number, places: int) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def format_number(value: Number | None, places: int = 0, lang: str | None = None) -> str:
    """1073260 → "1.073.260"; 1.8497, 2 → "1,85"."""
    if value is None:
        return DASH
    thousands, decimal_sep = _separators(lang)
    if type(value) is int and not places:  # most cells of a table: no rounding to do
        return f"{value:,}".replace(",", thousands)
    rounded = round_half_up(value, places)
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):,.{places}f}"  # "1,073,260.50"
    whole, _, fraction = text.partition(".")
    whole = whole.replace(",", thousands)
    return f"{sign}{whole}{decimal_sep}{fraction}" if fraction else f"{sign}{whole}"


def format_percent(fraction: Number | None, places: int = 2, lang: str | None = None) -> str:
    """A fraction as a percentage: 0.882473 → "88,25%"; None → "—"."""
    if fraction is None:
        return DASH
    return format_number(Decimal(str(fraction)) * 100, places, lang) + "%"


def ratio(numerator: Number, denominator: Number) -> Decimal | None:
    """numerator ÷ denominator, or None when the denominator is zero (shown as "—")."""
    if not denominator:
        return None
    return Decimal(str(numerator)) / Decimal(str(denominator))


def format_share(numerator: Number, denominator: Number, places: int = 2, lang: str | None = None) -> str:
    """35 of 42 → "83,33%"."""
    return format_percent(ratio(numerator, denominator), places, lang)


def format_money(value: Number | None, lang: str | None = None) -> str:
    """347593808508 → "347.593.808.508 đồng"."""
    if value is None:
        return DASH
    lang = lang or get_language() or "vi"
    unit = "VND" if lang.lower().startswith("en") else "đồng"
    return f"{format_number(value, 0, lang)} {unit}"


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, in the province's time zone for date-times: 14/03/2018."""
    if value is None:
        return DASH
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value.strftime("%d/%m/%Y")


def format_date_text(value: date) -> str:
    """Running text as the seeds write it: "14/3/2018" (no leading zeros)."""
    return f"{value.day}/{value.month}/{value.year}"


def format_change(before: Number, after: Number, places: int = 2, lang: str | None = None) -> str:
    """Change between two rates (fractions, like ``format_percent``) in percentage points, as the seeds
    write it: 0.8025 → 0.8376 gives "tăng 3,51%"."""
    delta = round_half_up((Decimal(str(after)) - Decimal(str(before))) * 100, places)
    english = (lang or get_language() or "vi").lower().startswith("en")
    if delta == 0:
        return "unchanged" if english else "không thay đổi"
    word = ("up" if delta > 0 else "down") if english else ("tăng" if delta > 0 else "giảm")
    return f"{word} {format_number(abs(delta), places, lang)}%"
