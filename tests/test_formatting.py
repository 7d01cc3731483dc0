"""Numbers, percentages, money and dates as a person reads them (DESIGN §6.1), checked against the seeds."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from cchc.core.formatting import (
    DASH,
    format_change,
    format_date,
    format_date_text,
    format_money,
    format_number,
    format_percent,
    format_share,
    ratio,
    round_half_up,
)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def test_thousands_are_separated_with_dots():
    assert format_number(1073260) == "1.073.260"
    assert format_number(999) == "999"
    assert format_number(1000) == "1.000"
    assert format_number(0) == "0"
    assert format_number(-1073260) == "-1.073.260"


def test_decimals_use_a_comma():
    assert format_number(Decimal("1234567.891"), 2) == "1.234.567,89"
    assert format_number(1171719 / 633464, 2) == "1,85"  # SMS per dossier, seed 003


@pytest.mark.parametrize(
    ("numerator", "denominator", "text"),
    [
        # Seed 002: early / on time / late among 83,300 resolved dossiers.
        (73516, 83300, "88,25%"),
        (9517, 83300, "11,42%"),
        (267, 83300, "0,32%"),
        # Seed 000: bands of 42 ranked agencies.
        (35, 42, "83,33%"),
        (6, 42, "14,29%"),
        (1, 42, "2,38%"),
        # Seed 003: on-time rate, late rate, online rate.
        (1674475, 1675401, "99,94%"),
        (9009 + 752, 596533 + 18512, "1,59%"),
        (253432, 463823, "54,64%"),
    ],
)
def test_seed_shares(numerator, denominator, text):
    assert format_share(numerator, denominator) == text


def test_seed_shares_are_not_forced_to_add_up():
    shares = [format_share(n, 42) for n in (35, 6, 1)]
    assert shares == ["83,33%", "14,29%", "2,38%"]  # 100,00 % only by coincidence of the seed


def test_percent_of_a_fraction():
    assert format_percent(Decimal("0.882473")) == "88,25%"
    assert format_percent(1) == "100,00%"
    assert format_percent(0) == "0,00%"
    assert format_percent(Decimal("0.5"), places=0) == "50%"


def test_money_in_dong():
    assert format_money(347593808508) == "347.593.808.508 đồng"
    assert format_money(Decimal("1500.6")) == "1.501 đồng"


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Decimal("0.125"), 2, "0,13"),
        (Decimal("0.135"), 2, "0,14"),
        (Decimal("0.124999"), 2, "0,12"),
        (Decimal("2.5"), 0, "3"),  # banker's rounding would give 2
        (Decimal("3.5"), 0, "4"),
        (Decimal("-0.125"), 2, "-0,13"),
        (2.675, 2, "2,68"),  # a float that binary rounding would turn into 2,67
        (0.125, 2, "0,13"),
        (1.005, 2, "1,01"),
    ],
)
def test_rounding_is_half_up_at_the_shown_precision(value, places, text):
    assert format_number(value, places) == text


def test_round_half_up_returns_the_exact_decimal():
    assert round_half_up(Decimal("88.2521"), 2) == Decimal("88.25")
    assert round_half_up(Decimal("0.0125"), 3) == Decimal("0.013")


def test_percent_rounds_half_up_after_scaling():
    # 0,125 % exactly: half up gives 0,13 %, half even 0,12 %.
    assert format_percent(Decimal("0.00125")) == "0,13%"
    assert format_share(1, 800) == "0,13%"


def test_zero_denominator_is_a_dash():
    assert ratio(5, 0) is None
    assert format_share(5, 0) == DASH == "—"
    assert format_share(0, 0) == "—"
    assert format_percent(None) == "—"
    assert format_number(None) == "—"
    assert format_money(None) == "—"
    assert format_date(None) == "—"


def test_ratio_is_exact():
    assert ratio(1, 4) == Decimal("0.25")
    assert ratio(0, 7) == 0


def test_dates_are_day_month_year():
    assert format_date(date(2018, 3, 14)) == "14/03/2018"
    assert format_date(date(2025, 12, 1)) == "01/12/2025"


def test_an_aware_datetime_is_shown_on_the_province_calendar():
    # 17:30 UTC on 30 June is 00:30 on 1 July in Asia/Ho_Chi_Minh (UTC+7).
    late_utc = datetime(2025, 6, 30, 17, 30, tzinfo=UTC)
    assert format_date(late_utc) == "01/07/2025"
    just_before = datetime(2025, 6, 30, 16, 59, tzinfo=UTC)
    assert format_date(just_before) == "30/06/2025"


def test_a_naive_datetime_keeps_its_date():
    assert format_date(datetime(2025, 6, 30, 23, 59)) == "30/06/2025"


def test_running_text_dates_have_no_leading_zeros():
    assert format_date_text(date(2018, 3, 14)) == "14/3/2018"
    assert format_date_text(date(2025, 7, 1)) == "1/7/2025"


def test_change_between_percentages_in_points():
    assert format_change(Decimal("0.8025"), Decimal("0.8376")) == "tăng 3,51%"
    assert format_change(Decimal("0.8376"), Decimal("0.8025")) == "giảm 3,51%"
    assert format_change(0.9, 0.9) == "không thay đổi"
    assert format_change(Decimal("0.10001"), Decimal("0.10004")) == "không thay đổi"  # 0,003 rounds to 0,00


def test_change_is_rounded_half_up():
    assert format_change(Decimal("0.10"), Decimal("0.10125")) == "tăng 0,13%"
    assert format_change(Decimal("0.10125"), Decimal("0.10")) == "giảm 0,13%"


def test_english_swaps_the_separators():
    with translation.override("en"):
        assert format_number(1073260) == "1,073,260"
        assert format_share(73516, 83300) == "88.25%"
        assert format_number(1171719 / 633464, 2) == "1.85"
        assert format_money(347593808508) == "347,593,808,508 VND"
        assert format_change(Decimal("0.8025"), Decimal("0.8376")) == "up 3.51%"
        assert format_change(Decimal("0.8376"), Decimal("0.8025")) == "down 3.51%"
        assert format_date(date(2018, 3, 14)) == "14/03/2018"


def test_an_explicit_language_wins_over_the_active_one():
    assert format_number(1073260, lang="en") == "1,073,260"
    with translation.override("en"):
        assert format_number(1073260, lang="vi") == "1.073.260"
        assert format_money(1000, lang="vi") == "1.000 đồng"


def test_template_filters_render_vietnamese():
    template = Template(
        "{{ dossiers|num }} | {{ rate|pct }} | {{ fees|money }} | {{ day|dmy }} | {{ sms|num:2 }} | {{ missing|pct }}"
    )
    context = Context(
        {
            "dossiers": 1073260,
            "rate": ratio(73516, 83300),
            "fees": 347593808508,
            "day": datetime(2025, 6, 30, 17, 30, tzinfo=UTC),
            "sms": ratio(1171719, 633464),
            "missing": None,
        }
    )
    assert template.render(context) == "1.073.260 | 88,25% | 347.593.808.508 đồng | 01/07/2025 | 1,85 | —"


def test_template_filters_follow_the_interface_language():
    template = Template("{{ n|num }} {{ r|pct:1 }}")
    with translation.override("en"):
        assert template.render(Context({"n": 1073260, "r": Decimal("0.88252")})) == "1,073,260 88.3%"
