"""Background tasks on django-tasks: the immediate backend in tests, django-tasks-db's worker elsewhere.

A worker killed for real (SIGKILL, mid-import) is in tests/test_dossier_kill.py; here the state such
a worker leaves (its task claimed, then no sign of life) is found dead by whoever looks at it.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db.models import DBTaskResult

from cchc.core import tasks
from cchc.core.models import Task
from cchc.core.tabular import InputError
from conftest import client_for

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WORKER = ("run_tasks", "--batch", "--no-reload", "--no-startup-delay", "--verbosity", "0")
# The worker commits its claims and checks its connection between tasks, as outside a test transaction.
through_the_worker = pytest.mark.django_db(transaction=True)


@tasks.register("tests.count")
def count(task: Task, upto: int, fail_at: int | None = None, crash: bool = False) -> dict[str, Any]:
    for n in range(1, upto + 1):
        if n == fail_at:
            raise InputError("bad value", row=n + 1, field="x")
        if crash:
            raise RuntimeError("boom")
        task.report(n, upto, f"{n}/{upto}")
    return {"message": f"counted {upto}", "total": upto, "url": "/agencies/"}


@tasks.register("tests.lines", upload=("path", "name"))
def lines(task: Task, path: str, name: str) -> dict[str, Any]:
    """Reads an upload and leaves a work file behind, as the dossier import does."""
    work = tasks.work_folder()
    assert work is not None
    (work / "copy.txt").write_bytes(Path(path).read_bytes())
    return {"message": f"{name}: {len(Path(path).read_text().splitlines())} lines", "work": str(work)}


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CCHC_WORK_DIR = tmp_path / "work"
    return tmp_path


def upload(personas: Any, content: bytes = b"a\nb\nc\n") -> Task:
    path = tasks.keep_upload(SimpleUploadedFile("lines.txt", content), "tests.lines")
    return tasks.enqueue(
        "tests.lines", user=personas.officer_a, payload={"path": path, "name": "lines.txt"}, label="Đọc tệp"
    )


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_tests_run_a_task_inside_enqueue_through_the_immediate_backend(personas):
    assert isinstance(tasks.run.get_backend(), ImmediateBackend)
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 3}, label="Đếm")
    assert task.status == Task.Status.DONE
    assert task.result["total"] == 3
    assert task.message == "counted 3"
    assert task.started_at and task.finished_at
    assert task.job_id  # the django-tasks result it ran as
    assert not DBTaskResult.objects.exists()


def test_bad_input_fails_the_task_with_its_one_line_message(personas):
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 5, "fail_at": 2}, label="Đếm")
    assert task.status == Task.Status.FAILED
    assert "3" in task.message and "x" in task.message and "\n" not in task.message


def test_an_unexpected_error_fails_the_task_without_leaking_the_trace(personas):
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 2, "crash": True}, label="Đếm")
    assert task.status == Task.Status.FAILED
    assert "boom" not in task.message


def test_an_unknown_kind_is_refused_at_once(personas):
    with pytest.raises(KeyError):
        tasks.enqueue("tests.nothing", user=personas.officer_a, payload={}, label="?")
    assert not Task.objects.exists()


def test_a_task_and_its_files_are_gone_when_it_ends_or_fails(personas, media):
    done = upload(personas)
    assert done.status == Task.Status.DONE and done.message == "lines.txt: 3 lines"
    failed = upload(personas, b"\xff\xfe\xfa")  # not UTF-8: reading it raises
    assert failed.status == Task.Status.FAILED
    assert leftovers(media) == []


@through_the_worker
@override_settings(TASKS=DATABASE)
def test_a_task_runs_to_completion_through_the_database_worker(personas, media):
    task = upload(personas)
    job = DBTaskResult.objects.get(id=task.job_id)
    assert (job.status, job.task_path) == ("READY", "cchc.core.tasks.run")
    assert Task.objects.get(pk=task.pk).status == Task.Status.QUEUED
    call_command(*WORKER)
    task.refresh_from_db()
    assert (task.status, task.message) == (Task.Status.DONE, "lines.txt: 3 lines")
    assert DBTaskResult.objects.get(id=task.job_id).status == "SUCCESSFUL"
    assert leftovers(media) == []
    assert tasks.run_task(task.pk) is False  # ran already: never runs twice


@through_the_worker
@override_settings(TASKS=DATABASE)
def test_a_crash_in_the_worker_fails_the_task_and_its_job_with_the_trace_kept_for_the_administrator(personas):
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 2, "crash": True}, label="Đếm")
    call_command(*WORKER)
    task.refresh_from_db()
    assert task.status == Task.Status.FAILED and "boom" not in task.message
    job = DBTaskResult.objects.get(id=task.job_id)
    assert job.status == "FAILED" and "RuntimeError: boom" in job.traceback


@through_the_worker
@override_settings(TASKS=DATABASE)
def test_the_progress_page_polls_until_done_then_shows_the_result(personas):
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 10}, label="Nhập hồ sơ")
    task.report(4, 10)
    client = client_for(personas.officer_a)
    page = client.get(task.get_absolute_url()).content.decode()
    assert "Nhập hồ sơ" in page
    assert 'hx-trigger="every 1s"' in page
    assert 'data-width="40"' in page
    call_command(*WORKER)
    fragment = client.get(f"/tasks/{task.pk}/progress/").content.decode()
    assert "hx-trigger" not in fragment
    assert 'data-width="100"' in fragment
    assert "counted 10" in fragment
    assert 'href="/agencies/"' in fragment
    assert "Chạy lại" not in fragment


def died(task: Task, minutes: int) -> None:
    """What a worker killed mid-task leaves: its job claimed, the task running, no sign of life since."""
    DBTaskResult.objects.get(id=task.job_id).claim("killed-worker")
    started = timezone.now() - timedelta(minutes=minutes)
    Task.objects.filter(pk=task.pk).update(status=Task.Status.RUNNING, started_at=started)
    (tasks.work_folder_of(task.pk) / "spill.tmp").parent.mkdir(parents=True)
    (tasks.work_folder_of(task.pk) / "spill.tmp").write_text("A0000001\tK01")


@through_the_worker
@override_settings(TASKS=DATABASE, CCHC_TASKS_DEAD_AFTER=60)
def test_a_task_whose_worker_died_is_failed_on_its_page_and_started_again(personas, media):
    task = upload(personas)
    died(task, minutes=5)
    client = client_for(personas.officer_a)
    page = client.get(task.get_absolute_url()).content.decode()
    task.refresh_from_db()
    assert task.status == Task.Status.FAILED
    assert "Tác vụ đã dừng giữa chừng" in page and "bg-danger" in page
    assert "hx-trigger" not in page  # no more polling
    assert 'name="file"' in page and "Chạy lại" in page
    assert DBTaskResult.objects.get(id=task.job_id).status == "FAILED"
    assert leftovers(media) == []  # the upload and the work folder

    refused = client.post(f"/tasks/{task.pk}/restart/")  # without the file, which is gone
    assert refused.status_code == 302 and Task.objects.count() == 1
    again = client.post(f"/tasks/{task.pk}/restart/", {"file": SimpleUploadedFile("lines.txt", b"x\ny\n")})
    second = Task.objects.exclude(pk=task.pk).get()
    assert again["Location"] == second.get_absolute_url()
    assert (second.label, second.user, second.status) == (task.label, personas.officer_a, Task.Status.QUEUED)
    call_command(*WORKER)
    second.refresh_from_db()
    assert (second.status, second.message) == (Task.Status.DONE, "lines.txt: 2 lines")
    assert leftovers(media) == []


@through_the_worker
@override_settings(TASKS=DATABASE, CCHC_TASKS_DEAD_AFTER=60)
def test_a_task_that_still_beats_is_not_dead(personas, media):
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 2}, label="Đếm")
    died(task, minutes=5)
    cache.set(f"cchc:task:{task.pk}:alive", timezone.now().timestamp())  # its worker's thread, a moment ago
    assert tasks.fail_dead() == 0
    assert Task.objects.get(pk=task.pk).status == Task.Status.RUNNING
    cache.set(f"cchc:task:{task.pk}:alive", timezone.now().timestamp() - 61)
    call_command(*WORKER)  # a worker starting sweeps first
    assert Task.objects.get(pk=task.pk).status == Task.Status.FAILED


def test_only_its_user_starts_a_failed_task_again(personas):
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 5, "fail_at": 2}, label="Đếm")
    for persona in (personas.officer_b, personas.admin):
        assert client_for(persona).post(f"/tasks/{task.pk}/restart/").status_code == 404
    done = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 1}, label="Đếm")
    assert client_for(personas.officer_a).post(f"/tasks/{done.pk}/restart/").status_code == 404
    assert client_for(personas.officer_a).get(f"/tasks/{task.pk}/restart/").status_code == 405
    assert Task.objects.count() == 2
    client_for(personas.officer_a).post(f"/tasks/{task.pk}/restart/")
    assert Task.objects.count() == 3


def test_another_user_cannot_see_a_task(personas):
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 1}, label="Đếm")
    assert client_for(personas.officer_b).get(task.get_absolute_url()).status_code == 404
    assert client_for(personas.coordinator).get(f"/tasks/{task.pk}/progress/").status_code == 404
    assert client_for(personas.admin).get(task.get_absolute_url()).status_code == 200
