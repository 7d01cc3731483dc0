"""The change of a provincial index from one year to the next, written as the seeds write it.

``seeds/000``: "Chỉ số PAR-Index xếp hạng 25/63, tăng 23 bậc; … Chỉ số PACA xếp thứ hạng 11/63, tăng 52
bậc"; ``seeds/004``: "xếp thứ 4 cả nước (tăng 3 bậc so với năm 2022)". A better rank is a smaller number:
from 48th to 25th is "tăng 23 bậc", the other way "giảm 23 bậc", the same rank "giữ nguyên". A score
change is a difference in the index's unit: "tăng 2,15 điểm", and between two percentages a difference
in percentage points written as the seeds write it, "tăng 3,51%" (DESIGN §6.1); no change in the score
is "không thay đổi", as the ranking report writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from cchc.core.formatting import format_change, format_number, round_half_up


@dataclass(frozen=True)
class Standing:
    """One year's result of an index: what the sentence needs (a ``ProvincialIndex`` has the same fields)."""

    year: int
    score: Decimal | None
    rank: int | None
    out_of: int | None


def rank_change(rank: int | None, previous: int | None) -> int | None:
    """Places gained (positive) or lost (negative) since the previous result; None without both ranks."""
    if rank is None or previous is None:
        return None
    return previous - rank


def rank_change_text(rank: int | None, previous: int | None) -> str:
    """ "tăng 23 bậc", "giảm 3 bậc", "giữ nguyên"; "" without both ranks."""
    places = rank_change(rank, previous)
    if places is None:
        return ""
    if places == 0:
        return _("unchanged")
    text = _("up %(places)s places") if places > 0 else _("down %(places)s places")
    return text % {"places": format_number(abs(places))}


def score_change_text(score: Decimal | None, previous: Decimal | None, unit: str, places: int = 2) -> str:
    """ "tăng 2,15 điểm", "giảm 0,50%" (percentage points, ``formatting.format_change``: the project's one
    writer of a change between two rates), "không thay đổi"; "" without both scores."""
    if score is None or previous is None:
        return ""
    if unit == "percent":
        return format_change(Decimal(previous) / 100, Decimal(score) / 100, places)
    delta = round_half_up(Decimal(score) - Decimal(previous), places)
    if delta == 0:
        return _("no change")
    text = _("up %(amount)s points") if delta > 0 else _("down %(amount)s points")
    return text % {"amount": format_number(abs(delta), places)}


def rank_sentence(short_name: str, current: Any, previous: Any | None) -> str:
    """ "Chỉ số PAR-Index xếp hạng 25/63, tăng 23 bậc": the rank of ``current`` and its change since
    ``previous`` (the latest earlier result, or None). When the two were ranked among different numbers of
    provinces (the 2025 merger: 63 → 34), the earlier standing is given beside the change."""
    if current.rank is None:
        return ""
    text = _("The %(name)s index ranked %(rank)s/%(out_of)s") % {
        "name": short_name,
        "rank": format_number(current.rank),
        "out_of": format_number(current.out_of),
    }
    change = rank_change_text(current.rank, previous.rank if previous else None)
    if not change or previous is None:
        return text
    text = f"{text}, {change}"
    if previous.out_of != current.out_of:
        text += " " + _("(%(year)s: %(rank)s/%(out_of)s)") % {
            "year": previous.year,
            "rank": format_number(previous.rank),
            "out_of": format_number(previous.out_of),
        }
    return text
