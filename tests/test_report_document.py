"""The periodic reports' documents: the seeds' sentences with their figures, the province's report consolidated
from the agencies' narratives and the system's figures, Phụ lục 2 in the DOCX and as XLSX, make_report."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from docx import Document

from cchc.core.documents import soffice
from cchc.core.scope import SYSTEM
from cchc.documents import engine
from cchc.dossiers import stats
from cchc.dossiers.stats import Indicators
from cchc.reports import appendices, sentences
from cchc.reports.consolidation import agency_context, appendix2_workbook, document_kind, province_context
from cchc.reports.models import ReportingPeriod
from tests.test_report_prefill import dossiers, make_period, write_report


def figures(name: str = "", **counts: int) -> Indicators:
    group = Indicators(name or "all", name)
    group.add(counts)
    return group


# The sentences, checked against the seeds' own figures


def test_the_dossier_sentence_of_seed_002() -> None:
    resolved = {"resolved": 83_300, "early": 73_516, "on_time": 9_517, "late": 267}
    total = figures(received=93_281, **resolved)
    blocks = [
        figures("cơ quan sở", received=14_596),
        figures("UBND cấp huyện", received=29_037),
        figures("UBND xã, phường, thị trấn", received=49_648),
    ]
    assert sentences.dossier_clause(total, blocks) == (
        "đã tiếp nhận 93.281 hồ sơ (khối cơ quan sở: 14.596; khối UBND cấp huyện: 29.037; khối UBND xã, phường, "
        "thị trấn: 49.648); đã giải quyết, trả kết quả 83.300 hồ sơ, trong đó sớm hạn 73.516 hồ sơ (88,25%), "
        "đúng hạn 9.517 hồ sơ (11,42%), trễ hạn 267 hồ sơ (0,32%)"
    )


def test_pending_late_rate_and_online_sentences_of_seed_003() -> None:
    year = figures(
        received=633_464,
        resolved=596_533,
        early=500_000,
        on_time=87_524,
        late=9_009,
        pending=18_512,
        pending_in_time=17_760,
        pending_overdue=752,
        online=253_432,
        online_eligible=463_823,
    )
    assert sentences.pending_clause(year) == "đang giải quyết 18.512 hồ sơ (trong hạn 17.760 hồ sơ; trễ hạn 752 hồ sơ)"
    # (9.009 + 752) ÷ (596.533 + 18.512) → 1,59% (DESIGN §6)
    assert sentences.late_rate_clause(year) == "tổng số hồ sơ trễ hạn là 9.761 hồ sơ (chiếm tỉ lệ 1,59%)"
    assert sentences.online_clause(year) == (
        "tiếp nhận 253.432 hồ sơ trực tuyến trên tổng số 463.823 hồ sơ của TTHC công bố thực hiện trực tuyến "
        "có phát sinh hồ sơ, đạt tỉ lệ 54,64%"
    )
    assert figures(resolved=1_675_401, early=1_674_475, late=926).rate_text("on_time_rate") == "99,94%"


def test_completeness_and_narrative_sentences() -> None:
    assert sentences.completeness_clause(38, 2, 42) == (
        "đã có 38/42 cơ quan, đơn vị gửi báo cáo đúng hạn (chiếm 90,48%); 02 cơ quan, đơn vị gửi báo cáo trễ hạn; "
        "02 cơ quan, đơn vị chưa gửi báo cáo"
    )
    assert sentences.completeness_clause(4, 0, 4) == "đã có 4/4 cơ quan, đơn vị gửi báo cáo đúng hạn (chiếm 100,00%)"
    assert sentences.attributed("Sở Tư pháp", "Dòng một.\n\nDòng hai.") == ["Sở Tư pháp: Dòng một.", "Dòng hai."]
    assert sentences.attributed("Sở Y tế", "Nội dung.", sentences.NOT_ACCEPTED) == [
        "Sở Y tế (báo cáo chưa được tiếp nhận): Nội dung."
    ]
    assert sentences.number_sentence("Số nhiệm vụ", 1250, "nhiệm vụ") == "Số nhiệm vụ: 1.250 nhiệm vụ."


# The province's report


@pytest.fixture
def quarter(province: Any) -> ReportingPeriod:
    """Q1 2026: SA accepted, SB submitted (not yet accepted), C1 a draft, C2 nothing; dossiers in both blocks."""
    period = make_period(province)
    write_report(
        period,
        province.dept_a,
        "accepted",
        {
            "plan_text": "Ban hành Kế hoạch CCHC năm 2026 ngày 05/01/2026.\nGiao 12 nhiệm vụ cho các phòng.",
            "plan_tasks": "12",
            "tthc_text": "Rà soát 25 thủ tục hành chính.",
            "it_table": [{"name": "Chữ ký số", "count": "40"}],
        },
        on=date(2026, 3, 18),
    )
    write_report(
        period,
        province.dept_b,
        "submitted",
        {"plan_text": "Kế hoạch CCHC của Sở Y tế đã ban hành.", "plan_tasks": "8"},
        on=date(2026, 3, 25),
        justifications={"tasks_plan": "Sở mới sáp nhập, kế hoạch bổ sung trong quý II"},
    )
    write_report(period, province.commune_1, "draft", {"plan_text": "Bản nháp chưa gửi."})
    dossiers(province.dept_a, date(2026, 1, 10), early=900, on_time=80, late=20, pending=10, overdue=5)
    dossiers(province.dept_b, date(2026, 2, 10), early=300, on_time=0, late=0)
    dossiers(province.commune_1, date(2026, 2, 10), early=50, on_time=40, late=10)
    dossiers(province.commune_2, date(2026, 3, 1), early=5, on_time=5, late=0)
    return period


def docx_paragraphs(content: bytes) -> tuple[list[str], list[list[list[str]]]]:
    document = Document(io.BytesIO(content))
    tables = [[[cell.text.strip() for cell in row.cells] for row in table.rows] for table in document.tables]
    return [p.text for p in document.paragraphs], tables


def render_province(period: ReportingPeriod, user: Any = SYSTEM) -> bytes:
    context = province_context(period, user=user, today=date(2026, 3, 28))
    return engine.render(document_kind(period.kind), period.year, context)


def test_the_province_report_consolidates_narratives_and_figures(quarter: ReportingPeriod, province: Any) -> None:
    paragraphs, tables = docx_paragraphs(render_province(quarter))
    text = "\n".join(paragraphs)
    assert "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH" in paragraphs and "1. Kế hoạch CCHC" in paragraphs
    assert "(KẾT QUẢ TẠM TÍNH)" in text  # SB's report is not accepted yet
    plan = paragraphs.index("1. Kế hoạch CCHC")
    assert paragraphs[plan + 1] == "Sở Tư pháp: Ban hành Kế hoạch CCHC năm 2026 ngày 05/01/2026."
    assert paragraphs[plan + 2] == "Giao 12 nhiệm vụ cho các phòng."
    assert paragraphs[plan + 3] == "Sở Y tế (báo cáo chưa được tiếp nhận): Kế hoạch CCHC của Sở Y tế đã ban hành."
    assert "Bản nháp chưa gửi" not in text  # a draft is nobody's report yet
    assert "Số nhiệm vụ trong kế hoạch: 20 (tổng hợp từ báo cáo của 2 cơ quan, đơn vị)." in paragraphs
    assert (
        "Sở Y tế giải trình (Kế hoạch CCHC có ít nhất 10 nhiệm vụ): Sở mới sáp nhập, kế hoạch bổ sung trong quý II."
        in paragraphs
    )
    media = paragraphs.index("2. Tuyên truyền CCHC")
    assert paragraphs[media + 1] == sentences.NO_NARRATIVE
    assert paragraphs[paragraphs.index("IV. PHƯƠNG HƯỚNG, NHIỆM VỤ") + 1] == sentences.NO_NARRATIVE
    # The surveys module is there now: no "module missing" sentence for the satisfaction field (the
    # province's report consolidates only the dossier figures among the prefilled ones, as for tasks).
    assert not any("chưa có phân hệ" in p for p in paragraphs)
    # The dossier sentence, by block, in the section of the form's dossier fields
    dossier = next(p for p in paragraphs if "đã tiếp nhận" in p)
    assert paragraphs.index(dossier) > paragraphs.index("II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH")
    assert dossier == (
        "Trong quý I năm 2026 (số liệu từ ngày 15/12/2025 đến ngày 14/3/2026), các cơ quan, đơn vị đã tiếp nhận "
        "1.425 hồ sơ (khối Sở, ban, ngành: 1.315; khối UBND cấp xã thuộc huyện Một: 110); đã giải quyết, trả kết "
        "quả 1.410 hồ sơ, trong đó sớm hạn 1.255 hồ sơ (89,01%), đúng hạn 125 hồ sơ (8,87%), trễ hạn 30 hồ sơ "
        "(2,13%); đang giải quyết 15 hồ sơ (trong hạn 10 hồ sơ; trễ hạn 5 hồ sơ), tổng số hồ sơ trễ hạn là 35 hồ "
        "sơ (chiếm tỉ lệ 2,46%)."
    )
    assert (
        "đã có 1/4 cơ quan, đơn vị gửi báo cáo đúng hạn (chiếm 25,00%); 1 cơ quan, đơn vị gửi báo cáo trễ hạn" in text
    )
    # The agencies' table fields, with the agency's name
    assert ["Sở Tư pháp", "Chữ ký số", "40"] in [row for table in tables for row in table]


def appendix_rows(tables: list[list[list[str]]]) -> list[list[str]]:
    """The rows of Phụ lục 2 in the DOCX: the table whose rows name the blocks."""
    table = next(t for t in tables if any(row[1].startswith("Khối") for row in t if len(row) > 2))
    return [row for row in table if row[0] in ("I", "II", "") or row[0].isdigit()][-7:]


def test_appendix2_by_block_with_subtotals_in_the_docx_and_the_xlsx(quarter: ReportingPeriod) -> None:
    content = render_province(quarter)
    _paragraphs, tables = docx_paragraphs(content)
    rows = appendix_rows(tables)
    head = ["I", "Khối Sở, ban, ngành", "1.315", "0", "1.300", "1.200", "80", "20", "15", "5"]
    assert rows[0][:10] == head
    assert rows[1][:3] == ["1", "Sở Tư pháp", "1.015"] and rows[2][:3] == ["2", "Sở Y tế", "300"]
    assert rows[3][:3] == ["II", "Khối UBND cấp xã thuộc huyện Một", "110"]
    assert rows[-1][:3] == ["", "Tổng cộng", "1.425"]
    document = Document(io.BytesIO(content))
    bold = [
        r.cells[1].text
        for t in document.tables
        for r in t.rows
        if r.cells[1].paragraphs and any(run.bold for p in r.cells[1].paragraphs for run in p.runs)
    ]
    assert "Khối Sở, ban, ngành" in bold and "Sở Tư pháp" not in bold
    by_block = stats.indicators(quarter.cutoff_start, quarter.cutoff_end, user=SYSTEM, by="block")
    assert [stats_row.counts["received"] for stats_row in by_block] == [1_315, 110]
    workbook = appendices.xlsx_texts(appendix2_workbook(quarter, user=SYSTEM))
    assert [row[: len(rows[0])] for row in workbook] == [row[: len(workbook[0])] for row in rows]


def test_a_province_with_dossiers_and_no_report_still_gets_its_figures(province: Any) -> None:
    dossiers(province.dept_a, date(2026, 4, 10), early=9, on_time=1, late=0)
    from cchc.reports.calendar import default_range

    cut = default_range(2026, "Q2")
    period = ReportingPeriod(
        owner=province.province,
        year=2026,
        kind="Q2",
        cutoff_start=cut.cutoff_start,
        cutoff_end=cut.cutoff_end,
        deadline=cut.deadline,
    )
    context = province_context(period, user=SYSTEM, today=date(2026, 6, 20))
    assert context["preliminary"] == "" and context["appendix1"] is None
    assert context["sections"][0]["heading"] == "I. KẾT QUẢ GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH"
    assert "đã tiếp nhận 10 hồ sơ" in context["sections"][0]["paragraphs"][0]
    assert [r["name"] for r in context["appendix2"]["rows"]] == ["Khối Sở, ban, ngành", "Sở Tư pháp", "Tổng cộng"]
    paragraphs, _tables = docx_paragraphs(engine.render("province_quarter", 2026, context))
    assert any("đã tiếp nhận 10 hồ sơ" in p for p in paragraphs)


def test_the_readers_scope_bounds_the_province_report(quarter: ReportingPeriod, personas: Any) -> None:
    for outsider in (personas.officer_b, personas.district_coordinator, None):
        with pytest.raises(PermissionDenied):
            province_context(quarter, user=outsider, today=date(2026, 3, 28))
    context = province_context(quarter, user=personas.viewer, today=date(2026, 3, 28))
    assert context["appendix2"]["rows"][-1]["received"] == "1.425"
    assert "Sở Tư pháp: Ban hành" in str(context["sections"])
    with pytest.raises(PermissionDenied):
        agency_context(quarter.reports.get(agency__code="SA"), user=personas.officer_b)


def test_an_agency_report_with_its_narratives_and_snapshot(quarter: ReportingPeriod, province: Any) -> None:
    from cchc.reports.models import Report

    report = Report.objects.get(period=quarter, agency=province.dept_a)
    report.prefilled = {"received": {"value": 7, "text": "7", "source": "Thống kê hồ sơ TTHC (ảnh chụp)"}}
    report.save()
    context = agency_context(report, user=SYSTEM, today=date(2026, 3, 18))
    assert context["authority_lines"] == ["UBND TỈNH HÒA AN", "SỞ TƯ PHÁP"] and context["number"] == "   /BC-STP"
    section = context["sections"][1]
    assert "Số hồ sơ tiếp nhận: 7 (Thống kê hồ sơ TTHC (ảnh chụp))." in section["paragraphs"]  # the snapshot
    assert "Rà soát 25 thủ tục hành chính." in section["paragraphs"]
    draft = Report.objects.get(period=quarter, agency=province.commune_1)
    live = agency_context(draft, user=SYSTEM, today=date(2026, 3, 18))
    assert live["preliminary"] == "(DỰ THẢO)"
    assert (
        "Số hồ sơ tiếp nhận: 100 (Thống kê hồ sơ TTHC từ 15/12/2025 đến 14/3/2026)."
        in live["sections"][1]["paragraphs"]
    )
    paragraphs, _tables = docx_paragraphs(engine.render("agency", 2026, context))
    assert "Ban hành Kế hoạch CCHC năm 2026 ngày 05/01/2026." in paragraphs


# The command line


def test_make_report_agency_and_province(quarter: ReportingPeriod, tmp_path: Path) -> None:
    out, sheet = tmp_path / "tinh.docx", tmp_path / "phu-luc-2.xlsx"
    args = ["--period", "2026-Q1", "--out", str(out), "--xlsx", str(sheet)]
    call_command("make_report", "province", *args, stdout=io.StringIO())
    paragraphs, _tables = docx_paragraphs(out.read_bytes())
    assert any(p.startswith("Sở Tư pháp: Ban hành") for p in paragraphs)
    assert appendices.xlsx_texts(sheet.read_bytes())[-1][:3] == ["", "Tổng cộng", "1.425"]
    agency = tmp_path / "so.docx"
    call_command("make_report", "agency", "--period", "2026-Q1", "--agency", "SA", "--out", str(agency))
    paragraphs, _tables = docx_paragraphs(agency.read_bytes())
    assert "Rà soát 25 thủ tục hành chính." in paragraphs
    never = tmp_path / "q3.docx"
    call_command("make_report", "province", "--period", "2026-Q3", "--out", str(never), stdout=io.StringIO())
    paragraphs, _tables = docx_paragraphs(never.read_bytes())
    assert any("số liệu từ ngày 15/6/2026 đến ngày 14/9/2026" in p for p in paragraphs)
    for argv, message in (
        (["agency", "--period", "2026-Q1"], "--agency"),
        (["agency", "--period", "2026-Q2", "--agency", "SA"], "quý II năm 2026"),
        (["province", "--period", "2026-Q5"], "2026-Q1"),
        (["province", "--period", "2026", "--agency", "NOPE"], "NOPE"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("make_report", *argv, "--out", str(tmp_path / "x.docx"))


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_make_report_province_as_pdf(quarter: ReportingPeriod, tmp_path: Path) -> None:
    out = tmp_path / "tinh.pdf"
    call_command("make_report", "province", "--period", "2026-Q1", "--out", str(out), stdout=io.StringIO())
    assert out.read_bytes().startswith(b"%PDF")


def test_dates_in_the_sentences_follow_the_seeds() -> None:
    start = date(2025, 12, 15)
    assert sentences.range_text(start, start + timedelta(days=89)) == "số liệu từ ngày 15/12/2025 đến ngày 14/3/2026"


PLAN_CSV = """task_code,title,area,lead_agency_code,co_agency_codes,deadline,product,status,completed_on
1,Ban hành kế hoạch CCHC,direction,SA,,2026-01-31,Kế hoạch,done,2026-01-20
2,Rà soát văn bản QPPL,institutions,SA,SB,2026-02-28,Báo cáo,done,2026-03-05
3,Rà soát TTHC,procedures,SB,,2026-03-01,Quyết định,open,
4,Số hóa hồ sơ,digital_government,SB,,2026-06-30,Hồ sơ số,open,
5,Kiểm tra CCHC,direction,SA,,2026-03-10,Báo cáo,done,2026-05-02
"""


def test_phu_luc_1_and_the_task_sentence_come_from_the_plans_as_of_the_cutoff(province: Any, tmp_path: Path) -> None:
    from cchc.plans.services import import_plan_file
    from cchc.reports.appendices import xlsx_texts

    path = tmp_path / "ke-hoach.csv"
    path.write_text(PLAN_CSV, encoding="utf-8")
    import_plan_file(path, year=2026, agency_code="HA")
    period = make_period(province)  # quarter I of 2026: data until 14/3/2026
    context = province_context(period, user=SYSTEM, today=date(2026, 12, 1))
    rows = {r["name"]: r for r in context["appendix1"]["rows"]}
    # As of 14/3: task 5, done on 2/5 after its deadline of 10/3, was still open and overdue.
    direction = rows["Chỉ đạo, điều hành"]
    assert (direction["assigned"], direction["done_on_time"], direction["open_overdue"]) == ("2", "1", "1")
    assert rows["Cải cách thể chế"]["done_late"] == "1" and rows["Cải cách thủ tục hành chính"]["open_overdue"] == "1"
    assert rows["Xây dựng chính quyền điện tử, chính quyền số"]["open_in_time"] == "1"
    content = engine.render(document_kind(period.kind), period.year, context)
    document = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert (
        "Tính đến ngày 14/3/2026, tổng số nhiệm vụ CCHC giao cho các cơ quan, đơn vị là 5 nhiệm vụ; 2 nhiệm vụ "
        "hoàn thành (đúng hạn: 1; quá hạn: 1), 2 nhiệm vụ chưa hoàn thành quá hạn, 1 nhiệm vụ đang thực hiện "
        "trong hạn; tỉ lệ hoàn thành đúng hạn đạt 20,00% (chi tiết tại Phụ lục 1 kèm theo)."
    ) in text
    assert "PHỤ LỤC 1" in text
    table = next(t for t in document.tables if any("Cải cách thể chế" in c.text for c in t.columns[1].cells))
    institutions = next(r for r in table.rows if r.cells[1].text == "Cải cách thể chế")
    # TT, area, assigned, done, on time, late, open, overdue, in time, rate
    assert [c.text for c in institutions.cells][2:] == ["1", "1", "0", "1", "0", "0", "0", "0,00%"]
    sheets = appendix2_workbook(period, user=SYSTEM)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(sheets))
    assert book.sheetnames == ["Phụ lục 1", "Phụ lục 2"]
    assert book["Phụ lục 1"]["C6"].value == 2 and book["Phụ lục 1"]["B6"].value == "Chỉ đạo, điều hành"
    assert context["appendix2"] is None and xlsx_texts(sheets) == []  # no dossiers here: Phụ lục 2 is empty
