"""Conclusions that become tasks, inspections, findings and their verified remediation (DESIGN §5.6)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone, translation

from cchc.agencies.models import Agency
from cchc.agencies.services import rebuild_paths
from cchc.core.models import AuditEntry
from cchc.core.scope import SYSTEM
from cchc.core.tabular import InputError
from cchc.inspections import services
from cchc.inspections.models import (
    Directive,
    DirectiveTask,
    Finding,
    Inspection,
    InspectionPlan,
    RemediationEvidence,
    RemediationStatus,
    RemediationStep,
)
from cchc.inspections.services import InspectionError
from cchc.inspections.stats import inspection_sentence, inspection_stats
from cchc.notifications.models import Notification
from cchc.plans.models import Plan, Task, TaskStatus
from cchc.plans.stats import task_stats
from conftest import client_for
from tests.inspection_helpers import (
    YEAR,
    conclusion_with_directive,
    finding_of,
    inspection_of,
    inspection_plan,
    pdf,
    year_plan,
)

TODAY = timezone.localdate()


# Conclusions: a directive becomes tasks in one step


def make(personas: Any, province: Any, **overrides: Any) -> list[Task]:
    directive = Directive.objects.get(number=7)
    values: dict[str, Any] = {
        "plan": Plan.objects.get(number="45/KH-UBND"),
        "leads": [province.dept_a, province.dept_b],
        "co_agencies": [province.commune_1, province.dept_a],
        "deadline": date(YEAR, 6, 30),
        "area": "procedures",
    }
    values.update(overrides)
    with translation.override("vi"):
        return services.make_tasks(personas.coordinator, directive.pk, **values)


def test_a_directive_becomes_one_task_per_lead_agency_each_linked_back(personas, province):
    conclusion_with_directive(personas, province)
    year_plan(province)
    tasks = make(personas, province)
    directive = Directive.objects.get(number=7)
    assert sorted(t.lead_agency.code for t in tasks) == ["SA", "SB"]
    assert set(directive.tasks.all()) == set(tasks)
    sa = Task.objects.get(lead_agency=province.dept_a)
    assert sa.directive_link.directive == directive
    assert sa.title == directive.text and sa.deadline == date(YEAR, 6, 30) and sa.area == "procedures"
    # The lead is never its own co-operating agency.
    assert {a.code for a in sa.co_agencies.all()} == {"C1"}
    assert AuditEntry.objects.filter(action="create", content_type__model="task").count() == 2


BAD_TASKS = [
    ({"leads": []}, "Đơn vị chủ trì"),
    ({"deadline": date(YEAR + 1, 1, 31)}, "Hạn"),
    ({"deadline": ""}, "Hạn"),
    ({"area": "culture"}, "Lĩnh vực CCHC"),
    ({"plan": 999_999}, "Kế hoạch"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_TASKS)
def test_bad_input_names_the_field_and_makes_no_task(personas, province, overrides, field):
    conclusion_with_directive(personas, province)
    year_plan(province)
    with pytest.raises(InspectionError) as error:
        make(personas, province, **overrides)
    assert str(error.value).startswith(field), str(error.value)
    assert not Task.objects.exists() and not DirectiveTask.objects.exists()


def test_making_tasks_is_all_or_nothing(personas, province):
    conclusion_with_directive(personas, province)
    year_plan(province)
    make(personas, province, leads=[province.dept_b])
    with pytest.raises(InspectionError, match="Sở Y tế"):
        make(personas, province, leads=[province.dept_a, province.dept_b])  # SB has one already
    assert list(Task.objects.values_list("lead_agency__code", flat=True)) == ["SB"]


def test_only_the_issuers_coordinator_makes_tasks(personas, province):
    conclusion_with_directive(personas, province)
    plan = year_plan(province)
    directive = Directive.objects.get()
    for user in (personas.officer_a, personas.inspector, personas.viewer, personas.district_coordinator):
        with pytest.raises(PermissionDenied):
            services.make_tasks(user, directive.pk, plan=plan, leads=[province.dept_a], deadline=date(YEAR, 6, 30))
    assert not Task.objects.exists()


def test_the_directive_shows_its_tasks_and_their_state_as_task_stats_counts_them(personas, province):
    conclusion = conclusion_with_directive(personas, province)
    year_plan(province)
    deadline = date(YEAR, 1, 31) if date(YEAR, 1, 31) < TODAY else date(YEAR, 12, 31)
    tasks = make(personas, province, deadline=deadline, co_agencies=[province.commune_1])
    done = tasks[0]
    Task.objects.filter(pk=done.pk).update(status=TaskStatus.DONE, completed_on=done.deadline)
    page = client_for(personas.coordinator).get(f"/inspections/conclusions/{conclusion.pk}/")
    text = page.content.decode()
    assert done.task_code in text and tasks[1].task_code in text
    (group,) = task_stats(YEAR, user=SYSTEM)
    assert "Hoàn thành đúng hạn" in text and group.done_on_time == 1
    expected = "Chưa hoàn thành, quá hạn" if group.open_overdue else "Chưa hoàn thành, chưa đến hạn"
    assert expected in text
    # SA's officer sees its own task under the directive, not SB's.
    mine = client_for(personas.officer_a).get(f"/inspections/conclusions/{conclusion.pk}/").content.decode()
    sa = next(t for t in tasks if t.lead_agency_id == province.dept_a.pk)
    sb = next(t for t in tasks if t.lead_agency_id == province.dept_b.pk)
    assert sa.task_code in mine and sb.task_code not in mine


def test_the_make_tasks_form_on_the_page(personas, province):
    conclusion = conclusion_with_directive(personas, province)
    plan = year_plan(province)
    directive = Directive.objects.get()
    form = {
        "action": "make_tasks",
        "directive": directive.pk,
        "plan": plan.pk,
        "leads": "SA; SB",
        "co_agencies": "C1",
        "deadline": f"{YEAR}-09-30",
        "area": "procedures",
    }
    response = client_for(personas.coordinator).post(f"/inspections/conclusions/{conclusion.pk}/", form, follow=True)
    assert Task.objects.filter(directive_link__directive=directive).count() == 2
    assert "Đã giao nhiệm vụ" in response.content.decode()
    bad = client_for(personas.coordinator).post(
        f"/inspections/conclusions/{conclusion.pk}/", {**form, "leads": "SA;XX"}, follow=True
    )
    assert "Đơn vị chủ trì: không có cơ quan “XX”" in bad.content.decode()
    assert Task.objects.count() == 2


def test_the_lead_of_a_task_reads_the_directive_it_comes_from(personas, province):
    conclusion = conclusion_with_directive(personas, province)
    Directive.objects.get().addressees.clear()
    year_plan(province)
    assert client_for(personas.officer_b).get(f"/inspections/conclusions/{conclusion.pk}/").status_code == 404
    [task] = make(personas, province, leads=[province.dept_b])
    assert client_for(personas.officer_b).get(f"/inspections/conclusions/{conclusion.pk}/").status_code == 200
    request = RequestFactory().get("/")
    request.user = personas.officer_b
    html = Template("{% load inspections %}{% task_origin task %}").render(Context({"task": task, "request": request}))
    assert "directive-7" in html and "68/TB-UBND" in html
    request.user = personas.district_coordinator
    html = Template("{% load inspections %}{% task_origin task %}").render(Context({"task": task, "request": request}))
    assert "68/TB-UBND" not in html


DIRECTIVES_CSV = (
    "number,text,addressee_codes,deadline,area\n"
    "1,Rà soát kết quả CCHC năm trước,,30/04/{y},direction\n"
    "2,Tăng cường kiểm tra CCHC,SA;SB,{y}-10-31,direction\n"
    "3,Cập nhật TTHC lên Cơ sở dữ liệu quốc gia,C1,,procedures\n"
)


def test_directives_are_imported_from_a_file(personas, province, tmp_path):
    conclusion = conclusion_with_directive(personas, province)
    path = tmp_path / "chi-dao.csv"
    path.write_text(DIRECTIVES_CSV.format(y=YEAR), encoding="utf-8")
    assert services.import_directives(personas.coordinator, conclusion.pk, path) == (3, 0)
    second = Directive.objects.get(number=2)
    assert {a.code for a in second.addressees.all()} == {"SA", "SB"} and second.deadline == date(YEAR, 10, 31)
    assert conclusion.directives.count() == 4  # the typed 7 stays


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("4,X,ZZ,,direction", "Dòng 5, cột “addressee_codes”: không có cơ quan “ZZ”"),
        ("x,X,,,direction", "Dòng 5, cột “number”"),
        ("4,,,,direction", "Dòng 5, cột “text”"),
        ("4,X,,31/02/2026,direction", "Dòng 5, cột “deadline”"),
        ("4,X,,,culture", "Dòng 5, cột “area”"),
        ("2,X,,,direction", "Dòng 5, cột “number”: chỉ đạo 2 đã có ở dòng 3"),
    ],
)
def test_a_bad_row_names_row_and_column_and_nothing_is_written(personas, province, tmp_path, row, message):
    conclusion = conclusion_with_directive(personas, province)
    path = tmp_path / "chi-dao.csv"
    path.write_text(DIRECTIVES_CSV.format(y=YEAR) + row + "\n", encoding="utf-8")
    with translation.override("vi"), pytest.raises(InputError) as error:
        services.import_directives(personas.coordinator, conclusion.pk, path)
    assert str(error.value).startswith(message), str(error.value)
    assert list(conclusion.directives.values_list("number", flat=True)) == [7]


# Remediation: reported by the agency, closed only by an inspector


def test_a_finding_is_a_task_of_the_inspected_agency(personas, province, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        finding = finding_of(personas, province)
    task = finding.task
    assert task.lead_agency == province.dept_a and task.status == TaskStatus.OPEN
    assert task.plan == InspectionPlan.objects.get().task_plan and task.plan.agency == province.province
    assert (task.deadline, task.area) == (finding.deadline, "procedures")
    assert Inspection.objects.get().status == "in_progress"  # a finding recorded: the inspection is under way
    assert Notification.objects.filter(recipient__in=[personas.officer_a, personas.head]).count() >= 2


def report(personas: Any, finding: Finding, user: Any = None, **extra: Any) -> RemediationStep:
    values = {"text": "Đã ban hành văn bản xin lỗi", "done_on": TODAY - timedelta(days=2), "files": [pdf()]}
    values.update(extra)
    return services.report_remediation(user or personas.officer_a, finding.pk, **values)


def test_the_remediation_is_closed_only_when_an_inspector_verifies_it(
    personas, province, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    finding = finding_of(personas, province)
    with django_capture_on_commit_callbacks(execute=True):
        report(personas, finding)
    finding.refresh_from_db()
    assert finding.status == RemediationStatus.REPORTED and finding.task.status == TaskStatus.OPEN
    assert RemediationEvidence.objects.get().file.read().startswith(b"%PDF")
    assert Notification.objects.filter(recipient=personas.inspector, text__contains="Sở Tư pháp").exists()
    # The agency cannot close it itself, nor report it again while it waits.
    for user in (personas.officer_a, personas.head, personas.viewer, personas.appraiser):
        with pytest.raises(PermissionDenied):
            services.verify_remediation(user, finding.pk)
    with pytest.raises(InspectionError):
        report(personas, finding)
    with django_capture_on_commit_callbacks(execute=True):
        services.verify_remediation(personas.inspector, finding.pk, "Đạt")
    finding.refresh_from_db()
    task = Task.objects.get(pk=finding.task_id)
    assert finding.status == RemediationStatus.VERIFIED and finding.verified_on == TODAY
    # Done on the day the agency reported it done, not the day of the verification.
    assert (
        (task.status, task.completed_on)
        == (TaskStatus.DONE, TODAY - timedelta(days=2))
        == (
            TaskStatus.DONE,
            finding.remedied_on,
        )
    )
    assert Notification.objects.filter(recipient=personas.officer_a, text__contains="đã được xác nhận").exists()
    kinds = list(
        AuditEntry.objects.filter(object_id=str(finding.pk), content_type__model="finding").values_list(
            "action", flat=True
        )
    )
    assert kinds.count("update") >= 2 and "create" in kinds
    with pytest.raises(InspectionError):
        services.return_remediation(personas.inspector, finding.pk, "Muộn")


def test_a_report_sent_back_opens_the_remediation_again(personas, province, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    finding = finding_of(personas, province)
    report(personas, finding)
    with pytest.raises(InspectionError, match="Lý do"):
        services.return_remediation(personas.coordinator, finding.pk, "  ")
    services.return_remediation(personas.coordinator, finding.pk, "Chưa có minh chứng")
    finding.refresh_from_db()
    assert finding.status == RemediationStatus.OPEN and finding.task.status == TaskStatus.OPEN
    with pytest.raises(InspectionError):
        services.verify_remediation(personas.inspector, finding.pk)
    report(personas, finding, user=personas.head, files=[])
    assert list(finding.steps.values_list("kind", flat=True)) == ["reported", "returned", "reported"]


def test_only_the_inspected_agency_reports(personas, province, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    finding = finding_of(personas, province)
    for user in (personas.officer_b, personas.inspector, personas.coordinator, personas.viewer):
        with pytest.raises(PermissionDenied):
            report(personas, finding, user=user)
    assert not RemediationStep.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00"), "virus.exe: Không nhận"),
        (SimpleUploadedFile("gia.pdf", b"not a pdf at all"), "gia.pdf:"),
        (SimpleUploadedFile("rong.pdf", b""), "rong.pdf:"),
    ],
)
def test_a_bad_evidence_file_is_refused_and_nothing_is_written(personas, province, settings, tmp_path, upload, message):
    settings.MEDIA_ROOT = tmp_path
    finding = finding_of(personas, province)
    with translation.override("vi"), pytest.raises(InspectionError) as error:
        report(personas, finding, files=[pdf("tot.pdf"), upload])
    assert str(error.value).startswith("Tài liệu kiểm chứng: " + message), str(error.value)
    finding.refresh_from_db()
    assert finding.status == RemediationStatus.OPEN and not RemediationStep.objects.exists()
    assert not list(Path(tmp_path).rglob("*.pdf"))


def test_an_evidence_file_too_large_is_refused(personas, province, settings, tmp_path, monkeypatch):
    from cchc.core import evidence as scoring

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(scoring, "EVIDENCE_MAX_BYTES", 1024 * 1024)
    finding = finding_of(personas, province)
    big = SimpleUploadedFile("lon.pdf", b"%PDF" + b"0" * (1024 * 1024))
    with translation.override("vi"), pytest.raises(InspectionError, match=r"lon\.pdf: Tệp lớn hơn 1 MB"):
        report(personas, finding, files=[big])
    assert not RemediationStep.objects.exists()


def test_the_remediation_date_cannot_be_in_the_future_nor_missing(personas, province):
    finding = finding_of(personas, province)
    with translation.override("vi"):
        with pytest.raises(InspectionError, match=r"^Ngày hoàn thành"):
            report(personas, finding, done_on=TODAY + timedelta(days=1), files=[])
        with pytest.raises(InspectionError, match=r"^Ngày hoàn thành"):
            report(personas, finding, done_on="", files=[])


def test_bad_inspection_input_names_the_field(personas, province):
    plan = inspection_plan(personas, province)
    with translation.override("vi"):
        with pytest.raises(InspectionError, match=r"^Chủ đề"):
            services.schedule_inspection(
                personas.inspector,
                plan.pk,
                agency=province.dept_a,
                scope="thematic",
                starts_on="2026-03-01",
                ends_on="2026-03-02",
            )
        with pytest.raises(InspectionError, match=r"^Đến ngày"):
            services.schedule_inspection(
                personas.inspector,
                plan.pk,
                agency=province.dept_a,
                scope="comprehensive",
                starts_on="2026-03-05",
                ends_on="2026-03-02",
            )
        with pytest.raises(InspectionError, match=r"^Đoàn kiểm tra"):
            services.schedule_inspection(
                personas.inspector,
                plan.pk,
                agency=province.dept_a,
                scope="comprehensive",
                starts_on="2026-03-01",
                ends_on="2026-03-02",
                team=[personas.officer_a],
            )
        inspection = inspection_of(personas, province, plan=plan)
        with pytest.raises(InspectionError, match=r"^Mức độ"):
            services.record_finding(
                personas.inspector,
                inspection.pk,
                text="x",
                category="procedures",
                severity="huge",
                deadline="2026-12-31",
            )
    with pytest.raises(PermissionDenied):  # a district's coordinator does not inspect a department
        services.schedule_inspection(
            personas.district_coordinator,
            plan.pk,
            agency=province.dept_a,
            scope="comprehensive",
            starts_on="2026-03-01",
            ends_on="2026-03-02",
        )
    assert Inspection.objects.count() == 1


# The figures the reports quote


def test_the_figures_as_the_seed_counts_them_33_agencies_41_findings(personas, province):
    plan = inspection_plan(personas, province)
    agencies = [
        Agency.objects.create(
            code=f"X{i:02}",
            name=f"Cơ quan {i}",
            kind="department",
            parent=province.province,
            active_from=date(2000, 1, 1),
        )
        for i in range(31)
    ]
    rebuild_paths()
    agencies = [*Agency.objects.filter(code__startswith="X"), province.dept_a, province.dept_b]
    assert len(agencies) == 33
    day = date(YEAR, 12, 1)
    findings = []
    for i, agency in enumerate(agencies):
        inspection = inspection_of(personas, province, agency, plan)
        for _n in range(2 if i < 8 else 1):  # 8 agencies with two findings: 41
            findings.append(
                services.record_finding(
                    personas.inspector,
                    inspection.pk,
                    text="Tồn tại",
                    category=["procedures", "direction"][i % 2],
                    severity="medium",
                    deadline=date(YEAR, 6, 30) if i % 3 else date(YEAR, 12, 31),
                )
            )
    Inspection.objects.create(
        plan=plan, agency=province.commune_1, starts_on=date(YEAR, 12, 10), ends_on=date(YEAR, 12, 11)
    )
    assert len(findings) == 41
    Finding.objects.update(found_on=date(YEAR, 2, 1))
    verified = findings[:25]  # 25 verified: 20 done by the deadline, 5 after it
    Finding.objects.filter(pk__in=[f.pk for f in verified[:20]]).update(
        status="verified", remedied_on=date(YEAR, 6, 1), verified_on=date(YEAR, 6, 10)
    )
    late = [f.pk for f in verified[20:] if f.deadline == date(YEAR, 6, 30)]
    Finding.objects.filter(pk__in=[f.pk for f in verified[20:]]).update(
        status="verified", remedied_on=date(YEAR, 7, 15), verified_on=date(YEAR, 7, 20)
    )
    Finding.objects.filter(pk__in=[f.pk for f in findings[25:30]]).update(status="reported")
    open_rest = Finding.objects.exclude(status="verified")
    overdue = open_rest.filter(deadline__lt=day).count()
    (group,) = inspection_stats(YEAR, user=SYSTEM, as_of=day)
    assert (group.agencies, group.inspections, group.findings) == (33, 33, 41)
    assert (group.remedied, group.reported, group.unremedied, group.overdue) == (25, 5, 16, overdue)
    assert group.remedied_on_time == 25 - len(late)
    assert inspection_sentence(group).startswith(
        "Đã kiểm tra 33 cơ quan, đơn vị; phát hiện 41 tồn tại, hạn chế cần khắc phục; đã khắc phục 25 (60,98%"
    )
    # As of before the verifications: nothing remedied yet.
    (before,) = inspection_stats(YEAR, user=SYSTEM, as_of=date(YEAR, 6, 5))
    assert before.remedied == 0 and before.findings == 41
    # By category: every finding in one of them.
    by_category = inspection_stats(YEAR, user=SYSTEM, as_of=day, by="category")
    assert sum(g.findings for g in by_category) == 41
    # The command answers the same, as JSON and as the table with the sentence.
    out = io.StringIO()
    call_command("inspection_stats", "--year", str(YEAR), "--as-of", day.isoformat(), "--format", "json", stdout=out)
    document = json.loads(out.getvalue())
    assert document["groups"][0]["agencies"] == 33 and document["groups"][0]["findings"] == 41
    assert document["sentence"] == inspection_sentence(group)
    out = io.StringIO()
    call_command(
        "inspection_stats",
        "--year",
        str(YEAR),
        "--as-of",
        day.isoformat(),
        "--format",
        "csv",
        "--by",
        "agency",
        stdout=out,
    )
    assert len(out.getvalue().strip().splitlines()) == 34


def test_the_figures_follow_the_readers_scope(personas, province):
    finding_of(personas, province)
    (mine,) = inspection_stats(YEAR, user=personas.officer_a)
    (theirs,) = inspection_stats(YEAR, user=personas.officer_b)
    (province_wide,) = inspection_stats(YEAR, user=personas.viewer)
    assert (mine.findings, theirs.findings, province_wide.findings) == (1, 0, 1)
    (appraiser,) = inspection_stats(YEAR, user=personas.appraiser)
    assert appraiser.findings == 0
    (nobody,) = inspection_stats(YEAR, user=None)
    assert nobody.findings == 0 and nobody.agencies == 0
    with pytest.raises(TypeError):
        inspection_stats(YEAR)  # type: ignore[call-arg]  # no reader: an error, never everything
    for persona, findings in (("officer_a", 1), ("officer_b", 0), ("viewer", 1), ("appraiser", 0)):
        answer = client_for(getattr(personas, persona)).get(f"/api/v1/inspection-stats/?year={YEAR}&by=agency").json()
        assert sum(g["findings"] for g in answer["groups"]) == findings, persona


def test_the_api_lists_inspections_and_plans_in_scope(personas, province):
    finding_of(personas, province)
    finding_of(personas, province, agency=province.dept_b)
    for persona, codes in (
        ("officer_a", ["SA"]),
        ("officer_b", ["SB"]),
        ("inspector", ["SA", "SB"]),
        ("appraiser", []),
    ):
        client = client_for(getattr(personas, persona))
        rows = client.get("/api/v1/inspections/").json()["results"]
        assert sorted(r["agency_code"] for r in rows) == codes, persona
        plans = client.get("/api/v1/inspection-plans/").json()["results"]
        assert len(plans) == (1 if codes else 0), persona


def test_the_conclusion_list_shows_the_notices_in_scope(personas, province):
    conclusion_with_directive(personas, province)
    for persona, shown in (
        ("officer_a", True),
        ("officer_b", False),
        ("viewer", True),
        ("district_coordinator", False),
    ):
        page = client_for(getattr(personas, persona)).get("/inspections/conclusions/").content.decode()
        assert ("68/TB-UBND" in page) == shown, persona


# Scope: by URL, API and forged POST


def test_another_agency_sees_nothing_by_url_or_api(personas, province, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    finding = finding_of(personas, province)
    report(personas, finding)
    evidence = RemediationEvidence.objects.get()
    urls = [
        f"/inspections/{finding.inspection_id}/",
        f"/inspections/findings/{finding.pk}/",
        f"/inspections/evidence/?id={evidence.pk}",
    ]
    for persona, status in (
        ("officer_a", 200),
        ("officer_b", 404),
        ("district_coordinator", 404),
        ("inspector", 200),
        ("viewer", 200),
    ):
        client = client_for(getattr(personas, persona))
        assert [client.get(url).status_code for url in urls] == [status] * 3, persona
        ids = [f["id"] for f in client.get("/api/v1/findings/").json()["results"]]
        assert ids == ([finding.pk] if status == 200 else []), persona
        assert client.get(f"/api/v1/inspections/{finding.inspection_id}/").status_code == status
    download = client_for(personas.officer_a).get(f"/inspections/evidence/?id={evidence.pk}")
    assert download["Content-Disposition"].startswith("attachment") and b"".join(download.streaming_content).startswith(
        b"%PDF"
    )


def test_a_forged_post_changes_nothing(personas, province, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    finding = finding_of(personas, province)
    other = finding_of(personas, province, agency=province.dept_b)
    # SB's officer posts a report for SA's finding, through its own finding's page and through the API.
    page = client_for(personas.officer_b).post(
        f"/inspections/findings/{other.pk}/", {"action": "report", "text": "x", "done_on": TODAY.isoformat()}
    )
    assert page.status_code == 302
    forged = client_for(personas.officer_b).post(
        f"/inspections/findings/{finding.pk}/", {"action": "report", "text": "x", "done_on": TODAY.isoformat()}
    )
    assert forged.status_code == 404
    api = client_for(personas.officer_b).post(
        "/api/v1/inspection-actions/",
        {"action": "report", "finding": finding.pk, "text": "x", "done_on": TODAY.isoformat()},
        content_type="application/json",
    )
    assert api.status_code == 403
    # SA's officer tries to verify its own report through the page and the API.
    report(personas, finding)
    for response in (
        client_for(personas.officer_a).post(f"/inspections/findings/{finding.pk}/", {"action": "verify"}),
        client_for(personas.officer_a).post(
            "/api/v1/inspection-actions/", {"action": "verify", "finding": finding.pk}, content_type="application/json"
        ),
    ):
        assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.status == RemediationStatus.REPORTED and finding.task.status == TaskStatus.OPEN
    assert Finding.objects.get(pk=other.pk).status == RemediationStatus.REPORTED


def test_the_api_takes_the_steps_through_the_same_services(personas, province, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    inspection = inspection_of(personas, province)
    inspector = client_for(personas.inspector)
    made = inspector.post(
        "/api/v1/inspection-actions/",
        {
            "action": "record_finding",
            "inspection": inspection.pk,
            "text": "Thiếu",
            "category": "direction",
            "severity": "low",
            "deadline": f"{YEAR}-12-31",
        },
        content_type="application/json",
    )
    assert made.status_code == 200, made.content
    finding_id = made.json()["id"]
    reported = client_for(personas.officer_a).post(
        "/api/v1/inspection-actions/",
        {
            "action": "report",
            "finding": finding_id,
            "text": "Đã bổ sung",
            "done_on": TODAY.isoformat(),
            "files": [pdf()],
        },
    )
    assert reported.status_code == 200 and reported.json()["status"] == "reported"
    assert reported.json()["steps"][0]["evidence"] == ["bien-ban.pdf"]
    bad = inspector.post(
        "/api/v1/inspection-actions/", {"action": "return", "finding": finding_id}, content_type="application/json"
    )
    assert bad.status_code == 400
    verified = inspector.post(
        "/api/v1/inspection-actions/", {"action": "verify", "finding": finding_id}, content_type="application/json"
    )
    assert verified.json()["status"] == "verified"
    stats = client_for(personas.officer_a).get(f"/api/v1/inspection-stats/?year={YEAR}").json()
    assert stats["groups"][0]["remedied"] == 1 and stats["sentence"].startswith("Đã kiểm tra 1 cơ quan")


def test_the_api_makes_tasks_of_a_directive(personas, province):
    conclusion_with_directive(personas, province)
    plan = year_plan(province)
    directive = Directive.objects.get()
    body = {"directive": directive.pk, "plan": plan.pk, "lead_agency_codes": ["SA"], "deadline": f"{YEAR}-09-30"}
    assert (
        client_for(personas.officer_a)
        .post("/api/v1/directive-tasks/", body, content_type="application/json")
        .status_code
        == 403
    )
    made = client_for(personas.coordinator).post("/api/v1/directive-tasks/", body, content_type="application/json")
    assert made.status_code == 200 and made.json()["task_codes"] == [f"KL{directive.conclusion_id}.7-SA"]
    conclusions = client_for(personas.officer_a).get("/api/v1/conclusions/").json()["results"]
    assert conclusions[0]["directives"][0]["task_ids"] == made.json()["tasks"]
    assert client_for(personas.officer_b).get("/api/v1/conclusions/").json()["results"] == []


def test_the_index_shows_the_figures_and_the_inspections_in_scope(personas, province):
    finding_of(personas, province)
    finding_of(personas, province, agency=province.dept_b)
    page = client_for(personas.viewer).get(f"/inspections/?year={YEAR}").content.decode()
    assert "Đã kiểm tra 2 cơ quan, đơn vị; phát hiện 2 tồn tại, hạn chế cần khắc phục" in page
    assert "Sở Tư pháp" in page and "Sở Y tế" in page
    mine = client_for(personas.officer_a).get(f"/inspections/?year={YEAR}").content.decode()
    assert "Đã kiểm tra 1 cơ quan, đơn vị" in mine and "Sở Y tế" not in mine


def test_the_periodic_report_is_prefilled_with_the_agencys_inspection_figures(personas, province):
    from cchc.reports import prefill
    from cchc.reports.models import FieldKind, FormField
    from tests.test_report_prefill import make_period

    period = make_period(province, kind="Y", year=YEAR)
    section = period.form.sections.get(code="s1")
    FormField.objects.create(
        form=period.form,
        section=section,
        code="found",
        label="Số tồn tại",
        kind=FieldKind.NUMBER,
        prefill="inspections.findings",
        order=99,
    )
    finding_of(personas, province)
    Finding.objects.update(found_on=date(YEAR, 2, 1))
    assert prefill.known("inspections.findings") and prefill.available("inspections.overdue")
    found = prefill.figures(province.dept_a, period, user=personas.officer_a)["found"]
    assert found["value"] == 1 and found["source"].startswith(f"Kiểm tra CCHC năm {YEAR}")
    assert prefill.figures(province.dept_b, period, user=SYSTEM)["found"]["value"] == 0
    assert "found" not in prefill.figures(province.dept_a, period, user=personas.officer_b)


def test_neither_a_progress_update_nor_an_import_closes_a_remediation_task(personas, province, tmp_path):
    """Only the inspector's verification closes the task of a finding: the lead agency's "done" and a
    plan file's ``status=done`` are refused, naming why (and the file's row), and nothing changes."""
    from cchc.plans import services as plan_services
    from cchc.plans.services import TaskError, import_plan_file

    finding = finding_of(personas, province)
    task = finding.task
    with translation.override("vi"), pytest.raises(TaskError, match="kiểm tra viên xác nhận"):
        plan_services.post_update(personas.officer_a, task.pk, kind="progress", text="Đã xong", done=True)
    plan_services.post_update(personas.officer_a, task.pk, kind="progress", text="Đang khắc phục")  # progress is fine
    header = "task_code,title,area,lead_agency_code,co_agency_codes,deadline,product,status,completed_on\n"
    row = f"{task.task_code},{task.title},{task.area},SA,,{task.deadline.isoformat()},,done,{date(YEAR, 6, 1)}\n"
    path = tmp_path / "plan.csv"
    path.write_text(header + row, encoding="utf-8")
    with translation.override("vi"), pytest.raises(InputError) as error:
        import_plan_file(path, year=task.plan.year, agency_code=task.plan.agency.code)
    assert "Dòng 2" in str(error.value) and "status" in str(error.value)
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.completed_on is None
    page = client_for(personas.officer_a).get(f"/plans/tasks/{task.pk}/").content.decode()
    assert 'id="verified-elsewhere"' in page and 'id="progress-done"' not in page
    assert 'data-testid="task-origin"' in page
