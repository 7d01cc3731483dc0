"""A task's page: progress updates with evidence, co-operating agencies' parts, completion, the files,
the API, and who may post (tasks of HA's plan led by SA, with SB co-operating)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cchc.accounts.roles import Role
from cchc.core.evidence import EVIDENCE_MAX_BYTES
from cchc.core.models import AuditEntry
from cchc.notifications.models import Notification
from cchc.plans import services
from cchc.plans.models import Plan, Task, TaskFile, TaskStatus, TaskUpdate
from cchc.plans.reminders import send_task_reminders
from conftest import client_for, make_user
from tests.test_report_reminders import body, subject

TODAY = timezone.localdate()
YEAR = TODAY.year
PDF = b"%PDF-1.4 bien ban nghiem thu"


def pdf(name: str = "Biên bản.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def task(province: Any, personas: Any, media: Path) -> Task:
    for name in ("officer_a", "officer_b", "head", "coordinator"):
        user = getattr(personas, name)
        user.email = f"{name}@hoaan.gov.vn"
        user.save(update_fields=["email"])
    plan = Plan.objects.create(year=YEAR, agency=province.province, title=f"Kế hoạch CCHC năm {YEAR}")
    task = Task.objects.create(
        plan=plan,
        task_code="NV-05",
        title="Rà soát, đơn giản hóa thủ tục hành chính",
        area="procedures",
        lead_agency=province.dept_a,
        deadline=TODAY + timedelta(days=10),
        product="Phương án đơn giản hóa",
    )
    task.co_agencies.set([province.dept_b])
    return task


def page_of(task: Task) -> str:
    return f"/plans/tasks/{task.pk}/"


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_the_lead_officer_posts_progress_with_a_file_downloaded_as_an_attachment(
    task: Task, personas: Any, media: Path
) -> None:
    client = client_for(personas.officer_a)
    response = client.post(
        page_of(task), {"action": "progress", "text": "Đã rà soát 12 thủ tục", "percent": "45,5", "files": [pdf()]}
    )
    assert response.status_code == 302 and response["Location"] == page_of(task)
    (update,) = TaskUpdate.objects.all()
    assert update.kind == "progress" and update.agency == task.lead_agency and update.percent == Decimal("45.5")
    assert update.author == personas.officer_a
    (stored,) = update.files.all()
    assert stored.original_name == "Biên bản.pdf" and stored.size == len(PDF)
    (on_disk,) = stored_files(media)
    assert "Biên" not in on_disk.name and on_disk.suffix == ".pdf" and on_disk.read_bytes() == PDF
    entry = AuditEntry.objects.get(object_id=str(update.pk), content_type__model="taskupdate")
    assert entry.user == personas.officer_a and entry.changes["files"] == [None, ["Biên bản.pdf"]]
    page = client.get(page_of(task)).content.decode()
    assert "Đã rà soát 12 thủ tục" in page and "45,5%" in page and stored.get_absolute_url() in page
    # Readers of the task download it as an attachment (never inline); others find nothing.
    for reader in (personas.officer_a, personas.officer_b, personas.coordinator, personas.viewer):
        download = client_for(reader).get(stored.get_absolute_url())
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["Content-Type"] == "application/octet-stream"
        assert download["X-Content-Type-Options"] == "nosniff"
        assert b"".join(download.streaming_content) == PDF
    outsider = make_user("officer_c1", Role.FOCAL, task.plan.agency.descendants().get(code="C1"))
    assert client_for(outsider).get(stored.get_absolute_url()).status_code == 404
    assert client_for(personas.district_coordinator).get(stored.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"files": [SimpleUploadedFile("virus.exe", b"MZ\x90\x00")]}, "“virus.exe”: Không nhận tệp loại “.exe”"),
        ({"files": [pdf("to.pdf", b"%PDF" + b"0" * EVIDENCE_MAX_BYTES)]}, "“to.pdf”: Tệp lớn hơn 20 MB."),
        ({"files": [pdf("anh.pdf", b"\x89PNG\r\n\x1a\n....")]}, "“anh.pdf”: Nội dung tệp không phải là tệp .pdf."),
        ({"files": [pdf(), SimpleUploadedFile("x.docx", b"not a zip")]}, "“x.docx”: Nội dung tệp không phải"),
        ({"percent": "150"}, "Tiến độ là tỉ lệ phần trăm từ 0 đến 100, không phải 150."),
        ({"percent": "-1"}, "từ 0 đến 100"),
        ({"percent": "nhiều"}, "“nhiều” không phải là số"),
        ({"text": "  "}, "Hãy ghi nội dung đã thực hiện."),
        ({"done": "1", "completed_on": (TODAY + timedelta(days=1)).isoformat()}, "không thể ở tương lai"),
        ({"done": "1", "completed_on": "31/02/2026"}, "không phải là ngày"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_writes_nothing(
    task: Task, personas: Any, media: Path, form: dict[str, Any], message: str
) -> None:
    data = {"action": "progress", "text": "Đã rà soát", **form}
    response = client_for(personas.officer_a).post(page_of(task), data)
    assert response.status_code == 400
    assert message in response.content.decode(), response.content.decode()[:3000]
    assert not TaskUpdate.objects.exists() and not TaskFile.objects.exists() and stored_files(media) == []
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and not AuditEntry.objects.filter(content_type__model="task").exists()
    if "text" not in form:
        assert "Đã rà soát</textarea>" in response.content.decode()  # the text typed is kept


def test_reporting_done_completes_the_task_tells_the_coordinators_and_stops_reminders(
    task: Task, personas: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.head).post(
            page_of(task), {"action": "progress", "text": "Đã ban hành phương án", "done": "1", "files": [pdf()]}
        )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_on == TODAY
    update = TaskUpdate.objects.get()
    assert update.completed_on == TODAY and update.percent == Decimal(100)
    change = AuditEntry.objects.get(content_type__model="task", object_id=str(task.pk))
    assert change.changes == {"status": ["open", "done"], "completed_on": [None, TODAY.isoformat()]}
    (note,) = Notification.objects.filter(key=f"plans:task:{task.pk}:done")
    assert note.recipient == personas.coordinator and note.link == page_of(task)
    assert "NV-05" in note.text and "Đúng hạn." in note.text
    (mail,) = smtp.to("coordinator@hoaan.gov.vn")
    assert subject(mail) == "[CCHC] Nhiệm vụ NV-05 của Sở Tư pháp đã hoàn thành"
    assert f"/plans/tasks/{task.pk}/" in body(mail) and "Đúng hạn." in body(mail)
    assert smtp.to("officer_a@hoaan.gov.vn") == []
    # Done: no reminder on any later step, and no second completion.
    for offset in (-7, -3, 0, 1, 8):
        assert send_task_reminders(task.deadline + timedelta(days=offset))["tasks"] == 0
    again = client_for(personas.officer_a).post(page_of(task), {"action": "progress", "text": "x", "done": "1"})
    assert again.status_code == 400 and "Nhiệm vụ đã hoàn thành" in again.content.decode()
    page = client_for(personas.officer_a).get(page_of(task)).content.decode()
    assert "Hoàn thành đúng hạn" in page and 'name="done"' not in page


def test_a_completion_on_a_past_day_after_the_deadline_counts_late(task: Task, personas: Any) -> None:
    Task.objects.filter(pk=task.pk).update(deadline=date_in_year(1, 31))
    day = date_in_year(2, 10)
    if day > TODAY:
        pytest.skip("needs a day of February of this year in the past")
    services.post_update(personas.officer_a, task.pk, kind="progress", text="Xong", done=True, completed_on=day)
    task.refresh_from_db()
    assert task.completed_on == day and task.outcome(TODAY) == "done_late"
    assert "Hoàn thành quá hạn" in client_for(personas.officer_a).get(page_of(task)).content.decode()


def date_in_year(month: int, day: int) -> Any:
    return TODAY.replace(month=month, day=day)


def test_an_overdue_task_says_so_in_red(task: Task, personas: Any) -> None:
    Task.objects.filter(pk=task.pk).update(deadline=TODAY - timedelta(days=1))
    page = client_for(personas.officer_a).get(page_of(task)).content.decode()
    assert '<span class="badge text-bg-danger" id="deadline-state">Chưa hoàn thành, quá hạn</span>' in page


def test_a_co_operating_agency_adds_its_part_and_the_lead_sees_it(task: Task, personas: Any, media: Path) -> None:
    client = client_for(personas.officer_b)
    page = client.get(page_of(task)).content.decode()
    assert 'id="part-form"' in page and 'id="progress-form"' not in page
    for text in ("Sở Y tế đã góp ý dự thảo", "Sở Y tế gửi số liệu quý"):
        response = client.post(page_of(task), {"action": "part", "text": text, "files": [pdf("Góp ý.pdf")]})
        assert response.status_code == 302
    parts = list(TaskUpdate.objects.filter(kind="part"))
    assert [p.agency.code for p in parts] == ["SB", "SB"] and all(p.files.count() == 1 for p in parts)
    lead_page = client_for(personas.officer_a).get(page_of(task)).content.decode()
    assert "Sở Y tế đã góp ý dự thảo" in lead_page and "Sở Y tế gửi số liệu quý" in lead_page
    assert 'id="part-form"' not in lead_page and 'id="progress-form"' in lead_page
    # A part carries no percentage and does not complete the task.
    refused = client.post(page_of(task), {"action": "part", "text": "x", "agency": str(task.co_agencies.get().pk)})
    assert refused.status_code == 302
    with pytest.raises(services.TaskError):
        services.post_update(personas.officer_b, task.pk, kind="part", text="x", done=True)


@pytest.mark.parametrize(
    ("persona", "action", "status"),
    [
        ("officer_b", "progress", 403),  # a co-operating agency reports its part, not the progress
        ("officer_a", "part", 403),  # the lead agency is no co-operating agency
        ("head", "part", 403),
        ("viewer", "progress", 403),  # the leadership reads the task, posts nothing
        ("viewer", "part", 403),
        ("inspector", "progress", 403),
        ("appraiser", "part", 403),
        ("district_coordinator", "progress", 404),  # another district's coordinator: no such task
        ("district_coordinator", "part", 404),
        ("outsider", "progress", 404),
        ("outsider", "part", 404),
        ("anonymous", "progress", 302),
    ],
)
def test_nobody_outside_the_lead_co_operating_or_plan_agency_posts(
    task: Task, personas: Any, province: Any, media: Path, persona: str, action: str, status: int
) -> None:
    users = {**personas.all(), "outsider": make_user("officer_c1", Role.FOCAL, province.commune_1)}
    response = client_for(users[persona]).post(page_of(task), {"action": action, "text": "x", "files": [pdf()]})
    assert response.status_code == status
    assert not TaskUpdate.objects.exists() and stored_files(media) == []


def test_the_coordinators_post_progress_and_parts_on_any_task_of_their_province(task: Task, personas: Any) -> None:
    client = client_for(personas.coordinator)
    assert client.post(page_of(task), {"action": "progress", "text": "Đôn đốc"}).status_code == 302
    assert client.post(page_of(task), {"action": "part", "text": "Thay SB"}).status_code == 302
    assert sorted(TaskUpdate.objects.values_list("kind", "agency__code")) == [("part", "SB"), ("progress", "SA")]


def test_the_page_shows_the_task_and_links_to_its_plan(task: Task, personas: Any) -> None:
    page = client_for(personas.officer_b).get(page_of(task)).content.decode()
    assert task.title in page and "Sở Tư pháp" in page and "Sở Y tế" in page and "Phương án đơn giản hóa" in page
    assert f'href="/plans/{task.plan_id}/"' in page and "Chưa hoàn thành, trong hạn" in page
    plan_page = client_for(personas.officer_a).get(f"/plans/{task.plan_id}/").content.decode()
    assert f'href="{page_of(task)}"' in plan_page


# The API


def token_client(user: Any) -> Any:
    from django.test import Client

    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def test_the_api_posts_through_the_service_and_reads_in_scope(task: Task, personas: Any, media: Path) -> None:
    lead = token_client(personas.officer_a)
    response = lead.post(
        "/api/v1/task-updates/",
        {"task": task.pk, "kind": "progress", "text": "Qua API", "percent": "60", "files": [pdf()]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["agency_code"] == "SA"
        and body["percent"] == "60.00"
        and body["files"][0]["original_name"] == "Biên bản.pdf"
    )
    part = token_client(personas.officer_b).post(
        "/api/v1/task-updates/", {"task": task.pk, "kind": "part", "text": "Phần của SB", "agency": "SB"}
    )
    assert part.status_code == 201, part.content
    bad = lead.post("/api/v1/task-updates/", {"task": task.pk, "kind": "progress", "text": "x", "percent": "150"})
    assert bad.status_code == 400 and "0 đến 100" in bad.json()["detail"]
    exe = lead.post(
        "/api/v1/task-updates/",
        {"task": task.pk, "kind": "progress", "text": "x", "files": [SimpleUploadedFile("a.exe", b"MZ")]},
    )
    assert exe.status_code == 400 and "“.exe”" in exe.json()["detail"]
    other = lead.post("/api/v1/task-updates/", {"task": task.pk, "kind": "done", "text": "x"})
    assert other.status_code == 400 and "“done”" in other.json()["detail"]
    forbidden = token_client(personas.officer_b).post(
        "/api/v1/task-updates/", {"task": task.pk, "kind": "progress", "text": "x"}
    )
    assert forbidden.status_code == 403
    hidden = token_client(personas.district_coordinator).post(
        "/api/v1/task-updates/", {"task": task.pk, "kind": "progress", "text": "x"}
    )
    assert hidden.status_code == 404
    assert TaskUpdate.objects.count() == 2
    listed = lead.get(f"/api/v1/task-updates/?task={task.pk}").json()["results"]
    assert [u["kind"] for u in listed] == ["progress", "part"]
    assert token_client(personas.district_coordinator).get("/api/v1/task-updates/").json()["results"] == []
    detail = token_client(personas.officer_b).get(f"/api/v1/task-updates/{listed[0]['id']}/")
    assert detail.status_code == 200
    assert (
        token_client(personas.district_coordinator).get(f"/api/v1/task-updates/{listed[0]['id']}/").status_code == 404
    )
