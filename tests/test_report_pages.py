"""The pages and the API of periodic reports: what each persona sees, and the steps through the page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from cchc.reports import services
from cchc.reports.models import Report, ReportState
from conftest import client_for
from tests.report_helpers import open_period, report_of


@pytest.fixture
def period(personas: Any, province: Any) -> Any:
    return open_period(personas, province)


def test_the_reports_index_lists_the_calendar_and_only_ones_own_reports(personas: Any, period: Any) -> None:
    page = client_for(personas.officer_a).get(reverse("reports:index")).content.decode()
    assert "Sở Tư pháp" in page and "Sở Y tế" not in page
    assert reverse("reports:period", args=[period.pk]) in page
    viewer = client_for(personas.viewer).get(reverse("reports:index")).content.decode()
    assert reverse("reports:period", args=[period.pk]) in viewer and "Sở Tư pháp" not in viewer


def test_the_period_page_lists_only_the_reports_in_scope(personas: Any, period: Any) -> None:
    url = reverse("reports:period", args=[period.pk])
    mine = client_for(personas.officer_a).get(url).content.decode()
    assert "Sở Tư pháp" in mine and "Sở Y tế" not in mine
    everyone = client_for(personas.coordinator).get(url).content.decode()
    assert "Sở Tư pháp" in everyone and "Sở Y tế" in everyone
    district = client_for(personas.district_coordinator).get(url).content.decode()
    assert "Sở Tư pháp" not in district and "Sở Y tế" not in district


def test_the_api_lists_only_the_reports_in_scope(personas: Any, period: Any) -> None:
    def codes(user: Any) -> set[str]:
        body = client_for(user).get(reverse("api:report-list")).json()
        return {r["agency_code"] for r in body["results"]}

    assert codes(personas.officer_a) == {"SA"}
    assert codes(personas.officer_b) == {"SB"}
    assert codes(personas.coordinator) == {"SA", "SB"}
    assert codes(personas.district_coordinator) == set()


def test_the_report_page_edits_without_script_and_keeps_the_other_persons_text(
    personas: Any, period: Any, province: Any
) -> None:
    report = report_of(period, province.dept_a)
    url = reverse("reports:report", args=[report.pk])
    page = client_for(personas.officer_a).get(url).content.decode()
    assert 'data-code="direction"' in page and reverse("reports:autosave", args=[report.pk]) in page
    services.save_values(personas.head, report.pk, {"direction": "Bản của thủ trưởng"}, 0)
    answer = client_for(personas.officer_a).post(
        url, {"action": "save", "version": "0", "direction": "Bản của cán bộ", "plans": "2"}, follow=True
    )
    report.refresh_from_db()
    assert (report.values["direction"], report.values["plans"]) == ("Bản của thủ trưởng", "2")
    assert "Head" in answer.content.decode()  # the other person is named in the warning


def test_autosave_answers_in_json_with_its_conflicts(personas: Any, period: Any, province: Any) -> None:
    report = report_of(period, province.dept_a)
    url = reverse("reports:autosave", args=[report.pk])
    first = client_for(personas.officer_a).post(
        url, json.dumps({"version": 0, "changes": {"direction": "A"}}), content_type="application/json"
    )
    assert first.status_code == 200 and first.json()["saved"] == ["direction"] and first.json()["version"] == 1
    clash = client_for(personas.head).post(
        url, json.dumps({"version": 0, "changes": {"direction": "B"}}), content_type="application/json"
    )
    assert clash.json()["saved"] == [] and clash.json()["conflicts"][0]["value"] == "A"
    bad = client_for(personas.head).post(
        url, json.dumps({"version": 1, "changes": {"plans": "mười"}}), content_type="application/json"
    )
    assert bad.status_code == 400 and "Số kế hoạch đã ban hành" in bad.json()["detail"]
    assert client_for(personas.head).post(url, "{", content_type="application/json").status_code == 400


def test_the_returned_report_shows_the_reasons_by_the_fields_and_what_changed(
    personas: Any, period: Any, province: Any
) -> None:
    report = report_of(period, province.dept_a)
    services.save_values(personas.officer_a, report.pk, {"direction": "Bản đầu"}, 0)
    services.submit(personas.head, report.pk)
    coordinator = client_for(personas.coordinator)
    url = reverse("reports:report", args=[report.pk])
    coordinator.post(
        url,
        {
            "action": "return",
            "why:II": "Thiếu số liệu hồ sơ",
            "target": ["direction"],
            "target_reason": ["Viết rõ hơn"],
        },
    )
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED
    services.save_values(personas.officer_a, report.pk, {"direction": "Bản đã sửa"}, report.version)
    page = client_for(personas.officer_a).get(url).content.decode()
    assert "Thiếu số liệu hồ sơ" in page and "Viết rõ hơn" in page
    assert "Bản đầu" in page and "Bản đã sửa" in page  # what changed since the return


def test_the_period_page_accepts_several_reports_at_once(personas: Any, period: Any, province: Any) -> None:
    for report in Report.objects.filter(period=period):
        report.values = {"direction": "x"}
        report.state = ReportState.SUBMITTED
        report.save()
    ids = [str(pk) for pk in Report.objects.filter(period=period).values_list("pk", flat=True)]
    client_for(personas.coordinator).post(reverse("reports:period", args=[period.pk]), {"report": ids})
    assert set(Report.objects.filter(period=period).values_list("state", flat=True)) == {ReportState.ACCEPTED}


def test_a_coordinator_opens_a_period_from_the_page(personas: Any, province: Any) -> None:
    from tests.report_helpers import small_form

    form = small_form()
    client = client_for(personas.coordinator)
    data = {
        "action": "create",
        "year": "2025",
        "owner": str(province.province.pk),
        "form": str(form.pk),
        "kind": "H1",
        "blocks": [str(province.block_departments.pk)],
    }
    answer = client.post(reverse("reports:new_period"), data)
    assert answer.status_code == 302
    bad = client.post(
        reverse("reports:new_period"), {**data, "kind": "9M", "cutoff_start": "2025-09-14", "cutoff_end": "2025-01-01"}
    )
    assert bad.status_code == 200 and "14/09/2025" in bad.content.decode()


def test_the_documents_download_from_the_pages(personas: Any, period: Any, province: Any) -> None:
    import io

    from docx import Document

    report = report_of(period, province.dept_a)
    services.save_values(personas.officer_a, report.pk, {"direction": "Đã ban hành Kế hoạch số 12/KH-STP"}, 0)
    own = client_for(personas.officer_a).get(reverse("reports:document", args=[report.pk]))
    assert own["Content-Disposition"].startswith("attachment") and own["Content-Type"].endswith("document")
    text = "\n".join(p.text for p in Document(io.BytesIO(own.content)).paragraphs)
    assert "Đã ban hành Kế hoạch số 12/KH-STP" in text
    services.submit(personas.head, report.pk)
    province_report = client_for(personas.viewer).get(reverse("reports:province_document", args=[period.pk]))
    body = "\n".join(p.text for p in Document(io.BytesIO(province_report.content)).paragraphs)
    assert "Sở Tư pháp" in body and "12/KH-STP" in body
    workbook = client_for(personas.coordinator).get(
        reverse("reports:province_document", args=[period.pk]) + "?format=xlsx"
    )
    assert workbook["Content-Disposition"].endswith('phu-luc-2.xlsx"') and workbook.content[:2] == b"PK"
    assert client_for(personas.officer_a).get(reverse("reports:province_document", args=[period.pk])).status_code == 403
