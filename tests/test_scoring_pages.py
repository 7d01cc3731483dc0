"""PAR index pages, API, evidence downloads, the ranking report (DOCX) and the dossier late rate."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from docx import Document
from docx.shared import Mm

from cchc.agencies.models import Block, BlockMembership
from cchc.core.models import AuditEntry
from cchc.scoring import services
from cchc.scoring.frameworks import copy_framework
from cchc.scoring.models import Assessment, Framework, Score
from cchc.scoring.results import rank
from conftest import client_for
from tests.scoring_helpers import (
    approve_all,
    assessment_for,
    block_of,
    fill_self_scores,
    framework_for,
    score,
    with_rates,
    write_framework,
)
from tests.test_scoring import load_scores, one_criterion_block

State = Assessment.State


def docx_text(content: bytes) -> tuple[Any, str]:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return document, "\n".join(parts)


def test_the_ranking_report_writes_the_seeds_sentences_in_the_decree_30_format(
    province: Any, personas: Any, tmp_path: Path
) -> None:
    block, agencies = one_criterion_block(42, province.province, "SBN-R", tmp_path)
    load_scores(tmp_path, [(a.code, "1", p) for a, p in zip(agencies, [92] * 35 + [75] * 6 + [60], strict=True)])
    approve_all(block, personas.coordinator)
    response = client_for(personas.coordinator).get(f"/scoring/blocks/{block.pk}/report.docx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    document, text = docx_text(response.content)
    assert "có 35/42 đơn vị được xếp hạng Tốt (chiếm 83,33%)" in text
    assert "06/42 đơn vị được xếp hạng Khá (chiếm 14,29%)" in text
    assert f"01 đơn vị - {agencies[-1].name} bị xếp hạng Trung bình (chiếm 2,38%)" in text
    for line in ("ỦY BAN NHÂN DÂN", "TỈNH HÒA AN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"):
        assert line in text
    assert "/BC-UBND" in text and "Nơi nhận:" in text and "BÁO CÁO" in text and "CHỦ TỊCH" in text
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    margins = [
        round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ]
    top, bottom, left, right = margins  # stored in twips: compared in whole millimetres
    assert 20 <= top <= 25 and 20 <= bottom <= 25 and 30 <= left <= 35 and 15 <= right <= 20
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert 13 <= document.styles["Normal"].font.size.pt <= 14


def test_the_report_compares_the_band_counts_with_last_year(province: Any, personas: Any, tmp_path: Path) -> None:
    old, agencies = one_criterion_block(42, province.province, "SBN-C", tmp_path)
    load_scores(
        tmp_path, [(a.code, "1", p) for a, p in zip(agencies, [92] * 30 + [75] * 12, strict=True)], name="a.csv"
    )
    approve_all(old, personas.coordinator)
    new = Block.objects.create(year=2024, code="SBN-C", name="Khối SBN-C", owner=province.province)
    BlockMembership.objects.bulk_create([BlockMembership(block=new, agency=a, year=2024) for a in agencies])
    copy_framework(Framework.objects.get(block=old), new)
    points = [92] * 35 + [75] * 6 + [60]
    load_scores(tmp_path, [(a.code, "1", p) for a, p in zip(agencies, points, strict=True)], year=2024, name="b.csv")
    approve_all(new, personas.coordinator)
    _document, text = docx_text(client_for(personas.viewer).get(f"/scoring/blocks/{new.pk}/report.docx").content)
    assert "35/42 đơn vị được xếp hạng Tốt (chiếm 83,33%), tăng 05 đơn vị so với năm 2023" in text
    assert "06/42 đơn vị được xếp hạng Khá (chiếm 14,29%), giảm 06 đơn vị so với năm 2023" in text


def test_the_report_of_a_district_ranks_its_communes(province: Any, personas: Any, tmp_path: Path) -> None:
    block, agencies = one_criterion_block(136, province.district, "XA-R", tmp_path, kind="commune")
    load_scores(tmp_path, [(a.code, "1", p) for a, p in zip(agencies, [88] * 104 + [71] * 30 + [55] * 2, strict=True)])
    approve_all(block, personas.district_coordinator)
    assert client_for(personas.officer_a).get(f"/scoring/blocks/{block.pk}/report.docx").status_code == 403
    response = client_for(personas.district_coordinator).get(f"/scoring/blocks/{block.pk}/report.docx")
    _document, text = docx_text(response.content)
    assert "104/136 đơn vị được xếp hạng Tốt (chiếm 76,47%)" in text
    assert "30/136 đơn vị được xếp hạng Khá (chiếm 22,06%)" in text
    assert "2/136 đơn vị bị xếp hạng Trung bình (chiếm 1,47%)" in text
    assert "ỦY BAN NHÂN DÂN" in text and "HUYỆN MỘT" in text


@pytest.fixture
def assessed(province: Any, personas: Any, tmp_path: Path) -> Assessment:
    framework = framework_for(province.block_departments, tmp_path, deadline=timezone.localdate() + timedelta(days=5))
    assessment_for(province.dept_b, framework)
    return assessment_for(province.dept_a, framework)


def test_the_focal_officer_scores_on_the_page_and_a_stale_form_is_refused(assessed: Assessment, personas: Any) -> None:
    client = client_for(personas.officer_a)
    s = score(assessed, "1.2")
    url = "/scoring/agencies/SA/assessment/"
    form = {"action": "self_score", "score": s.pk, "version": s.version, "value": "18,5", "note": "Có kế hoạch"}
    response = client.post(url, form, follow=True)
    assert "Đã lưu." in response.content.decode()
    assert Score.objects.get(pk=s.pk).self_score == Decimal("18.5")
    response = client.post(url, {**form, "value": "12"}, follow=True)  # the same, now stale, version
    assert "Người khác đã sửa nội dung này" in response.content.decode()
    assert Score.objects.get(pk=s.pk).self_score == Decimal("18.5")
    page = client.get(url).content.decode()
    assert "Đã tự chấm: 1 trên 4 tiêu chí" in page  # the two computed criteria are not the agency's to score
    assert 'name="action" value="submit"' not in page  # the head submits, not the officer
    head_page = client_for(personas.head).get(url).content.decode()
    assert 'name="action" value="submit"' in head_page and 'value="self_score"' not in head_page


def test_another_agency_cannot_post_to_an_assessment(assessed: Assessment, personas: Any) -> None:
    s = score(assessed, "1.2")
    form = {"action": "self_score", "score": s.pk, "value": "1"}
    assert client_for(personas.officer_b).post("/scoring/agencies/SA/assessment/", form).status_code == 404
    # Through its own agency's URL, the other agency's score is still refused.
    assert client_for(personas.officer_b).post("/scoring/agencies/SB/assessment/", form).status_code == 403
    assert Score.objects.get(pk=s.pk).self_score is None


def test_evidence_is_downloaded_as_an_attachment_by_those_in_scope_only(assessed: Assessment, personas: Any) -> None:
    s = score(assessed, "1.2")
    upload = SimpleUploadedFile("Kế hoạch.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    response = client_for(personas.officer_a).post(
        "/scoring/agencies/SA/assessment/", {"action": "evidence_file", "score": s.pk, "file": upload}
    )
    assert response.status_code == 302
    evidence = s.evidence.get()
    url = f"/scoring/evidence/?id={evidence.pk}"
    for persona in ("officer_a", "head", "coordinator", "appraiser", "viewer"):
        response = client_for(getattr(personas, persona)).get(url)
        assert response.status_code == 200, persona
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/octet-stream"
        assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
    for persona in ("officer_b", "district_coordinator"):
        assert client_for(getattr(personas, persona)).get(url).status_code == 404, persona
    assert client_for(None).get(url).status_code == 302


def test_the_public_page_shows_published_rankings_only_without_people(
    assessed: Assessment, personas: Any, province: Any
) -> None:
    other = Assessment.objects.get(agency=province.dept_b)
    for a in (assessed, other):
        fill_self_scores(a)
        with_rates(a)
    Score.objects.filter(assessment=assessed, criterion__code="1.2").update(appraisal_reason="Lý do riêng tư")
    rank(2025)
    assert "Sở Tư pháp" not in client_for(None).get("/scoring/public/").content.decode()
    Score.objects.filter(assessment=assessed).update(appraised_score=F("self_score"))
    Assessment.objects.filter(pk=assessed.pk).update(state=State.FINAL_APPRAISAL)
    services.approve(personas.coordinator, assessed.pk)
    services.publish(personas.coordinator, assessed.pk)
    html = client_for(None).get("/scoring/public/").content.decode()
    assert "Sở Tư pháp" in html and "Sở Y tế" not in html
    assert "Lý do riêng tư" not in html and "Officer_A" not in html


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("officer_a", {"SA"}),
        ("officer_b", {"SB"}),
        ("coordinator", {"SA", "SB", "C1"}),
        ("district_coordinator", {"C1"}),
    ],
)
def test_the_api_lists_assessments_in_scope(
    assessed: Assessment, personas: Any, province: Any, tmp_path: Path, persona: str, codes: set[str]
) -> None:
    framework = framework_for(province.block_communes, tmp_path)
    assessment_for(province.commune_1, framework)
    client = client_for(getattr(personas, persona))
    rows = client.get("/api/v1/assessments/").json()["results"]
    assert {r["agency_code"] for r in rows} == codes
    scores = client.get("/api/v1/scores/?agency=SA").json()["results"]
    assert len(scores) == (6 if "SA" in codes else 0)


def test_the_block_page_ranks_and_the_scorecard_compares(province: Any, personas: Any, tmp_path: Path) -> None:
    block, agencies = one_criterion_block(3, province.province, "PG", tmp_path)
    load_scores(tmp_path, [(a.code, "1", p) for a, p in zip(agencies, [95, 75, 60], strict=True)])
    approve_all(block, personas.coordinator)
    html = client_for(personas.coordinator).get(f"/scoring/blocks/{block.pk}/").content.decode()
    assert "01/3" not in html and "1/3 đơn vị được xếp hạng Tốt (chiếm 33,33%)" in html
    assert 'data-chart="bands"' in html and "<script>" not in html
    index = client_for(personas.viewer).get("/scoring/?year=2023").content.decode()
    assert "Tốt: 1 (33,33%); Khá: 1 (33,33%); Trung bình: 1 (33,33%); Yếu: 0 (0,00%)" in index
    assert "76,67%" in index  # the mean index of 95, 75 and 60
    card = client_for(personas.viewer).get(f"/scoring/agencies/{agencies[0].code}/?year=2023").content.decode()
    assert "95,00%" in card and "Tốt" in card and 'data-chart="areas"' in card


def test_a_framework_is_imported_on_the_page_and_refused_with_the_reason(
    province: Any, personas: Any, tmp_path: Path
) -> None:
    url = f"/scoring/blocks/{province.block_departments.pk}/framework/"
    bad = write_framework(tmp_path, "code,parent_code,name,max_points\n1,,A,10\n1.1,1,B,4\n", "bad.csv")
    with bad.open("rb") as handle:
        response = client_for(personas.coordinator).post(url, {"action": "import", "file": handle}, follow=True)
    assert "các tiêu chí con của “1” cộng lại được 4,00 điểm, không phải 10,00" in response.content.decode()
    with bad.open("rb") as handle:
        assert client_for(personas.viewer).post(url, {"action": "import", "file": handle}).status_code == 403
    good = write_framework(tmp_path, "code,parent_code,name,max_points\n1,,A,10\n1.1,1,B,10\n", "good.csv")
    with good.open("rb") as handle:
        client_for(personas.coordinator).post(url, {"action": "import", "file": handle})
    response = client_for(personas.viewer).get(url + "?format=xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


def test_rule_1_reads_the_late_rate_from_the_dossier_statistics(province: Any, tmp_path: Path) -> None:
    block, (good, late) = block_of(2, province.province, "DS", year=2025)
    from cchc.scoring.frameworks import import_framework

    import_framework(write_framework(tmp_path, "code,name,max_points\n1,Tổng,100\n", "one.csv"), block)
    load_scores(tmp_path, [(good.code, "1", 95), (late.code, "1", 95)], year=2025)
    Assessment.objects.filter(agency=late).update(late_rate=Decimal("0.01"))  # recorded, but the dossiers say more
    lines = ["dossier_code,agency_code,received_at,due_at,resolved_at,status,handler"]
    for i in range(20):
        resolved = date(2025, 3, 10) if i < 2 else date(2025, 3, 1)  # 2 of 20 late: 10 %
        handler = "nguyen.van.a" if i < 10 else "tran.thi.b"  # 2 of 10 late for the first: 20 %
        lines.append(f"D{i},{late.code},2025-02-01,2025-03-05,{resolved.isoformat()},resolved,{handler}")
        lines.append(f"G{i},{good.code},2025-02-01,2025-03-05,2025-03-01,resolved,le.van.c")
    path = tmp_path / "dossiers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("import_dossiers", str(path), stdout=io.StringIO())
    results = {r.agency.code: r for r in rank(2025, block)[0].results}
    assert results[good.code].band == "good"
    assert (results[late.code].band_before, results[late.code].band) == ("good", "fair")
    assert "10,00%" in results[late.code].reasons[0]
    # Rule 3 (5 % from 2025) is reported for the officer, not applied to anyone.
    officer_flags = [f for f in results[late.code].flags if f.startswith("Quy tắc 3")]
    assert officer_flags == ["Quy tắc 3: công chức nguyen.van.a có 20,00% hồ sơ trễ hạn (ngưỡng 5,00%)."]
    assert not [f for f in results[good.code].flags if f.startswith("Quy tắc 3")]


def test_the_ranking_page_reads_a_fixed_number_of_queries(province: Any, personas: Any, tmp_path: Path) -> None:
    counts = []
    for n, code in ((3, "Q1"), (30, "Q2")):
        block, agencies = one_criterion_block(n, province.province, code, tmp_path)
        load_scores(tmp_path, [(a.code, "1", 50 + i) for i, a in enumerate(agencies)], name=f"{code}.csv")
        rank(2023, block)
        client = client_for(personas.coordinator)
        client.get(f"/scoring/blocks/{block.pk}/")  # warm the session and the user's grants
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/scoring/blocks/{block.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_submitting_on_the_page_after_the_deadline_is_refused(assessed: Assessment, personas: Any) -> None:
    fill_self_scores(assessed)
    assessed.framework.submission_deadline = timezone.localdate() - timedelta(days=1)
    assessed.framework.save()
    response = client_for(personas.head).post("/scoring/agencies/SA/assessment/", {"action": "submit"}, follow=True)
    assert "Hạn tự đánh giá là ngày" in response.content.decode()
    assert Assessment.objects.get(pk=assessed.pk).state == State.DRAFT
    with pytest.raises(services.WorkflowError):
        services.submit(personas.head, assessed.pk)


def test_the_workflow_runs_through_the_api_with_the_same_checks(assessed: Assessment, personas: Any) -> None:
    url = "/api/v1/scoring/actions/"
    s = score(assessed, "1.2")
    step = {"action": "self_assess", "score": s.pk, "value": "18.5", "text": "Có kế hoạch", "version": s.version}
    response = client_for(personas.officer_a).post(url, step, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["self_score"] == 18.5 and response.json()["version"] == 2
    stale = client_for(personas.officer_a).post(url, {**step, "value": "10"}, content_type="application/json")
    assert stale.status_code == 409 and "Người khác đã sửa" in stale.json()["detail"]
    above = client_for(personas.officer_a).post(
        url, {**step, "value": "25", "version": 2}, content_type="application/json"
    )
    assert above.status_code == 400 and "vượt trên mức tối đa" in above.json()["detail"]
    for persona in ("officer_b", "head", "appraiser", "viewer"):
        refused = client_for(getattr(personas, persona)).post(
            url, {**step, "version": 2}, content_type="application/json"
        )
        assert refused.status_code == 403, persona
    fill_self_scores(assessed)
    submit = {"action": "submit", "assessment": assessed.pk}
    assert client_for(personas.officer_a).post(url, submit, content_type="application/json").status_code == 403
    response = client_for(personas.head).post(url, submit, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    again = client_for(personas.head).post(url, submit, content_type="application/json")
    assert again.status_code == 400
    assert client_for(None).post(url, submit, content_type="application/json").status_code == 401


def test_the_coordinator_sets_the_bands_and_the_block_is_re_ranked(
    province: Any, personas: Any, tmp_path: Path
) -> None:
    block, agencies = one_criterion_block(2, province.province, "BND", tmp_path)
    load_scores(tmp_path, [(agencies[0].code, "1", 85), (agencies[1].code, "1", 72)])
    rank(2023, block)
    url = f"/scoring/blocks/{block.pk}/framework/"
    form = {
        "action": "bands",
        "good_min": "90",
        "fair_min": "80",
        "average_min": "70",
        "late_rate_limit": "5",
        "satisfaction_min": "80",
    }
    assert client_for(personas.viewer).post(url, form).status_code == 403
    response = client_for(personas.coordinator).post(url, form, follow=True)
    assert "Đã lưu mức xếp hạng" in response.content.decode()
    assert list(Assessment.objects.filter(framework__block=block).order_by("rank").values_list("band", flat=True)) == [
        "fair",
        "average",
    ]
    assert AuditEntry.objects.filter(content_type__model="bandconfig", agency=province.province).exists()
    bad = client_for(personas.coordinator).post(url, {**form, "fair_min": "95"}, follow=True)
    assert "100 ≥ Tốt &gt; Khá &gt; Trung bình ≥ 0" in bad.content.decode()
    Assessment.objects.filter(framework__block=block).update(state=Assessment.State.PUBLISHED)
    locked = client_for(personas.coordinator).post(url, {**form, "good_min": "85"}, follow=True)
    assert "đã được công bố" in locked.content.decode()


def test_the_coordinator_assigns_appraisers_on_the_framework_page(
    assessed: Assessment, personas: Any, province: Any
) -> None:
    url = f"/scoring/blocks/{province.block_departments.pk}/framework/"
    form = {"action": "assign", "appraiser": str(personas.appraiser.pk), "agency": "SB", "criterion": "1.2"}
    assert client_for(personas.viewer).post(url, form).status_code == 403
    page = client_for(personas.coordinator).post(url, form, follow=True).content.decode()
    assert "Đã lưu." in page and "Sở Y tế" in page
    other = Assessment.objects.get(agency=province.dept_b)
    fill_self_scores(other)
    Assessment.objects.filter(pk=other.pk).update(state=State.SUBMITTED)
    services.appraise(personas.appraiser, score(other, "1.2").pk, Decimal(10), "Thiếu minh chứng", None)
    with pytest.raises(PermissionDenied):
        services.appraise(personas.appraiser, score(other, "1.1.1").pk, Decimal(5), "x", None)
    # Another user, or an id that exists nowhere: one answer, so that nothing is learnt about accounts.
    for chosen in (str(personas.viewer.pk), "999999", "viewer"):
        refused = client_for(personas.coordinator).post(url, {**form, "appraiser": chosen}, follow=True)
        assert "Chọn một người thẩm định trong danh sách" in refused.content.decode(), chosen
    assert AuditEntry.objects.filter(content_type__model="appraiserassignment", action="create").count() == 1
