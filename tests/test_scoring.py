"""PAR index: frameworks, the workflow and its permissions, results, rules and the bulk commands."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.core.evidence import EVIDENCE_MAX_BYTES
from cchc.core.models import AuditEntry
from cchc.core.tabular import InputError, write_rows
from cchc.scoring import services
from cchc.scoring.frameworks import COLUMNS, copy_framework, export_rows, import_framework
from cchc.scoring.models import Assessment, Band, BandConfig, Framework, Score
from cchc.scoring.results import rank
from conftest import make_user
from tests.scoring_helpers import (
    assessment_for,
    assign,
    block_of,
    fill_self_scores,
    framework_for,
    score,
    with_rates,
    write_framework,
)

State = Assessment.State
TODAY = timezone.localdate()


# Frameworks


def test_a_framework_is_imported_as_a_tree_with_its_maximum(province: Any, tmp_path: Path) -> None:
    framework = framework_for(province.block_departments, tmp_path)
    assert framework.max_points == 100  # deductions are not part of the maximum
    criteria = {c.code: c for c in framework.criteria.all()}
    assert criteria["1.1.2"].parent == criteria["1.1"] and criteria["1.1.2"].area == criteria["1"]
    assert not criteria["1.1"].is_leaf and criteria["1.1.1"].is_leaf
    assert criteria["1.3"].mapping == [[0.02, 10.0], [0.05, 5.0]]


def test_a_framework_whose_children_do_not_add_up_is_refused_with_the_reason(province: Any, tmp_path: Path) -> None:
    text = "code,parent_code,name,max_points\n1,,Lĩnh vực,60\n1.1,1,Tiêu chí,30\n1.2,1,Tiêu chí,20\n"
    with pytest.raises(InputError) as error:
        import_framework(write_framework(tmp_path, text), province.block_departments)
    assert (
        str(error.value)
        == "Dòng 2, cột “max_points”: các tiêu chí con của “1” cộng lại được 50,00 điểm, không phải 60,00"
    )
    assert not Framework.objects.exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1.1,1,X,10,magic,,", "phương pháp chấm điểm"),
        ("1.1,9,X,10,manual,,", "“9”"),
        ("1.1,1,X,mười,manual,,", "không phải là số"),
        ("1.1,1,X,10,computed,,", "nguồn số liệu"),
    ],
)
def test_bad_framework_rows_are_refused_naming_the_row(province: Any, tmp_path: Path, line: str, message: str) -> None:
    text = f"code,parent_code,name,max_points,method,source,mapping\n1,,A,10,manual,,\n{line}\n"
    with pytest.raises(InputError) as error:
        import_framework(write_framework(tmp_path, text), province.block_departments)
    assert str(error.value).startswith("Dòng 3")
    assert message in str(error.value)


def test_a_framework_exports_to_xlsx_and_imports_back(province: Any, tmp_path: Path) -> None:
    framework = framework_for(province.block_departments, tmp_path)
    path = tmp_path / "out.xlsx"
    path.write_bytes(write_rows(COLUMNS, export_rows(framework), "xlsx"))
    copy = import_framework(path, province.block_communes)
    assert copy.max_points == framework.max_points
    assert list(copy.criteria.values_list("code", "max_points", "method", "mapping")) == list(
        framework.criteria.values_list("code", "max_points", "method", "mapping")
    )


def test_last_years_framework_is_copied(province: Any, tmp_path: Path) -> None:
    last = framework_for(province.block_departments, tmp_path, deadline=date(2026, 1, 15))
    block = Block.objects.create(year=2026, code="SBN", name="Sở, ban, ngành", owner=province.province)
    out = StringIO()
    call_command("copy_framework", "--year", "2026", stdout=out)
    framework = Framework.objects.get(block=block)
    assert framework.criteria.count() == last.criteria.count() and framework.max_points == 100
    assert framework.submission_deadline == date(2027, 1, 15)
    assert "1 " in out.getvalue()


def test_a_framework_in_use_is_not_replaced(province: Any, tmp_path: Path) -> None:
    framework = framework_for(province.block_departments, tmp_path)
    assessment_for(province.dept_a, framework)
    with pytest.raises(InputError):
        copy_framework(framework, province.block_departments)


# Workflow: who may do what, in which state


@pytest.fixture
def flow(province: Any, personas: Any, tmp_path: Path) -> Any:
    framework = framework_for(province.block_departments, tmp_path, deadline=TODAY + timedelta(days=10))
    # Recorded rates give the computed criteria their points: 1.3 (late rate 1 % → 10) and 2 (100 % → 40).
    assessment = with_rates(assessment_for(province.dept_a, framework))
    with_rates(assessment_for(province.dept_b, framework))
    assign(personas.appraiser, framework, agency=province.dept_a)
    return framework, assessment


def test_the_focal_officer_enters_the_self_assessment_and_no_one_else(flow: Any, personas: Any) -> None:
    _framework, assessment = flow
    s = score(assessment, "1.2")
    services.self_assess(personas.officer_a, s.pk, Decimal("18.5"), "Đã tuyên truyền", s.version)
    s.refresh_from_db()
    assert s.self_score == Decimal("18.5") and s.version == 2
    entry = AuditEntry.objects.get(object_id=str(s.pk), action="update")
    assert entry.user == personas.officer_a and entry.changes["self_score"] == [None, "18.50"]
    for persona in ("officer_b", "head", "coordinator", "appraiser", "viewer", "inspector"):
        with pytest.raises(PermissionDenied):
            services.self_assess(getattr(personas, persona), s.pk, Decimal(1), "", None)


def test_a_score_above_the_maximum_is_refused(flow: Any, personas: Any) -> None:
    _framework, assessment = flow
    s = score(assessment, "1.1.1")
    with pytest.raises(services.WorkflowError, match="trên mức tối đa 10,00 điểm"):
        services.self_assess(personas.officer_a, s.pk, Decimal("10.5"), "", None)
    with pytest.raises(services.WorkflowError):
        services.self_assess(personas.officer_a, s.pk, Decimal("-1"), "", None)
    s.refresh_from_db()
    assert s.self_score is None


def test_the_head_submits_and_the_self_assessment_is_locked(flow: Any, personas: Any) -> None:
    _framework, assessment = flow
    fill_self_scores(assessment)
    for persona in ("officer_a", "officer_b", "coordinator", "appraiser"):
        with pytest.raises(PermissionDenied):
            services.submit(getattr(personas, persona), assessment.pk)
    services.submit(personas.head, assessment.pk)
    assessment.refresh_from_db()
    assert assessment.state == State.SUBMITTED and assessment.submitted_at
    s = score(assessment, "1.2")
    with pytest.raises(services.WorkflowError, match="Đã gửi"):
        services.self_assess(personas.officer_a, s.pk, Decimal(1), "", None)
    with pytest.raises(services.WorkflowError):
        services.submit(personas.head, assessment.pk)


def test_an_incomplete_self_assessment_is_not_submitted(flow: Any, personas: Any) -> None:
    _framework, assessment = flow
    with pytest.raises(services.WorkflowError, match="chưa có điểm tự chấm"):
        services.submit(personas.head, assessment.pk)


def test_a_submission_after_the_deadline_is_refused(flow: Any, personas: Any) -> None:
    framework, assessment = flow
    fill_self_scores(assessment)
    with pytest.raises(services.WorkflowError, match="Hạn tự đánh giá"):
        services.submit(personas.head, assessment.pk, today=framework.submission_deadline + timedelta(days=1))
    services.submit(personas.head, assessment.pk, today=framework.submission_deadline)


def submitted(assessment: Assessment, personas: Any) -> None:
    fill_self_scores(assessment)
    services.submit(personas.head, assessment.pk)


def test_the_assigned_appraiser_adjusts_with_a_reason(flow: Any, personas: Any) -> None:
    _framework, assessment = flow
    submitted(assessment, personas)
    s = score(assessment, "1.2")
    with pytest.raises(services.WorkflowError, match="lý do"):
        services.appraise(personas.appraiser, s.pk, Decimal(15), "  ", s.version)
    services.appraise(personas.appraiser, s.pk, Decimal(15), "Thiếu kế hoạch tuyên truyền", s.version)
    s.refresh_from_db()
    assessment.refresh_from_db()
    assert s.appraised_score == 15 and s.self_score == 20 and assessment.state == State.APPRAISAL
    entry = AuditEntry.objects.filter(object_id=str(s.pk)).latest("id")
    assert entry.reason == "Thiếu kế hoạch tuyên truyền" and entry.changes["appraised_score"] == [None, "15.00"]
    # Confirming the self-score needs no reason.
    other = score(assessment, "1.1.1")
    services.appraise(personas.appraiser, other.pk, Decimal(10), "", other.version)


def test_appraisers_act_only_on_what_is_assigned_to_them(flow: Any, personas: Any, province: Any) -> None:
    framework, assessment = flow
    submitted(assessment, personas)
    b = Assessment.objects.get(agency=province.dept_b)
    submitted_b = b
    fill_self_scores(submitted_b)
    Assessment.objects.filter(pk=b.pk).update(state=State.SUBMITTED)
    # Assigned to SA only: SB's scores are not theirs.
    with pytest.raises(PermissionDenied):
        services.appraise(personas.appraiser, score(b, "1.2").pk, Decimal(1), "x", None)
    # Assigned to criterion area 2 only, in every agency.
    area_only = make_user("appraiser2", Role.APPRAISER, province.province, descendants=True)
    assign(area_only, framework, criterion_code="2")
    services.appraise(area_only, score(b, "2").pk, Decimal(30), "Khảo sát thấp", None)
    with pytest.raises(PermissionDenied):
        services.appraise(area_only, score(b, "1.2").pk, Decimal(1), "x", None)
    # Everyone else is refused.
    for persona in ("officer_a", "head", "coordinator", "viewer", "inspector"):
        with pytest.raises(PermissionDenied):
            services.appraise(getattr(personas, persona), score(assessment, "1.2").pk, Decimal(1), "x", None)


def test_two_appraisers_never_overwrite_each_other(flow: Any, personas: Any, province: Any) -> None:
    framework, assessment = flow
    submitted(assessment, personas)
    second = make_user("appraiser2", Role.APPRAISER, province.province, descendants=True)
    assign(second, framework, agency=province.dept_a)
    s = score(assessment, "1.2")
    opened = s.version  # both open the page at this version
    services.appraise(personas.appraiser, s.pk, Decimal(15), "Lý do A", opened)
    with pytest.raises(services.ConflictError, match="Appraiser"):
        services.appraise(second, s.pk, Decimal(12), "Lý do B", opened)
    s.refresh_from_db()
    assert s.appraised_score == 15 and s.appraisal_reason == "Lý do A"


def test_the_explanation_round_has_a_deadline(flow: Any, personas: Any) -> None:
    _framework, assessment = flow
    submitted(assessment, personas)
    adjusted = score(assessment, "1.2")
    services.appraise(personas.appraiser, adjusted.pk, Decimal(15), "Thiếu minh chứng", None)
    for persona in ("appraiser", "officer_a", "head", "viewer"):
        with pytest.raises(PermissionDenied):
            services.open_explanation(getattr(personas, persona), assessment.pk, TODAY + timedelta(days=5))
    services.open_explanation(personas.coordinator, assessment.pk, TODAY + timedelta(days=5))
    assessment.refresh_from_db()
    assert assessment.state == State.EXPLANATION
    kept = score(assessment, "1.1.1")
    assert kept.appraised_score == kept.self_score  # not adjusted: the self-score stands
    with pytest.raises(services.WorkflowError, match="điều chỉnh"):
        services.explain(personas.officer_a, kept.pk, "…", None)
    with pytest.raises(PermissionDenied):
        services.explain(personas.officer_b, adjusted.pk, "Không phải của tôi", None)
    with pytest.raises(services.WorkflowError, match="Hạn giải trình"):
        services.explain(personas.officer_a, adjusted.pk, "Muộn", None, today=TODAY + timedelta(days=6))
    services.explain(personas.officer_a, adjusted.pk, "Đã bổ sung Kế hoạch số 12/KH-STP", None)
    # The appraisal is locked while the agency answers.
    with pytest.raises(services.WorkflowError):
        services.appraise(personas.appraiser, adjusted.pk, Decimal(20), "x", None)


def test_final_appraisal_approval_and_publication(flow: Any, personas: Any, province: Any) -> None:
    _framework, assessment = flow
    submitted(assessment, personas)
    adjusted = score(assessment, "1.2")
    services.appraise(personas.appraiser, adjusted.pk, Decimal(10), "Thiếu minh chứng", None)
    services.open_explanation(personas.coordinator, assessment.pk, TODAY)
    services.explain(personas.officer_a, adjusted.pk, "Bổ sung minh chứng", None)
    with pytest.raises(services.WorkflowError):
        services.approve(personas.coordinator, assessment.pk)  # final appraisal comes first
    services.start_final_appraisal(personas.coordinator, assessment.pk)
    with pytest.raises(services.WorkflowError):
        services.explain(personas.officer_a, adjusted.pk, "Thêm", None)
    with pytest.raises(services.WorkflowError, match="lý do"):
        services.final_appraise(personas.appraiser, adjusted.pk, Decimal(18), "", None)
    services.final_appraise(personas.appraiser, adjusted.pk, Decimal(18), "Chấp nhận giải trình", None)
    for persona in ("appraiser", "head", "officer_a", "district_coordinator"):
        with pytest.raises(PermissionDenied):
            services.approve(getattr(personas, persona), assessment.pk)
    services.approve(personas.coordinator, assessment.pk)
    assessment.refresh_from_db()
    assert assessment.state == State.APPROVED
    assert score(assessment, "1.1.1").final_score == 10  # the appraised score stands as final
    assert assessment.points == 98 and assessment.index == 98  # 10 + 20 + 18 + 10 + 40 of 100
    with pytest.raises(services.WorkflowError):
        services.final_appraise(personas.appraiser, adjusted.pk, Decimal(20), "x", None)
    with pytest.raises(PermissionDenied):
        services.publish(personas.viewer, assessment.pk)
    assert services.publish_block(personas.coordinator, province.block_departments) == 1
    assessment.refresh_from_db()
    assert assessment.state == State.PUBLISHED
    states = [
        e.changes["state"][1]
        for e in AuditEntry.objects.filter(object_id=str(assessment.pk), content_type__model="assessment").order_by(
            "id"
        )
        if "state" in e.changes
    ]
    assert states == ["submitted", "appraisal", "explanation", "final_appraisal", "approved", "published"]


def test_a_district_coordinator_runs_its_communes_not_the_province(
    flow: Any, personas: Any, province: Any, tmp_path: Path
) -> None:
    framework = framework_for(province.block_communes, tmp_path)
    commune = assessment_for(province.commune_1, framework)
    fill_self_scores(commune)
    Assessment.objects.filter(pk=commune.pk).update(state=State.APPRAISAL)
    services.open_explanation(personas.district_coordinator, commune.pk, TODAY)
    _framework, department = flow
    Assessment.objects.filter(pk=department.pk).update(state=State.APPRAISAL)
    with pytest.raises(PermissionDenied):
        services.open_explanation(personas.district_coordinator, department.pk, TODAY)
    with pytest.raises(PermissionDenied):
        services.open_assessments(personas.district_coordinator, province.block_departments)


# Evidence


def test_evidence_files_are_checked_for_type_size_and_content(flow: Any, personas: Any) -> None:
    _framework, assessment = flow
    s = score(assessment, "1.2")
    pdf = SimpleUploadedFile("Kế hoạch 12.pdf", b"%PDF-1.7\n" + b"x" * 100, content_type="application/pdf")
    evidence = services.add_evidence_file(personas.officer_a, s.pk, pdf)
    assert evidence.original_name == "Kế hoạch 12.pdf"
    assert evidence.file.name.endswith(".pdf") and "Kế hoạch" not in evidence.file.name
    assert Path(evidence.file.path).read_bytes().startswith(b"%PDF")
    with pytest.raises(services.WorkflowError, match=r"“\.exe”"):
        services.add_evidence_file(personas.officer_a, s.pk, SimpleUploadedFile("run.exe", b"MZ\x90\x00"))
    with pytest.raises(services.WorkflowError, match=r"“\.html”"):
        services.add_evidence_file(personas.officer_a, s.pk, SimpleUploadedFile("x.html", b"<script>"))
    with pytest.raises(services.WorkflowError, match="Nội dung tệp"):
        services.add_evidence_file(personas.officer_a, s.pk, SimpleUploadedFile("fake.pdf", b"<script>alert(1)"))
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (EVIDENCE_MAX_BYTES + 1))
    with pytest.raises(services.WorkflowError, match="20 MB"):
        services.add_evidence_file(personas.officer_a, s.pk, big)
    with pytest.raises(PermissionDenied):
        services.add_evidence_file(personas.officer_b, s.pk, pdf)
    assert s.evidence.count() == 1


def test_document_references_need_number_date_and_issuer(flow: Any, personas: Any) -> None:
    _framework, assessment = flow
    s = score(assessment, "1.1.1")
    with pytest.raises(services.WorkflowError):
        services.add_evidence_reference(personas.officer_a, s.pk, "12/KH-STP", None, "Sở Tư pháp")
    ref = services.add_evidence_reference(personas.officer_a, s.pk, "12/KH-STP", date(2025, 1, 10), "Sở Tư pháp")
    assert str(ref) == "12/KH-STP (10/01/2025, Sở Tư pháp)"


# Results, bands, rules, ranks


def one_criterion_block(
    n: int, owner: Agency, code: str, tmp_path: Path, kind: str = "department"
) -> tuple[Block, list[Agency]]:
    block, agencies = block_of(n, owner, code, kind)
    import_framework(write_framework(tmp_path, "code,name,max_points\n1,Tổng điểm,100\n", f"{code}.csv"), block)
    return block, agencies


def load_scores(tmp_path: Path, rows: list[tuple[str, str, Any]], year: int = 2023, name: str = "scores.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(
        write_rows(
            ["agency_code", "criterion_code", "final_score"],
            rows,
            "csv",
        )
    )
    call_command("import_scores", str(path), "--year", str(year), stdout=StringIO())
    return path


def test_the_seeds_band_shares_for_departments_and_districts(province: Any, tmp_path: Path) -> None:
    """`000`: 35/42 Tốt (83,33%), 06/42 Khá (14,29%), 01 Trung bình (2,38%)."""
    _block, agencies = one_criterion_block(42, province.province, "SBN-H", tmp_path)
    points = [92] * 35 + [75] * 6 + [60]
    load_scores(tmp_path, [(a.code, "1", p) for a, p in zip(agencies, points, strict=True)])
    out = StringIO()
    call_command("rank", "--year", "2023", "--block", "SBN-H", "--format", "json", stdout=out)
    bands = json.loads(out.getvalue())["blocks"][0]["bands"]
    assert {b: v["count"] for b, v in bands.items()} == {"good": 35, "fair": 6, "average": 1, "weak": 0}
    assert [bands[b]["text"] for b in ("good", "fair", "average")] == ["83,33%", "14,29%", "2,38%"]
    table = StringIO()
    call_command("rank", "--year", "2023", "--block", "SBN-H", stdout=table)
    assert "Tốt: 35/42 (83,33%); Khá: 6/42 (14,29%); Trung bình: 1/42 (2,38%); Yếu: 0/42 (0,00%)" in table.getvalue()


def test_the_seeds_band_shares_for_communes_ranked_by_their_district(province: Any, tmp_path: Path) -> None:
    """`000`: 104/136 Tốt (76,47%), 30/136 Khá (22,06%), 2/136 Trung bình (1,47%)."""
    block, agencies = one_criterion_block(136, province.district, "XA-H", tmp_path, kind="commune")
    assert block.owner == province.district
    points = [88] * 104 + [71] * 30 + [55] * 2
    load_scores(tmp_path, [(a.code, "1", p) for a, p in zip(agencies, points, strict=True)])
    (ranking,) = rank(2023, block)
    assert ranking.counts == {"good": 104, "fair": 30, "average": 2, "weak": 0}
    assert [ranking.share(b) for b in ("good", "fair", "average")] == ["76,47%", "22,06%", "1,47%"]
    assert [r.rank for r in ranking.results[:3]] == [1, 1, 1]  # equal indices share a rank
    assert ranking.results[104].rank == 105


def test_index_component_indices_and_deductions(flow: Any, personas: Any) -> None:
    _framework, assessment = flow
    fill_self_scores(assessment, {"1.2": "13", "3": "2"})
    with_rates(assessment, late_rate="0.03", satisfaction="0.80")  # computed: 1.3 → 5 points, 2 → 32
    (ranking,) = rank(2025, assessment.framework.block)
    result = next(r for r in ranking.results if r.assessment.pk == assessment.pk)
    # 10 + 20 + 13 + 5 + 32 = 80, minus 2 deducted = 78 of 100
    assert result.points == 78 and result.index == Decimal("78.0000")
    assert result.area_indices == {"1": 80.0, "2": 80.0}
    assessment.refresh_from_db()
    assert assessment.index == Decimal("78.0000") and assessment.band == Band.FAIR and assessment.rank == 1


@pytest.mark.parametrize(
    ("index", "late_rate", "satisfaction", "before", "after", "reason"),
    [
        (90, "0.0499", "0.85", "good", "good", ""),
        (90, "0.05", "0.85", "good", "fair", "5,00% ≥ 5,00%"),
        (90, "0.12", None, "good", "fair", "không được xếp hạng Tốt"),
        (75, "0.2", "0.85", "fair", "fair", ""),  # rule 1 only bars Good
        (75, None, "0.7999", "fair", "average", "từ Khá xuống Trung bình"),
        (90, None, "0.80", "good", "good", ""),
        (90, "0.06", "0.79", "good", "average", "hạ một bậc"),  # both rules
        (40, None, "0.5", "weak", "weak", ""),  # nothing below Weak
    ],
)
def test_rules_1_and_2_with_the_band_before_and_after(
    province: Any,
    tmp_path: Path,
    index: int,
    late_rate: str | None,
    satisfaction: str | None,
    before: str,
    after: str,
    reason: str,
) -> None:
    block, (agency,) = one_criterion_block(1, province.province, "R", tmp_path)
    load_scores(tmp_path, [(agency.code, "1", index)])
    Assessment.objects.filter(agency=agency).update(
        late_rate=Decimal(late_rate) if late_rate else None,
        satisfaction=Decimal(satisfaction) if satisfaction else None,
    )
    (ranking,) = rank(2023, block)
    (result,) = ranking.results
    assert (result.band_before, result.band) == (before, after)
    assert reason in "; ".join(result.reasons)
    assert bool(result.reasons) == (before != after)


def test_band_thresholds_come_from_the_blocks_configuration(province: Any, tmp_path: Path) -> None:
    block, agencies = one_criterion_block(2, province.province, "CFG", tmp_path)
    load_scores(tmp_path, [(agencies[0].code, "1", 85), (agencies[1].code, "1", 79.995)])
    assert [r.band for r in rank(2023, block)[0].results] == ["good", "good"]  # 79,995 is shown as 80,00%
    BandConfig.objects.create(block=block, good_min=90, fair_min=80, average_min=70)
    assert [r.band for r in rank(2023, block)[0].results] == ["fair", "fair"]


def test_rules_3_to_5_are_reported_as_flags(province: Any, tmp_path: Path) -> None:
    block, agencies = one_criterion_block(3, province.province, "FL", tmp_path)
    load_scores(tmp_path, [(agencies[0].code, "1", 95), (agencies[1].code, "1", 60), (agencies[2].code, "1", 30)])
    results = {r.agency.code: r for r in rank(2023, block)[0].results}
    assert results[agencies[0].code].flags == []
    average = " ".join(results[agencies[1].code].flags)
    assert "Quy tắc 4" in average and "Quy tắc 5" in average and "trách nhiệm" not in average
    assert "trách nhiệm" in " ".join(results[agencies[2].code].flags)


def test_change_against_last_year_follows_merged_agencies(province: Any, tmp_path: Path) -> None:
    old_block, old = one_criterion_block(3, province.province, "OLD", tmp_path)
    load_scores(tmp_path, [(old[0].code, "1", 80), (old[1].code, "1", 70), (old[2].code, "1", 90)], name="old.csv")
    rank(2023, old_block)
    new_block = Block.objects.create(year=2024, code="OLD", name="Khối mới", owner=province.province)
    merged = Agency.objects.create(code="MERGED", name="Đơn vị sáp nhập", kind="department", parent=province.province)
    old[0].successors.add(merged)
    old[1].successors.add(merged)
    for a in (merged, old[2]):
        BlockMembership.objects.create(block=new_block, agency=a)
    copy_framework(Framework.objects.get(block=old_block), new_block)
    load_scores(tmp_path, [("MERGED", "1", 85), (old[2].code, "1", 88)], year=2024, name="new.csv")
    results = {r.agency.code: r for r in rank(2024, new_block)[0].results}
    assert results["MERGED"].previous_index == Decimal(75) and results["MERGED"].index_change == 10
    assert "2" in results["MERGED"].previous_note
    kept = results[old[2].code]
    assert kept.previous_index == 90 and kept.index_change == -2
    assert kept.previous_rank == 1 and kept.rank == 1 and kept.rank_change == 0


# import_scores


def test_import_scores_refuses_a_score_above_the_maximum_and_writes_nothing(flow: Any, tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_text(
        "agency_code,criterion_code,self_score,appraised_score,final_score,note\n"
        "SA,1.2,18,18,18,\nSB,1.1.1,10,12,,Quá điểm\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as error:
        call_command("import_scores", str(path), "--year", "2025")
    assert (
        str(error.value) == "Dòng 3, cột “appraised_score”: 12,00 nằm ngoài khoảng 0–10,00, số điểm của tiêu chí 1.1.1"
    )
    assert not Score.objects.filter(self_score__isnull=False, criterion__method="manual").exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("XX,1.2,1,,,", "Dòng 2, cột “agency_code”"),
        ("SA,9.9,1,,,", "Dòng 2, cột “criterion_code”"),
        ("SA,1.1,1,,,", "tiêu chí con"),
        ("SA,1.2,15,10,,", "Dòng 2, cột “note”"),
        ("SA,1.2,abc,,,", "Dòng 2, cột “self_score”"),
    ],
)
def test_import_scores_bad_rows(flow: Any, tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "scores.csv"
    path.write_text(
        f"agency_code,criterion_code,self_score,appraised_score,final_score,note\n{row}\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match=message):
        call_command("import_scores", str(path), "--year", "2025")


def test_import_scores_is_idempotent_and_audited(flow: Any, tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_text("agency_code,criterion_code,self_score\nSA,1.2,18\nSB,1.2,17\n", encoding="utf-8")
    out = StringIO()
    call_command("import_scores", str(path), "--year", "2025", stdout=out)
    assert "2 " in out.getvalue()
    call_command("import_scores", str(path), "--year", "2025", stdout=out)
    assert AuditEntry.objects.filter(action="import", content_type__model="score").count() == 2
    assert Score.objects.get(assessment__agency__code="SA", criterion__code="1.2").self_score == 18


def test_approved_results_are_not_changed_by_an_import_or_new_rates(flow: Any, personas: Any, tmp_path: Path) -> None:
    _framework, assessment = flow
    path = tmp_path / "scores.csv"
    path.write_text("agency_code,criterion_code,self_score\nSA,1.2,18\n", encoding="utf-8")
    call_command("import_scores", str(path), "--year", "2025", stdout=StringIO())
    Assessment.objects.filter(pk=assessment.pk).update(state=State.PUBLISHED)
    call_command("import_scores", str(path), "--year", "2025", stdout=StringIO())  # unchanged: accepted again
    path.write_text("agency_code,criterion_code,self_score\nSA,1.2,19\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"Dòng 2.*không thể thay đổi"):
        call_command("import_scores", str(path), "--year", "2025")
    assert score(assessment, "1.2").self_score == 18
    with pytest.raises(services.WorkflowError):
        services.record_rates(personas.coordinator, assessment.pk, Decimal("0.2"), None)
