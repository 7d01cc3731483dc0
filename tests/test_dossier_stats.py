"""The indicators of DESIGN §6 from the aggregates: the seeds' own figures, and agreement with the raw records."""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum

from cchc.core.scope import SYSTEM
from cchc.dossiers.columns import COLUMNS
from cchc.dossiers.models import MEASURES, MonthlyCount
from cchc.dossiers.services import add_counts_of, build_row, import_dossiers_file
from cchc.dossiers.stats import COUNTS, indicators, total
from conftest import every_dossier
from tests.test_dossier_import import HEADER, catalogue, write_csv  # noqa: F401  (catalogue: the fixture)


def test_q1_2018_of_seed_002_from_imported_dossiers(tmp_path: Path, province: Any) -> None:
    """83.300 resolved: 73.516 early (88,25%), 9.517 on time (11,42%), 267 late (0,32%)."""
    path = tmp_path / "q1-2018.csv"
    agencies = ["SA", "SB", "D1", "C1", "C2"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        n = 0
        for count, due_offset in ((73_516, 3), (9_517, 0), (267, -2)):
            for i in range(count):
                received = date(2018, 1, 1) + timedelta(days=i % 80)
                resolved = received + timedelta(days=5)
                due = resolved + timedelta(days=due_offset)
                writer.writerow(
                    [
                        f"Q{n}",
                        agencies[n % 5],
                        "P1",
                        received.isoformat(),
                        f"{due:%d/%m/%Y}",
                        resolved,
                        "resolved",
                        "direct",
                    ]
                )
                n += 1
        # Dossiers outside the quarter, and one still pending, must not change the figures.
        writer.writerow(["OUT1", "SA", "P1", "2017-12-20", "2017-12-25", "2017-12-28", "resolved", "direct"])
        writer.writerow(["OUT2", "SA", "P1", "2018-03-30", "2018-04-10", "2018-04-02", "resolved", "direct"])
        writer.writerow(["PEND", "SA", "P1", "2018-03-30", "2018-04-10", "", "pending", "direct"])
    import_dossiers_file(path)
    q1 = total(date(2018, 1, 1), date(2018, 3, 31), user=SYSTEM)
    assert (q1.resolved, q1.early, q1.on_time, q1.late) == (83_300, 73_516, 9_517, 267)
    assert [q1.rate_text(r) for r in ("early_share", "on_time_share", "late_share")] == ["88,25%", "11,42%", "0,32%"]


def seed_003_year(province: Any) -> None:
    """2022 of seed 003 as exact counts of dossiers (no raw records: the aggregates only)."""
    sa, sb, c1 = province.dept_a.pk, province.dept_b.pk, province.commune_1.pk
    jan, jun, dec = date(2022, 1, 10), date(2022, 6, 1), date(2022, 12, 20)

    def resolved(agency: int, day: date, due_in: int, took: int, **extra: Any) -> tuple[Any, ...]:
        return build_row("", agency, day, day + timedelta(days=due_in), day + timedelta(days=took), "resolved", **extra)

    add_counts_of(
        [
            (resolved(sa, jan, 9, 5, channel="online", sms_count=3), 253_432),
            (resolved(sb, jan, 9, 5, published_online=True, sms_count=2), 31_391),
            (resolved(sb, jun, 9, 5, published_online=True, sms_count=1), 179_000),
            (resolved(c1, jun, 5, 5, sms_count=1), 123_701),  # on the due day
            (resolved(c1, jun, 5, 8, sms_count=1), 9_009),  # late
            (build_row("", sa, dec, date(2023, 1, 15), None, "pending", sms_count=1), 17_760),
            (build_row("", sa, jun, date(2022, 7, 1), None, "pending", sms_count=1), 752),  # overdue
            (build_row("", c1, jun, None, jun + timedelta(days=1), "returned", sms_count=1), 18_000),
            (build_row("", c1, jun, None, jun + timedelta(days=1), "withdrawn", sms_count=1), 419),
        ]
    )


def test_2022_of_seed_003_from_exact_counts(province: Any) -> None:
    """Late rate (9.009 + 752) ÷ (596.533 + 18.512) = 1,59%; online 253.432 ÷ 463.823 = 54,64%; SMS 1,85."""
    seed_003_year(province)
    year = total(date(2022, 1, 1), date(2022, 12, 31), user=SYSTEM)
    assert (year.received, year.resolved, year.late) == (633_464, 596_533, 9_009)
    assert (year.pending, year.pending_in_time, year.pending_overdue) == (18_512, 17_760, 752)
    assert (year.online, year.online_eligible, year.sms) == (253_432, 463_823, 1_171_719)
    assert year.rate_text("late_rate") == "1,59%"
    assert year.rate_text("online_rate") == "54,64%"
    assert year.rate_text("sms_per_dossier") == "1,85"


def test_dossier_stats_json_is_the_stable_interface(province: Any) -> None:
    seed_003_year(province)
    out = io.StringIO()
    call_command("dossier_stats", "--from", "2022-01-01", "--to", "31/12/2022", "--format", "json", stdout=out)
    document = json.loads(out.getvalue())
    assert (document["from"], document["to"], document["as_of"], document["by"]) == (
        "2022-01-01",
        "2022-12-31",
        "2022-12-31",
        "none",
    )
    (group,) = document["groups"]
    assert group["key"] == "all"
    assert set(COUNTS) <= set(group)
    assert group["late_rate"] == {"value": 0.01587, "text": "1,59%"}
    assert group["online_rate"]["text"] == "54,64%"
    assert group["sms_per_dossier"] == {"value": round(1_171_719 / 633_464, 6), "text": "1,85"}
    out = io.StringIO()
    call_command("dossier_stats", "--from", "2021-01-01", "--to", "2021-12-31", "--format", "json", stdout=out)
    (empty,) = json.loads(out.getvalue())["groups"]
    assert empty["late_rate"] == {"value": None, "text": "—"}


def test_dossier_stats_by_level_kind_block_and_agency(province: Any) -> None:
    seed_003_year(province)
    for by, keys in (
        ("level", {"province", "commune"}),
        ("kind", {"department", "commune"}),
        ("agency", {"SA", "SB", "C1"}),
        ("block", {"SBN", "XA-D1"}),
    ):
        out = io.StringIO()
        call_command(
            "dossier_stats", "--from", "2022-01-01", "--to", "2022-12-31", "--by", by, "--format", "json", stdout=out
        )
        groups = json.loads(out.getvalue())["groups"]
        assert {g["key"] for g in groups} == keys, by
        assert sum(g["received"] for g in groups) == 633_464
    province.dept_b.kind = "vertical"  # a vertically managed agency is reported apart, as the seeds do
    province.dept_b.save()
    levels = {g.key: g.received for g in indicators(date(2022, 1, 1), date(2022, 12, 31), user=SYSTEM, by="level")}
    assert levels == {"province": 253_432 + 18_512, "vertical": 31_391 + 179_000, "commune": 151_129}
    out = io.StringIO()
    call_command(
        "dossier_stats", "--from", "2022-01-01", "--to", "2022-12-31", "--by", "level", "--format", "csv", stdout=out
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    commune = next(r for r in rows if r["key"] == "commune")
    assert int(commune["late"]) == 9_009 and commune["online_rate"] == ""
    out = io.StringIO()
    call_command("dossier_stats", "--from", "2022-01-01", "--to", "2022-12-31", stdout=out)
    assert "633.464" in out.getvalue() and "1,59%" in out.getvalue()


@dataclass(frozen=True)
class Raw:
    """A dossier as a test wrote it, in Python values: what the aggregates must agree with."""

    code: str
    agency: str
    procedure: str
    received: date
    due: date | None
    resolved: date | None
    status: str
    channel: str
    online_level: str
    paid: bool
    fee: int
    post: bool
    digitized: bool
    sms: int
    handler: str

    @property
    def closed(self) -> date | None:
        """The result, return or withdrawal day; a return or withdrawal without one closes on receipt."""
        return None if self.status == "pending" else (self.resolved or self.received)

    @property
    def overdue_from(self) -> date | None:
        """The day after the due date (not before receipt), if still open then."""
        if self.due is None:
            return None
        start = max(self.received, self.due + timedelta(days=1))
        return start if self.closed is None or self.closed > start else None

    @property
    def outcome(self) -> str:
        if self.status != "resolved":
            return self.status
        assert self.resolved is not None
        if self.due is None or self.resolved == self.due:
            return "on_time"
        return "early" if self.resolved < self.due else "late"


PUBLISHED_ONLINE = {"P1", "P2"}  # the catalogue fixture's procedures published online (full, partial)


def receipt_measures(d: Raw) -> dict[str, int]:
    """What a dossier adds on its receipt day (DESIGN §6, §8.2)."""
    return {
        "received": 1,
        "online": d.channel == "online",
        "online_eligible": d.channel == "online" or d.online_level != "" or d.procedure in PUBLISHED_ONLINE,
        "paid_online": d.paid,
        "fee_amount": d.fee,
        "with_fee": d.fee > 0 or d.paid,
        "postal": d.post or d.channel == "postal",
        "sms": d.sms,
        "digitized": d.digitized,
    }


def brute_force(dossiers: list[Raw], start: date, end: date, as_of: date) -> dict[str, int]:
    """The definitions of DESIGN §6 and §8.2 counted over the raw rows, for comparison."""
    counts = dict.fromkeys(COUNTS, 0)
    for d in dossiers:
        closed = d.closed
        if start <= d.received <= end:
            for measure, value in receipt_measures(d).items():
                counts[measure] += value
        if d.received < start and (closed is None or closed >= start):
            counts["carried_over"] += 1
        if closed is not None and start <= closed <= end:
            counts[d.outcome] += 1
            counts["resolved"] += d.outcome in ("early", "on_time", "late")
        if d.received <= as_of and (closed is None or closed > as_of):
            counts["pending"] += 1
            overdue = d.due is not None and d.due < as_of
            counts["pending_overdue"] += overdue
            counts["pending_in_time"] += not overdue
    return counts


def brute_force_events(dossiers: list[Raw], first: date, last: date) -> dict[str, int]:
    """Every measure of ``MEASURES`` as events on the days [first, last]: what ``MonthlyCount`` sums."""
    counts = dict.fromkeys(MEASURES, 0)
    for d in dossiers:
        if first <= d.received <= last:
            for measure, value in receipt_measures(d).items():
                counts[measure] += value
        if d.closed is not None and first <= d.closed <= last:
            counts["closed"] += 1
            counts[d.outcome] += 1
            counts["overdue_out"] += d.overdue_from is not None
        if d.overdue_from is not None and first <= d.overdue_from <= last:
            counts["overdue_in"] += 1
    return counts


def spelled(rng: random.Random, d: Raw) -> list[Any]:
    """The dossier as some vendor writes it: flags and amounts in every accepted spelling."""

    def flag(value: bool) -> str:
        return rng.choice(["1", "true", "TRUE"] if value else ["0", "false", ""])

    def amount(value: int) -> str:
        spellings = [
            str(value),
            f"{value:,}".replace(",", "."),
            f"{value:,}".replace(",", " "),
            f"{value:,}".replace(",", "\u00a0"),
        ]
        spellings.append(f"{value}.0")
        return rng.choice([*spellings, ""] if value == 0 else spellings)

    due = "" if d.due is None else rng.choice([d.due.isoformat(), f"{d.due:%d/%m/%Y}"])
    dates = [d.received, due, d.resolved or ""]
    flags_and_amounts = [flag(d.paid), amount(d.fee), flag(d.post), flag(d.digitized), amount(d.sms)]
    return [d.code, d.agency, d.procedure, *dates, d.status, d.channel, d.online_level, *flags_and_amounts, d.handler]


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize("pieces", [1, 3], ids=["one-file", "second-export-in-three-files"])
def test_aggregates_agree_with_the_raw_records_for_any_period(tmp_path: Path, province: Any, pieces: int) -> None:
    """Every measure (``MEASURES``) and every count of §8.3, from random dossiers with random fees,
    payments, post, digitisation, SMS and officers, against counting the rows the test wrote."""
    rng = random.Random(2026)
    statuses = ["resolved"] * 6 + ["pending", "returned", "withdrawn"]
    fees = [0, 0, 0, 25_000, 50_000, 150_000, 1_500_000, 12_345_000]

    def export(n: int) -> list[Raw]:
        result = []
        for i in range(n):
            received = date(2021, 11, 1) + timedelta(days=rng.randrange(500))
            status = rng.choice(statuses)
            due = None if rng.random() < 0.1 else received + timedelta(days=rng.randrange(0, 20))
            took = rng.randrange(0, 30)
            closes = status == "resolved" or (status != "pending" and rng.random() > 0.3)
            fee = rng.choice(fees)
            result.append(
                Raw(
                    code=f"R{i}",
                    agency=rng.choice(["SA", "SB", "C1", "C3"]),
                    procedure=rng.choice(["P1", "P2", "P3", ""]),
                    received=received,
                    due=due,
                    resolved=received + timedelta(days=took) if closes else None,
                    status=status,
                    channel=rng.choice(["direct", "online", "postal"]),
                    online_level=rng.choice(["", "", "full", "partial"]),
                    paid=(fee > 0 and rng.random() < 0.5) or rng.random() < 0.05,
                    fee=fee,
                    post=rng.random() < 0.2,
                    digitized=rng.random() < 0.6,
                    sms=rng.choice([0, 1, 2, 3, 1_200]),
                    handler=rng.choice(["", "Nguyễn Văn An", "Trần Thị Bình"]),
                )
            )
        return result

    header = list(COLUMNS)
    import_dossiers_file(write_csv(tmp_path / "a.csv", [spelled(rng, d) for d in export(600)], header))
    # A second export of the same dossiers, most of them changed: the aggregates must follow.
    second = export(700)
    for part in range(pieces):
        rows = [spelled(rng, d) for d in second[part::pieces]]
        import_dossiers_file(write_csv(tmp_path / f"b{part}.csv", rows, header))
    dossiers = second  # the second export names every code of the first
    assert all(sum(d.fee for d in second) and sum(getattr(d, f) for d in second) for f in ("paid", "post", "digitized"))
    for _ in range(25):
        start = date(2021, 12, 1) + timedelta(days=rng.randrange(400))
        end = start + timedelta(days=rng.choice([0, 6, 30, 45, 90, 200]))
        as_of = end - timedelta(days=rng.choice([0, 0, 3, 40]))
        got = total(start, end, user=SYSTEM, as_of=max(as_of, start)).counts
        assert got == brute_force(dossiers, start, end, max(as_of, start)), (start, end, as_of)
        # By procedure: whole months.
        first, last = start.replace(day=1), (end.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        by_procedure = {g.key: g.counts for g in indicators(first, last, user=SYSTEM, by="procedure")}
        for code in ("P1", "P2", "P3", ""):
            want = brute_force([d for d in dossiers if d.procedure == code], first, last, last)
            assert by_procedure.get(code, dict.fromkeys(COUNTS, 0)) == want, (code, first, last)
        # The month rows themselves, every measure of them.
        months = MonthlyCount.objects.filter(month__range=(first, last)).aggregate(**{m: Sum(m) for m in MEASURES})
        assert {m: v or 0 for m, v in months.items()} == brute_force_events(dossiers, first, last), (first, last)


def test_breakdowns_by_month_quarter_and_procedure(tmp_path: Path, province: Any) -> None:
    rows = [
        ["M1", "SA", "P1", "2022-01-05", "2022-01-10", "2022-01-07", "resolved", "online"],
        ["M2", "SA", "P2", "2022-02-05", "2022-02-10", "2022-02-17", "resolved", "direct"],
        ["M3", "C1", "P2", "2022-04-05", "2022-04-10", "", "pending", "direct"],
    ]
    import_dossiers_file(write_csv(tmp_path / "m.csv", rows))
    months = indicators(date(2022, 1, 1), date(2022, 6, 30), user=SYSTEM, by="month")
    assert [m.key for m in months] == ["2022-01", "2022-02", "2022-03", "2022-04", "2022-05", "2022-06"]
    assert [m.received for m in months] == [1, 1, 0, 1, 0, 0]
    assert [m.pending for m in months] == [0, 0, 0, 1, 1, 1]
    quarters = indicators(date(2022, 1, 1), date(2022, 6, 30), user=SYSTEM, by="quarter")
    assert [(q.key, q.resolved, q.late) for q in quarters] == [("2022-Q1", 2, 1), ("2022-Q2", 0, 0)]
    procedures = indicators(date(2022, 1, 1), date(2022, 6, 30), user=SYSTEM, by="procedure")
    assert [(p.key, p.received, p.pending_overdue) for p in procedures] == [("P1", 1, 0), ("P2", 2, 1)]


def test_open_dossiers_per_procedure_follow_a_correction_into_later_months(tmp_path: Path, province: Any) -> None:
    """The breakdown by procedure reads the open dossiers at a month's end from that month's row; a
    correction of January must reach the stored rows of later months the import did not write."""
    rows = [
        ["A", "SA", "P1", "2022-01-10", "2022-01-20", "", "pending", "direct"],
        ["B", "SA", "P1", "2022-05-03", "2022-05-20", "", "pending", "direct"],
        ["C", "SA", "P2", "2022-01-12", "", "", "pending", "direct"],
    ]
    import_dossiers_file(write_csv(tmp_path / "a.csv", rows))

    def open_p1(month_end: date) -> tuple[int, int]:
        groups = indicators(month_end.replace(day=1), month_end, user=SYSTEM, by="procedure")
        p1 = next((g for g in groups if g.key == "P1"), None)
        return (0, 0) if p1 is None else (p1.pending, p1.pending_overdue)

    assert open_p1(date(2022, 5, 31)) == (2, 2)  # both past their due dates
    # A was in fact resolved late in February: only its months are in the new file.
    import_dossiers_file(
        write_csv(
            tmp_path / "b.csv", [["A", "SA", "P1", "2022-01-10", "2022-01-20", "2022-02-14", "resolved", "direct"]]
        )
    )
    assert open_p1(date(2022, 1, 31)) == (1, 1)
    assert open_p1(date(2022, 2, 28)) == (0, 0)
    assert open_p1(date(2022, 5, 31)) == (1, 1)  # B, overdue since 21 May; the May row was not written
    june = indicators(date(2022, 6, 1), date(2022, 6, 30), user=SYSTEM, by="procedure")
    assert {g.key: (g.carried_over, g.pending) for g in june} == {"P1": (1, 1), "P2": (1, 1)}


@pytest.mark.parametrize("seed", [3, 4])
def test_officers_counts_follow_corrections_like_the_raw_records(tmp_path: Path, province: Any, seed: int) -> None:
    """Per officer and month of result: resolved and late, kept on import, agree with the stored
    records after a second export moves dossiers between officers, months and outcomes."""
    from cchc.dossiers.models import HandlerMonthlyCount

    rng = random.Random(seed)

    def export(n: int) -> list[list[Any]]:
        rows = []
        for i in range(n):
            received = date(2022, 1, 1) + timedelta(days=rng.randrange(200))
            due = received + timedelta(days=5)
            status = rng.choice(["resolved", "resolved", "resolved", "pending", "returned"])
            resolved = "" if status == "pending" else received + timedelta(days=rng.randrange(0, 9))
            handler = rng.choice(["an", "binh", "chi", ""])
            rows.append([f"H{i}", rng.choice(["SA", "SB"]), "P1", received, due, resolved, status, "direct", handler])
        return rows

    header = [*HEADER, "handler"]
    import_dossiers_file(write_csv(tmp_path / "a.csv", export(300), header))
    import_dossiers_file(
        write_csv(tmp_path / "b.csv", export(260), header)
    )  # the first 260 again, most of them changed
    want: dict[tuple[int, str, date], list[int]] = {}
    for d in every_dossier():
        if d.status == "resolved" and d.handler:
            assert d.resolved_on is not None
            counts = want.setdefault((d.agency_id, d.handler, d.resolved_on.replace(day=1)), [0, 0])
            counts[0] += 1
            counts[1] += d.late
    got = {
        (h.agency_id, h.handler, h.month): [h.resolved, h.late]
        for h in HandlerMonthlyCount.objects.all()
        if h.resolved or h.late
    }
    assert got == want and sum(v[1] for v in want.values()) > 0
    assert not HandlerMonthlyCount.objects.filter(resolved=0, late=0).exists()


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize("seed", [5, 6])
def test_a_monthly_export_of_resolved_dossiers_rewrites_only_the_months_it_moves(
    tmp_path: Path, province: Any, seed: int
) -> None:
    """A month's export: new dossiers of the month and stored pending ones now resolved in it. Their
    receipts and due dates cancel in the months they were received, so those month rows stay as
    stored (the same rows); the counts of every period and the open dossiers per procedure at each
    month's end still agree with the raw records."""
    from dataclasses import replace

    from cchc.dossiers.models import MonthDetail

    rng = random.Random(seed)

    def dossier(i: int, received: date, status: str) -> Raw:
        due = received + timedelta(days=rng.randrange(3, 40))
        return Raw(
            code=f"M{i}",
            agency=rng.choice(["SA", "SB", "C1"]),
            procedure=rng.choice(["P1", "P2", "P3"]),
            received=received,
            due=due,
            resolved=received + timedelta(days=rng.randrange(0, 30)) if status == "resolved" else None,
            status=status,
            channel=rng.choice(["direct", "online"]),
            online_level="",
            paid=False,
            fee=rng.choice([0, 50_000]),
            post=False,
            digitized=rng.random() < 0.5,
            sms=rng.randrange(3),
            handler=rng.choice(["", "An", "Bình"]),
        )

    year = [
        dossier(i, date(2022, 1, 1) + timedelta(days=rng.randrange(330)), rng.choice(["resolved", "pending"]))
        for i in range(400)
    ]
    header = list(COLUMNS)
    import_dossiers_file(write_csv(tmp_path / "year.csv", [spelled(rng, d) for d in year], header))
    before = {(r.agency_id, r.month): r.pk for r in MonthDetail.objects.all()}
    pending = [d for d in year if d.status == "pending"]
    resolved = [
        replace(d, status="resolved", resolved=max(d.received, date(2022, 12, rng.randrange(1, 29))))
        for d in pending[: len(pending) // 2]
    ]
    new = [dossier(1000 + i, date(2022, 12, rng.randrange(1, 29)), "resolved") for i in range(60)]
    summary = import_dossiers_file(
        write_csv(tmp_path / "december.csv", [spelled(rng, d) for d in resolved + new], header)
    )
    assert (summary.created, summary.updated) == (60, len(resolved))
    after = {(r.agency_id, r.month): r.pk for r in MonthDetail.objects.all()}
    kept = {key for key, pk in before.items() if after.get(key) == pk}
    assert {month for _agency, month in set(before) - kept} <= {date(2022, 12, 1)}
    assert len(kept) >= len(before) - 3  # only December's rows (at most one per agency) were written
    final = {d.code: d for d in year} | {d.code: d for d in resolved + new}
    dossiers = list(final.values())
    for month in range(1, 13):
        first = date(2022, month, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        assert total(first, last, user=SYSTEM).counts == brute_force(dossiers, first, last, last), month
        by_procedure = {g.key: g.counts for g in indicators(first, last, user=SYSTEM, by="procedure")}
        for code in ("P1", "P2", "P3"):
            want = brute_force([d for d in dossiers if d.procedure == code], first, last, last)
            assert by_procedure.get(code, dict.fromkeys(COUNTS, 0)) == want, (code, month)
