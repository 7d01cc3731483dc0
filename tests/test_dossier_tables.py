"""The indicator tables' rows built in Python (``cchc.dossiers.templatetags.dossier_tables``) read
exactly as the ``num`` / ``pct`` filters wrote them cell by cell, and the index page reads the
period's counts once whatever it shows."""

from __future__ import annotations

import random
import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cchc.core.formatting import format_number, format_percent, ratio
from cchc.core.scope import SYSTEM
from cchc.dossiers.stats import COUNTS, RATE_TERMS, Indicators, indicators, period_counts, total
from cchc.dossiers.templatetags.dossier_tables import (
    INDICATOR_CELLS,
    SERVICE_CELLS,
    indicator_rows,
    rate_text,
    service_rows,
)
from conftest import client_for
from tests.test_dossier_pages import PERIOD, dossiers  # noqa: F401 - the fixture

EDGES = [(0, 1), (1, 8), (1, 16), (1, 32), (1, 160), (1, 3), (2, 3), (5, 7), (1, 200), (1, 400), (3, 400)]
EDGES += [(999_995, 1_000_000), (12_345_678, 12_345_679), (7, 0), (0, 0), (10**9, 3), (1, 1), (123, 1)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_rate_reads_as_format_percent_of_its_ratio(lang: str) -> None:
    rng = random.Random(10)
    pairs = EDGES + [(rng.randint(0, 10**6), rng.randint(0, 10**6)) for _ in range(20_000)]
    pairs += [(n, d) for d in range(1, 401) for n in range(0, d + 1, 7)]  # halves at the third decimal
    with translation.override(lang):
        for n, d in pairs:
            assert rate_text(n, d, True, lang) == format_percent(ratio(n, d)), (n, d)
            assert rate_text(n, d, False, lang) == format_number(ratio(n, d), 2), (n, d)
        assert rate_text(-1, 3, True, lang) == format_percent(ratio(-1, 3))  # not counts: the general path


def cell_by_cell(g: Indicators, cells: tuple[tuple[str, str], ...]) -> list[str]:
    """What the template wrote before: ``{{ group.x|num }}``, ``|pct``, ``|num:2``."""
    out = []
    for name, kind in cells:
        value = getattr(g, name)
        out.append(
            format_number(value) if kind == "n" else format_percent(value) if kind == "p" else format_number(value, 2)
        )
    return out


def cells_of(html: str) -> list[list[str]]:
    return [re.findall(r'<td class="text-end">([^<]*)</td>', row) for row in html.split("<tr>")[1:]]


def test_the_rows_read_as_the_filters_wrote_them() -> None:
    rng = random.Random(3)
    groups = []
    for i in range(200):
        g = Indicators(f"A{i}", f"Xã <{i}> & “Đông”")
        g.add({k: rng.choice([0, 0, 1, 7, rng.randint(0, 10**7)]) for k in COUNTS})
        g.link = f"/dossiers/agency/A{i}/?start=2024-01-01&end=2024-12-31" if i % 2 else ""
        groups.append(g)
    for lang in ("vi", "en"):
        with translation.override(lang):
            indicator_html, service_html = indicator_rows(groups), service_rows(groups)
            assert cells_of(indicator_html) == [cell_by_cell(g, INDICATOR_CELLS) for g in groups]
            assert cells_of(service_html) == [cell_by_cell(g, SERVICE_CELLS) for g in groups]
    assert "Xã &lt;1&gt; &amp; “Đông”" in indicator_html  # names escaped
    assert '<a href="/dossiers/agency/A1/?start=2024-01-01&amp;end=2024-12-31">' in indicator_html
    assert "<a " not in service_html
    assert set(RATE_TERMS) >= {name for name, kind in (*INDICATOR_CELLS, *SERVICE_CELLS) if kind != "n"}


def test_the_period_counts_group_as_indicators_does(dossiers: None) -> None:  # noqa: F811
    start, end = date(2022, 1, 1), date(2022, 12, 31)
    counts = period_counts(start, end, user=SYSTEM)
    for by in ("agency", "block", "kind", "level", "none"):
        expected = indicators(start, end, user=SYSTEM, by=by)
        got = counts.group(by)
        assert [(g.key, g.name, g.counts) for g in got] == [(g.key, g.name, g.counts) for g in expected]
    assert counts.group("none")[0].counts == total(start, end, user=SYSTEM).counts


def test_the_index_reads_the_counts_once(dossiers: None, personas: Any) -> None:  # noqa: F811
    client = client_for(personas.coordinator)
    client.get(f"/dossiers/?{PERIOD}&by=agency")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/dossiers/?{PERIOD}&by=agency")
    assert response.status_code == 200
    agency_reads = [
        q for q in queries.captured_queries if 'FROM "agencies_agency" WHERE "agencies_agency"."id" IN' in q["sql"]
    ]
    assert len(agency_reads) == 1  # one read of the agencies counted: the table, the total and the chart share it
    html = response.content.decode()
    assert 'href="/dossiers/agency/SA/?start=2022-01-01&amp;end=2022-12-31&amp;as_of=2022-12-31"' in html
    assert "50,00%" in html
