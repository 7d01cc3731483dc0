"""The rules with consequences of DESIGN §7 and their thresholds, read in one place.

A block's thresholds for a year live on its ``BandConfig``; a block without one, or an agency in no
block, gets the defaults of ``Rules.defaults(year)``. The dossier pages, the ranking and the report
all call ``rules_of`` / ``rules_for_agencies``: no threshold is written anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cchc.agencies.models import Block, BlockMembership
from cchc.core.formatting import format_percent
from cchc.scoring.models import BAND_ORDER, Band, BandConfig

# Rule 3's limit moved from 10 % to 5 % for the years from 2025 (Khánh Hòa's plan, seeds/001).
OFFICER_LIMIT_BEFORE_2025 = Decimal("0.10")
OFFICER_LIMIT_FROM_2025 = Decimal("0.05")


def default_officer_limit(year: int) -> Decimal:
    return OFFICER_LIMIT_FROM_2025 if year >= 2025 else OFFICER_LIMIT_BEFORE_2025


@dataclass(frozen=True)
class Rules:
    """Band thresholds (index in %) and the limits of rules 1–3 (fractions) of one block and year."""

    year: int
    good_min: Decimal = Decimal(80)
    fair_min: Decimal = Decimal(70)
    average_min: Decimal = Decimal(50)
    late_rate_limit: Decimal = Decimal("0.05")  # rule 1: at or above it, not Tốt
    satisfaction_min: Decimal = Decimal("0.80")  # rule 2: below it, one band down
    officer_late_limit: Decimal = OFFICER_LIMIT_BEFORE_2025  # rule 3

    @classmethod
    def defaults(cls, year: int) -> Rules:
        return cls(year, officer_late_limit=default_officer_limit(year))

    @classmethod
    def of(cls, config: BandConfig | None, year: int) -> Rules:
        rules = cls.defaults(year)
        if config is None:
            return rules
        return replace(
            rules,
            good_min=config.good_min,
            fair_min=config.fair_min,
            average_min=config.average_min,
            late_rate_limit=config.late_rate_limit,
            satisfaction_min=config.satisfaction_min,
            officer_late_limit=config.officer_late_limit
            if config.officer_late_limit is not None
            else rules.officer_late_limit,
        )

    def band(self, index: Decimal) -> str:
        shown = index.quantize(CENT, rounding=ROUND_HALF_UP)  # the band follows the index as printed
        if shown >= self.good_min:
            return Band.GOOD
        if shown >= self.fair_min:
            return Band.FAIR
        if shown >= self.average_min:
            return Band.AVERAGE
        return Band.WEAK

    # The limits as printed (a ranking prints the same few limits for hundreds of agencies).
    @property
    def late_rate_text(self) -> str:
        return _percent(self.late_rate_limit, get_language())

    @property
    def satisfaction_text(self) -> str:
        return _percent(self.satisfaction_min, get_language())

    @property
    def officer_late_text(self) -> str:
        return _percent(self.officer_late_limit, get_language())


CENT = Decimal("0.01")


def rules_of(block: Block) -> Rules:
    """The thresholds of ``block`` in its year."""
    return Rules.of(BandConfig.objects.filter(block=block).first(), block.year)


def rules_of_blocks(blocks: Iterable[Block]) -> dict[int, Rules]:
    """block id → its rules, in one query."""
    blocks = list(blocks)
    configs = {c.block_id: c for c in BandConfig.objects.filter(block__in=[b.pk for b in blocks])}
    return {b.pk: Rules.of(configs.get(b.pk), b.year) for b in blocks}


def rules_for_agencies(year: int, agency_ids: Iterable[int]) -> dict[int, Rules]:
    """agency id → the rules of its block in ``year`` (the year's defaults when it is in none)."""
    ids = list(agency_ids)
    memberships = BlockMembership.objects.filter(year=year, agency_id__in=ids).select_related("block")
    by_block = rules_of_blocks({m.block_id: m.block for m in memberships}.values())
    found = {m.agency_id: by_block[m.block_id] for m in memberships}
    default = Rules.defaults(year)
    return {agency_id: found.get(agency_id, default) for agency_id in ids}


def down_one(band: str) -> str:
    position = BAND_ORDER.index(Band(band))
    return BAND_ORDER[min(position + 1, len(BAND_ORDER) - 1)]


def apply_rules(
    band: str,
    late_rate: Decimal | None,
    satisfaction: Decimal | None,
    rules: Rules,
    *,
    language: str | None = None,
) -> tuple[str, list[str]]:
    """Rules 1 and 2 of DESIGN §7: the band after them and why (one sentence per rule applied).

    ``language``: the current language, when the caller (a ranking run) looked it up once for all.
    """
    reasons = []
    if band == Band.GOOD and late_rate is not None and late_rate >= rules.late_rate_limit:
        band = Band.FAIR
        language = language or get_language()
        reasons.append(
            _reasons(language)["late"]
            % {"rate": format_percent(late_rate, lang=language), "limit": _percent(rules.late_rate_limit, language)}
        )
    if satisfaction is not None and satisfaction < rules.satisfaction_min:
        lower = down_one(band)
        if lower != band:
            language = language or get_language()
            reasons.append(
                _reasons(language)["satisfaction"]
                % {
                    "value": format_percent(satisfaction, lang=language),
                    "floor": _percent(rules.satisfaction_min, language),
                    "before": Band(band).label,
                    "after": Band(lower).label,
                }
            )
        band = lower
    return band, reasons


@lru_cache(maxsize=16)
def _reasons(language: str | None) -> dict[str, str]:
    """The sentences of rules 1 and 2, translated once per language (a ranking writes hundreds)."""
    return {
        "late": _("late-dossier rate %(rate)s ≥ %(limit)s: cannot be ranked Good"),
        "satisfaction": _("satisfaction %(value)s below %(floor)s: moved down one band, from %(before)s to %(after)s"),
    }


@lru_cache(maxsize=64)
def _percent(value: Decimal, language: str | None) -> str:
    return format_percent(value, lang=language)
