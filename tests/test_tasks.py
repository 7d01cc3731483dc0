"""Background tasks: eager in tests, a thread in development, workers in production."""

import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from cchc.core import tasks
from cchc.core.models import Task
from cchc.core.tabular import InputError
from conftest import client_for


@tasks.register("tests.count")
def count(task: Task, upto: int, fail_at: int | None = None, crash: bool = False) -> dict[str, Any]:
    for n in range(1, upto + 1):
        if n == fail_at:
            raise InputError("bad value", row=n + 1, field="x")
        if crash:
            raise RuntimeError("boom")
        task.report(n, upto, f"{n}/{upto}")
    return {"message": f"counted {upto}", "total": upto, "url": "/agencies/"}


def test_an_eager_task_runs_inside_enqueue(personas):
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 3}, label="Đếm")
    assert task.status == Task.Status.DONE
    assert task.result["total"] == 3
    assert task.message == "counted 3"
    assert task.started_at and task.finished_at


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


@override_settings(CCHC_TASKS_MODE="worker")
def test_a_worker_runs_queued_tasks_once_each(personas):
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 2}, label="Đếm")
    assert Task.objects.get(pk=task.pk).status == Task.Status.QUEUED
    call_command("run_tasks", "--once")
    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE
    assert tasks.run_task(task.pk) is False  # claimed already: never runs twice


@pytest.mark.django_db(transaction=True)
@override_settings(CCHC_TASKS_MODE="thread")
def test_a_thread_runs_the_task_after_the_request_commits(personas, monkeypatch):
    # Threads are recorded as they start: a quick task may be over before one could list them.
    started: list[threading.Thread] = []

    class Recorded(threading.Thread):
        def start(self) -> None:
            started.append(self)
            super().start()

    monkeypatch.setattr(threading, "Thread", Recorded)
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 4}, label="Đếm")
    assert started, "no thread was started for the task"
    # Wait for the thread itself rather than polling: SQLite's shared in-memory test database
    # refuses a reader while another connection writes.
    for thread in started:
        thread.join(timeout=30)
    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE


@override_settings(CCHC_TASKS_MODE="worker")
def test_the_progress_page_polls_until_done_then_shows_the_result(personas):
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 10}, label="Nhập hồ sơ")
    task.report(4, 10)
    client = client_for(personas.officer_a)
    page = client.get(task.get_absolute_url()).content.decode()
    assert "Nhập hồ sơ" in page
    assert 'hx-trigger="every 1s"' in page
    assert 'data-width="40"' in page
    call_command("run_tasks", "--once")
    fragment = client.get(f"/tasks/{task.pk}/progress/").content.decode()
    assert "hx-trigger" not in fragment
    assert 'data-width="100"' in fragment
    assert "counted 10" in fragment
    assert 'href="/agencies/"' in fragment


def test_another_user_cannot_see_a_task(personas):
    task = tasks.enqueue("tests.count", user=personas.officer_a, payload={"upto": 1}, label="Đếm")
    assert client_for(personas.officer_b).get(task.get_absolute_url()).status_code == 404
    assert client_for(personas.coordinator).get(f"/tasks/{task.pk}/progress/").status_code == 404
    assert client_for(personas.admin).get(task.get_absolute_url()).status_code == 200
