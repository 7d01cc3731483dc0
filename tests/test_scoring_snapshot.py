"""What the province signs stays as signed (issue 9): results frozen at approval, preliminary results said
to be so wherever they are shown, computed criteria that compute, rules read from the block's configuration.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone

from cchc.core.models import AuditEntry
from cchc.dossiers.models import Target
from cchc.dossiers.services import import_dossiers_file
from cchc.scoring import services
from cchc.scoring.models import Assessment, BandConfig, Framework, Score
from cchc.scoring.results import STORED, rank
from conftest import client_for
from tests.scoring_helpers import assessment_for, fill_self_scores, framework_for, score, with_rates
from tests.test_dossier_import import write_csv
from tests.test_scoring_pages import docx_text

State = Assessment.State
TODAY = timezone.localdate()
SNAPSHOT = (*STORED, "state", "frozen_at")
HEADER = ["dossier_code", "agency_code", "procedure_code", "received_at", "due_at", "resolved_at", "status", "channel"]


def dossiers(tmp_path: Path, agency: str, late: int, on_time: int, name: str = "d.csv", prefix: str = "") -> None:
    """``late`` + ``on_time`` dossiers of 2025 resolved by ``agency`` (the same codes when imported again)."""
    rows = []
    for i in range(late + on_time):
        resolved = "2025-03-10" if i < late else "2025-03-01"
        rows.append(
            [f"{prefix}{agency}-{i}", agency, "TT1", "2025-02-01", "2025-03-05", resolved, "resolved", "direct"]
        )
    import_dossiers_file(write_csv(tmp_path / name, rows, HEADER))


def through_to_final_appraisal(assessment: Assessment, personas: Any) -> None:
    """Self-assessment, submission, appraisal and explanation through the services, as the people do."""
    fill_self_scores(assessment)
    services.submit(personas.head if assessment.agency.code == "SA" else personas.head_b, assessment.pk)
    coordinator = personas.coordinator
    services.open_explanation(coordinator, assessment.pk, TODAY + timedelta(days=3))
    services.start_final_appraisal(coordinator, assessment.pk)


@pytest.fixture
def block(province: Any, personas: Any, tmp_path: Path) -> Any:
    from conftest import make_user

    framework = framework_for(province.block_departments, tmp_path, deadline=TODAY + timedelta(days=10))
    personas.head_b = make_user("head_b", "head", province.dept_b)
    a = with_rates(assessment_for(province.dept_a, framework), late_rate=None, satisfaction="0.9")
    b = with_rates(assessment_for(province.dept_b, framework), late_rate=None, satisfaction="0.9")
    return framework, a, b


def public_page() -> str:
    """The public page's content, without the per-request CSRF token of the layout's forms."""
    html = client_for(None).get("/scoring/public/").content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def fields(assessment: Assessment) -> dict[str, Any]:
    fresh = Assessment.objects.get(pk=assessment.pk)
    return {name: getattr(fresh, name) for name in SNAPSHOT}


def test_published_results_never_change_behind_the_province(block: Any, personas: Any, tmp_path: Path) -> None:
    framework, a, b = block
    dossiers(tmp_path, "SA", late=0, on_time=20)  # late rate 0 %: criterion 1.3 gets its 10 points
    through_to_final_appraisal(a, personas)
    services.approve(personas.coordinator, a.pk)
    services.publish(personas.coordinator, a.pk)
    published = fields(a)
    assert published["state"] == State.PUBLISHED and published["frozen_at"] is not None
    assert published["ranked_late_rate"] == 0 and published["ranked_late_rate_source"] == "dossiers"
    assert published["band"] == "good" and published["rank"] == 1
    public_before = public_page()

    dossiers(tmp_path, "SA", late=10, on_time=10)  # a corrected export: now 50 % late
    dossiers(tmp_path, "SB", late=0, on_time=10, name="b.csv")
    through_to_final_appraisal(b, personas)
    services.approve(personas.coordinator, b.pk)
    services.rank_block(personas.coordinator, framework.block)
    call_command("rank", "--year", "2025", stdout=io.StringIO())
    assert fields(a) == published  # field by field
    assert Score.objects.get(assessment=a, criterion__code="1.3").figure == 0  # frozen at submission
    assert public_page() == public_before
    # What the ranking runs did is in the audit trail: one entry per run, with the results they changed.
    runs = AuditEntry.objects.filter(
        content_type__model="framework", object_id=str(framework.pk), changes__has_key="results_changed"
    )
    assert runs.count() >= 4  # two approvals, the block page's button, the command
    assert AuditEntry.objects.filter(
        content_type__model="assessment", object_id=str(b.pk), changes__has_key="band"
    ).exists()

    # Only a coordinator reopens, only with a reason; then the new figures count.
    with pytest.raises(PermissionDenied):
        services.reopen(personas.viewer, a.pk, "Số liệu một cửa được điều chỉnh")
    with pytest.raises(services.WorkflowError, match="lý do"):
        services.reopen(personas.coordinator, a.pk, "  ")
    services.reopen(personas.coordinator, a.pk, "Số liệu một cửa được điều chỉnh")
    reopened = fields(a)
    assert reopened["state"] == State.FINAL_APPRAISAL and reopened["frozen_at"] is None
    assert reopened["ranked_late_rate"] == Decimal("0.5") and reopened["band"] == "fair"  # rule 1 now applies
    entry = AuditEntry.objects.filter(object_id=str(a.pk), content_type__model="assessment").latest("id")
    assert entry.reason == "Số liệu một cửa được điều chỉnh"
    assert "Sở Tư pháp" not in client_for(None).get("/scoring/public/").content.decode()


def test_a_row_approved_while_a_ranking_runs_is_never_overwritten(block: Any, personas: Any) -> None:
    framework, a, _b = block
    rankings = rank(2025, framework.block, save=False)  # read before the approval
    fill_self_scores(a)
    Score.objects.filter(assessment=a).update(final_score=Decimal(1))
    Assessment.objects.filter(pk=a.pk).update(state=State.APPROVED, frozen_at=timezone.now(), band="weak")
    from cchc.scoring.results import _store

    _store(rankings, None, "")  # the ranking that read it as preliminary writes afterwards
    assert Assessment.objects.get(pk=a.pk).band == "weak"


def preliminary_block(block: Any, personas: Any) -> tuple[Framework, Assessment, Assessment]:
    """SA approved and published; SB still self-assessing (2 of its 4 own criteria scored)."""
    framework, a, b = block
    with_rates(a, late_rate="0.01", satisfaction="0.9")
    through_to_final_appraisal(a, personas)
    services.approve(personas.coordinator, a.pk)
    services.publish(personas.coordinator, a.pk)
    for code in ("1.1.1", "1.1.2"):
        s = score(b, code)
        services.self_assess(personas.officer_b, s.pk, s.criterion.max_points, "", s.version)
    services.rank_block(personas.coordinator, framework.block)
    return framework, a, b


def test_preliminary_results_are_said_to_be_so_everywhere(block: Any, personas: Any, tmp_path: Path) -> None:
    framework, _a, _b = preliminary_block(block, personas)
    url = f"/scoring/blocks/{framework.block.pk}/"
    coordinator = client_for(personas.coordinator)

    _document, text = docx_text(coordinator.get(url + "report.docx").content)
    assert "(KẾT QUẢ TẠM TÍNH)" in text
    assert "Kết quả của 1/2 đơn vị là kết quả tạm tính, chưa được Hội đồng thẩm định phê duyệt" in text
    assert "Tạm tính (đang tự đánh giá)" in text and "Đã phê duyệt" in text
    assert "1 đơn vị - Sở Y tế bị xếp hạng Trung bình (chiếm 50,00%, tạm tính)" in text

    _document, approved = docx_text(coordinator.get(url + "report.docx?approved=1").content)
    assert "TẠM TÍNH" not in approved and "Sở Y tế" not in approved
    assert "01 đơn vị chưa có kết quả được phê duyệt" not in approved  # two agencies: plain counts
    assert "1 đơn vị chưa có kết quả được phê duyệt" in approved
    assert "có 1/1 đơn vị được xếp hạng Tốt (chiếm 100,00%)" in approved

    page = coordinator.get(url).content.decode()
    assert "1/2 kết quả dưới đây là tạm tính" in page and "tạm tính" in page
    only = coordinator.get(url + "?approved=1").content.decode()
    assert "Sở Y tế" not in only and "1/2 đơn vị không hiển thị" in only
    assert "Có 1/1 đơn vị được xếp hạng Tốt (chiếm 100,00%)" in only

    public = client_for(None).get("/scoring/public/").content.decode()
    assert "Có 1/1 đơn vị được xếp hạng Tốt (chiếm 100,00%)" in public and "Sở Y tế" not in public
    assert "Kết quả đã công bố của 1/2 đơn vị trong khối" in public

    out = io.StringIO()
    call_command("rank", "--year", "2025", "--approved-only", stdout=out)
    assert "Sở Tư pháp" in out.getvalue() and "Sở Y tế" not in out.getvalue()
    assert "Tốt: 1/1 (100,00%)" in out.getvalue() and "1/2 đơn vị không đưa vào" in out.getvalue()
    out = io.StringIO()
    call_command("rank", "--year", "2025", stdout=out)
    assert "Tự đánh giá (tạm tính)" in out.getvalue() and "Đã công bố" in out.getvalue()


def test_agencies_not_ranked_yet_are_said_to_have_no_results(block: Any, personas: Any) -> None:
    """Opened, never ranked: the page and the report say the agencies have no results yet, not that their
    results wait for approval (the page said "2/2 đơn vị không hiển thị: kết quả chưa được phê duyệt")."""
    framework, _a, _b = block
    url = f"/scoring/blocks/{framework.block.pk}/"
    coordinator = client_for(personas.coordinator)
    page = coordinator.get(url).content.decode()
    assert "2/2 đơn vị chưa có kết quả: khối chưa được tính xếp hạng từ khi mở hồ sơ đánh giá" in page
    assert "không hiển thị" not in page
    _document, text = docx_text(coordinator.get(url + "report.docx").content)
    assert "2/2 đơn vị chưa có kết quả (khối chưa được tính xếp hạng từ khi mở hồ sơ đánh giá)" in text
    assert "đã được Hội đồng thẩm định phê duyệt" not in text

    services.rank_block(personas.coordinator, framework.block)
    page = coordinator.get(url).content.decode()
    assert "chưa có kết quả" not in page and "2/2 kết quả dưới đây là tạm tính" in page


def test_the_report_table_repeats_its_header_and_keeps_rows_whole(block: Any, personas: Any) -> None:
    framework, _a, _b = preliminary_block(block, personas)
    document, _text = docx_text(
        client_for(personas.viewer).get(f"/scoring/blocks/{framework.block.pk}/report.docx").content
    )
    table = document.tables[1]  # after the heading table
    rows = table._tbl.tr_lst
    assert rows[0].trPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
    for row in rows:
        assert row.trPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}cantSplit") is not None


def test_each_block_links_to_its_own_report(block: Any, personas: Any, province: Any, tmp_path: Path) -> None:
    framework_for(province.block_communes, tmp_path)
    assessment_for(province.commune_1, Framework.objects.get(block=province.block_communes))
    rank(2025)
    client = client_for(personas.coordinator)
    _d, departments = docx_text(client.get(f"/scoring/blocks/{province.block_departments.pk}/report.docx").content)
    _d, communes = docx_text(client.get(f"/scoring/blocks/{province.block_communes.pk}/report.docx").content)
    assert "Khối Sở, ban, ngành" in departments and "UBND cấp xã thuộc huyện Một" not in departments
    assert "UBND cấp xã thuộc huyện Một" in communes and "Sở Tư pháp" not in communes


def test_make_report_writes_the_ranking_report_from_the_command_line(block: Any, personas: Any, tmp_path: Path) -> None:
    preliminary_block(block, personas)
    out = tmp_path / "xep-hang.docx"
    call_command(
        "make_report", "ranking", "--period", "2025", "--block", "SBN", "--out", str(out), stdout=io.StringIO()
    )
    _document, text = docx_text(out.read_bytes())
    assert "Khối Sở, ban, ngành" in text and "(KẾT QUẢ TẠM TÍNH)" in text
    call_command(
        "make_report", "ranking", "--period", "2025", "--approved-only", "--out", str(out), stdout=io.StringIO()
    )
    _document, text = docx_text(out.read_bytes())
    assert "TẠM TÍNH" not in text and "Sở Tư pháp" in text
    for args, message in (
        (["--period", "2030"], "chưa có bộ tiêu chí năm 2030"),
        (["--period", "2025-Q1"], "báo cáo xếp hạng là báo cáo năm"),
        (["--period", "2025", "--block", "NOPE"], "không có khối “NOPE”"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("make_report", "ranking", *args, "--out", str(out))


def test_make_report_writes_a_pdf_through_libreoffice(block: Any, personas: Any, tmp_path: Path) -> None:
    preliminary_block(block, personas)
    out = tmp_path / "xep-hang.pdf"
    call_command("make_report", "ranking", "--period", "2025", "--out", str(out), stdout=io.StringIO())
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.django_db
def test_rank_of_a_year_with_nothing_answers_in_one_line() -> None:
    with pytest.raises(CommandError) as error:
        call_command("rank", "--year", "2030")
    assert str(error.value) == "chưa có bộ tiêu chí năm 2030: không có gì để xếp hạng"


# Computed criteria compute


def test_computed_criteria_take_their_points_from_the_figures(block: Any, personas: Any, tmp_path: Path) -> None:
    _framework, a, _b = block
    dossiers(tmp_path, "SA", late=1, on_time=49)  # 2,00 %: "0.02:10; 0.05:5" gives 10
    page = client_for(personas.officer_a).get("/scoring/agencies/SA/assessment/").content.decode()
    late = score(a, "1.3")
    assert late.self_score == 10 and late.figure == Decimal("0.02") and late.figure_source == "dossiers"
    assert "Tỉ lệ hồ sơ trễ hạn 2,00% (thống kê hồ sơ TTHC)" in page
    assert "≤ 2,00%: 10,00 điểm; ≤ 5,00%: 5,00 điểm; còn lại 0 điểm" in page
    assert f'id="self-{late.pk}"' not in page  # no input box: nobody types a computed figure
    assert "Tính tự động từ số liệu của hệ thống" in page
    assert "mức độ hài lòng 90,00% (ghi nhận trên phiếu đánh giá)" in page.lower()
    assert score(a, "2").self_score == 36  # survey: 40 × 90 %
    with pytest.raises(services.WorkflowError, match="tính tự động"):
        services.self_assess(personas.officer_a, late.pk, Decimal(3), "", None)

    dossiers(tmp_path, "SA", late=2, on_time=48, name="d2.csv", prefix="N")  # now 3 of 100: 3,00 % → 5 points
    client_for(personas.officer_a).get("/scoring/agencies/SA/assessment/")
    assert score(a, "1.3").self_score == 5
    # The head submits without waiting for the computed criteria: only the agency's own ones count.
    for code in ("1.1.1", "1.1.2", "1.2", "3"):
        s = score(a, code)
        value = Decimal(0) if code == "3" else s.criterion.max_points
        services.self_assess(personas.officer_a, s.pk, value, "", s.version)
    services.submit(personas.head, a.pk)
    dossiers(tmp_path, "SA", late=0, on_time=100, name="d3.csv", prefix="M")  # after submission: frozen
    rank(2025)
    client_for(personas.coordinator).get("/scoring/agencies/SA/assessment/")
    assert score(a, "1.3").self_score == 5 and score(a, "1.3").figure == Decimal("0.03")


def test_a_computed_criterion_without_its_figure_says_so_and_blocks_approval(block: Any, personas: Any) -> None:
    _framework, a, _b = block
    with_rates(a, late_rate=None, satisfaction=None)
    page = client_for(personas.officer_a).get("/scoring/agencies/SA/assessment/").content.decode()
    assert "Chưa có số liệu: tính 0 điểm cho đến khi có số liệu." in page
    fill_self_scores(a)  # what a person might type into a computed criterion is overwritten by the figure
    services.submit(personas.head, a.pk)
    assert score(a, "2").self_score is None
    services.open_explanation(personas.coordinator, a.pk, TODAY + timedelta(days=3))
    services.start_final_appraisal(personas.coordinator, a.pk)
    with pytest.raises(services.WorkflowError, match=r"1\.3, 2"):
        services.approve(personas.coordinator, a.pk)


def test_the_online_rate_counts_against_the_year_s_target(province: Any, personas: Any, tmp_path: Path) -> None:
    from tests.scoring_helpers import write_framework

    text = "code,parent_code,name,max_points,method,source,mapping\n1,,Trực tuyến,10,computed,online_rate,\n"
    from cchc.scoring.frameworks import import_framework

    framework = import_framework(write_framework(tmp_path, text, "online.csv"), province.block_departments)
    Target.objects.create(year=2025, kind="department", online_rate_min=Decimal(50))
    rows = [
        [f"O{i}", "SA", "TT1", "2025-02-01", "2025-03-05", "2025-03-01", "resolved", "online" if i < 2 else "direct"]
        for i in range(10)
    ]
    from cchc.dossiers.models import Procedure

    Procedure.objects.create(code="TT1", name="Thủ tục 1", field="Tư pháp", level="province", online_level="full")
    import_dossiers_file(write_csv(tmp_path / "o.csv", rows, HEADER))
    a = assessment_for(province.dept_a, framework)
    s = score(a, "1")
    rate = s.figure
    assert rate is not None and s.figure_target == Decimal("0.5")
    assert s.self_score == (Decimal(10) * min(Decimal(1), rate / Decimal("0.5"))).quantize(Decimal("0.01"))
    page = client_for(personas.officer_a).get("/scoring/agencies/SA/assessment/").content.decode()
    assert "so với chỉ tiêu 50,00%" in page


# Rules are configuration, read in one place


def test_the_rules_come_from_the_block_s_configuration(block: Any, personas: Any, tmp_path: Path) -> None:
    framework, a, b = block
    BandConfig.objects.create(
        block=framework.block,
        late_rate_limit=Decimal("0.03"),
        satisfaction_min=Decimal("0.85"),
        officer_late_limit=Decimal("0.15"),
    )
    fill_self_scores(a)
    with_rates(a, late_rate="0.01", satisfaction="0.9")
    fill_self_scores(b)
    with_rates(b, late_rate="0.01", satisfaction="0.9")
    (ranking,) = rank(2025, framework.block)
    assert ranking.rules is not None and ranking.rules.officer_late_limit == Decimal("0.15")
    _document, text = docx_text(
        client_for(personas.viewer).get(f"/scoring/blocks/{framework.block.pk}/report.docx").content
    )
    assert "tỉ lệ hồ sơ trễ hạn từ 3% trở lên hoặc chỉ số hài lòng dưới 85% bị hạ hạng" in text
    assert "từ 5% trở lên" not in text and "dưới 80%" not in text


def test_rule_3_defaults_by_year() -> None:
    from cchc.scoring.rules import Rules

    assert Rules.defaults(2024).officer_late_limit == Decimal("0.10")
    assert Rules.defaults(2025).officer_late_limit == Decimal("0.05")


def test_the_dossier_pages_read_the_rules_of_the_agency_s_block(province: Any, personas: Any, tmp_path: Path) -> None:
    """Rule 1 on the targets page and rule 3 on the agency page follow the block's configuration."""
    header = [*HEADER, "handler"]
    late = ("2025-03-10", "2025-03-01")
    rows = [
        [f"H{i}", "SA", "TT1", "2025-02-01", "2025-03-05", late[i >= 2], "resolved", "direct", "nguyen.van.a"]
        for i in range(10)
    ]  # 2 of 10 late: 20 % for the agency and its officer
    import_dossiers_file(write_csv(tmp_path / "h.csv", rows, header))
    client = client_for(personas.coordinator)
    page = client.get("/dossiers/agency/SA/?start=2025-01-01&end=2025-12-31").content.decode()
    assert "hồ sơ trễ hạn từ 5,00% trở lên (ngưỡng" in page and "text-danger" in page  # the 2025 default
    targets = client.get("/dossiers/targets/?year=2025").content.decode()
    assert "20,00% (ngưỡng 5,00%)" in targets
    BandConfig.objects.create(
        block=province.block_departments, late_rate_limit=Decimal("0.25"), officer_late_limit=Decimal("0.30")
    )
    page = client.get("/dossiers/agency/SA/?start=2025-01-01&end=2025-12-31").content.decode()
    assert "hồ sơ trễ hạn từ 30,00% trở lên (ngưỡng" in page and "text-danger fw-semibold" not in page
    assert "20,00% (ngưỡng" not in client.get("/dossiers/targets/?year=2025").content.decode()


def test_viewing_the_page_twice_writes_nothing_when_the_figures_did_not_change(
    block: Any, personas: Any, tmp_path: Path
) -> None:
    _framework, a, _b = block
    dossiers(tmp_path, "SA", late=1, on_time=2)  # 33,333… %: more places than the database keeps
    client = client_for(personas.officer_a)
    client.get("/scoring/agencies/SA/assessment/")
    entries = AuditEntry.objects.filter(content_type__model="score").count()
    version = score(a, "1.3").version
    client.get("/scoring/agencies/SA/assessment/")
    assert AuditEntry.objects.filter(content_type__model="score").count() == entries
    assert score(a, "1.3").version == version
