"""Background tasks: heavy work runs outside the request, and the person who started it watches it.

    @register("dossiers.import", upload=("path", "name"))
    def import_dossiers(task: Task, path: str, name: str) -> dict: ...  # calls task.report(done, total)
    task = enqueue("dossiers.import", user=request.user, payload={"path": keep_upload(file, "dossiers.import"), ...})
    return redirect(task)                                               # progress page

A ``Task`` is what a person started and watches (who, what, progress, outcome); django-tasks queues
and runs it (``TASKS`` in the settings): django-tasks-db's table and ``cchc run_tasks`` workers in
production and development, its immediate backend inside ``enqueue`` in tests. Django 6 ships the
same API as ``django.tasks``.

A running task beats (a thread of its worker writes the time to the cache); one whose worker died
(killed, out of memory, a reload) stops beating, and whoever looks at it after
``CCHC_TASKS_DEAD_AFTER`` seconds (its page, a worker's sweep) fails it. A task's files (the upload it
reads, its work folder under ``CCHC_WORK_DIR``) are removed when it ends, fails or is found dead; its
user can start a failed task again (with the file again, when it read an upload).
A handler that raises ``InputError`` fails the task with that one-line message.
"""

from __future__ import annotations

import contextvars
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django_tasks import task as background
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from cchc.core.models import Task
from cchc.core.tabular import InputError

log = logging.getLogger(__name__)
Handler = Callable[..., dict[str, Any] | None]
PROGRESS_TTL = 24 * 3600


@dataclass(frozen=True)
class Kind:
    handler: Handler
    upload: tuple[str, str] | None  # the payload keys of the uploaded file's path and its original name


_KINDS: dict[str, Kind] = {}
_running: contextvars.ContextVar[Any] = contextvars.ContextVar("cchc_task", default=None)


def register(kind: str, *, upload: tuple[str, str] | None = None) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        _KINDS[kind] = Kind(handler, upload)
        return handler

    return decorator


def kind_of(name: str) -> Kind:
    if name not in _KINDS:
        autodiscover_modules("tasks")
    return _KINDS[name]


def _upload_keys(task: Task) -> tuple[str, str] | None:
    """The payload keys of the upload a task reads; None also for a kind no longer in the code."""
    try:
        return kind_of(task.kind).upload
    except KeyError:
        return None


def enqueue(kind: str, *, user: Any, payload: dict[str, Any], label: str, agency: Any = None) -> Task:
    kind_of(kind)  # an unknown kind is a programming error: fail now, not in the background
    task = Task.objects.create(kind=kind, user=user, agency=agency, payload=payload, label=label[:255])
    # In the request's transaction: a worker sees the queued row once the request commits.
    job = run.enqueue(str(task.pk))
    Task.objects.filter(pk=task.pk).update(job_id=job.id)
    task.refresh_from_db()
    return task


@background()
def run(task_id: str) -> None:
    """The django-tasks task: one CCHC task, whatever its kind."""
    run_task(task_id)


def run_task(task_id: Any) -> bool:
    """Claim and run one queued task; False if it was not queued (run already, or started elsewhere)."""
    claimed = Task.objects.filter(pk=task_id, status=Task.Status.QUEUED).update(
        status=Task.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return False
    task = Task.objects.get(pk=task_id)
    try:
        with _alive(task):
            result = kind_of(task.kind).handler(task, **task.payload) or {}
    except InputError as exc:
        _finish(task, Task.Status.FAILED, exc.one_line(), {})
    except Exception:
        log.exception("task %s (%s) failed", task.pk, task.kind)
        _finish(
            task, Task.Status.FAILED, _("The task failed unexpectedly; the administrator can see why in the log."), {}
        )
        raise  # django-tasks records it failed, with the traceback (django-tasks-db's row, in the admin)
    else:
        _finish(task, Task.Status.DONE, str(result.get("message", "")), result)
    return True


def _finish(task: Task, status: str, message: str, result: dict[str, Any]) -> None:
    Task.objects.filter(pk=task.pk).update(status=status, message=message, result=result, finished_at=timezone.now())
    _remove_files(task)


# Files


def keep_upload(upload: UploadedFile, kind: str) -> str:
    """A copy of an uploaded file under MEDIA_ROOT/uploads/<app>, for a task of ``kind`` to read; the task removes it."""
    target = Path(settings.MEDIA_ROOT) / "uploads" / kind.split(".")[0]
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{uuid4().hex}{Path(upload.name or '').suffix.lower()}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return str(path)


def work_folder() -> Path | None:
    """The work folder of the task running here (None outside a task): removed with the task, even a dead one."""
    task_id = _running.get()
    if task_id is None:
        return None
    folder = work_folder_of(task_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def work_folder_of(task_id: Any) -> Path:
    return Path(settings.CCHC_WORK_DIR) / str(task_id)


def _remove_files(task: Task) -> None:
    shutil.rmtree(work_folder_of(task.pk), ignore_errors=True)
    upload = _upload_keys(task)
    if upload and task.payload.get(upload[0]):
        Path(task.payload[upload[0]]).unlink(missing_ok=True)
    cache.delete(_key(task.pk))


# Signs of life


@contextmanager
def _alive(task: Task) -> Iterator[None]:
    """While the handler runs: a thread beats for it, and the engine finds the task's work folder."""
    stop = threading.Event()
    beating = threading.Thread(target=_beat, args=(task.pk, stop), name=f"cchc-task-{task.pk}", daemon=True)
    beating.start()
    token = _running.set(task.pk)
    try:
        yield
    finally:
        _running.reset(token)
        stop.set()
        beating.join()


def _beat(task_id: Any, stop: threading.Event) -> None:
    interval = max(0.2, settings.CCHC_TASKS_DEAD_AFTER / 4)
    while True:
        try:
            cache.set(_alive_key(task_id), time.time(), PROGRESS_TTL)
        except Exception:  # a missed beat is not fatal; enough of them make the task look dead
            log.warning("task %s: could not record a sign of life", task_id, exc_info=True)
        if stop.wait(interval):
            return


def _alive_key(task_id: Any) -> str:
    return f"cchc:task:{task_id}:alive"


def found_dead(task: Task) -> bool:
    """Fail a running task whose worker stopped beating more than CCHC_TASKS_DEAD_AFTER seconds ago."""
    if task.status != Task.Status.RUNNING or not _silent(task):
        return False
    message = _(
        "The work stopped before the end: the process running it is gone (the server restarted or ran out "
        "of memory). Nothing of it was kept and its files were removed; you can start it again."
    )
    dead = Task.objects.filter(pk=task.pk, status=Task.Status.RUNNING).update(
        status=Task.Status.FAILED, message=message, finished_at=timezone.now()
    )
    if dead:
        log.warning("task %s (%s): its worker died; failed", task.pk, task.kind)
        _fail_job(task)
        _remove_files(task)
    task.refresh_from_db()
    return bool(dead)


def _silent(task: Task) -> bool:
    last = cache.get(_alive_key(task.pk))
    if last is None:  # never beat (or the cache was cleared): counted from its start
        last = task.started_at.timestamp() if task.started_at else time.time()
    return time.time() - last > settings.CCHC_TASKS_DEAD_AFTER


def _fail_job(task: Task) -> None:
    """django-tasks-db's row of a dead task says failed too, instead of running for ever."""
    if isinstance(run.get_backend(), DatabaseBackend) and task.job_id:
        DBTaskResult.objects.filter(id=task.job_id, status="RUNNING").update(
            status="FAILED",
            finished_at=timezone.now(),
            exception_class_path="cchc.core.tasks.WorkerDied",
            traceback="The worker running this task died (no sign of life); failed by cchc.core.tasks.found_dead.",
        )


def fail_dead() -> int:
    """Fail every running task found dead (a worker's sweep); returns how many."""
    running = Task.objects.filter(status=Task.Status.RUNNING)
    return sum(found_dead(task) for task in running)


def sweep_forever(stop: threading.Event) -> None:
    """A worker's thread: look for dead tasks twice per CCHC_TASKS_DEAD_AFTER until stopped."""
    while not stop.wait(settings.CCHC_TASKS_DEAD_AFTER / 2):
        try:
            fail_dead()
        except Exception:
            log.exception("the sweep for dead tasks failed")
        finally:
            connection.close()


# Starting again


def restart(task: Task, upload: UploadedFile | None = None) -> Task:
    """A failed task's work as a new task of the same user; a task that read an upload needs the file again
    (it was removed when the task failed)."""
    payload = dict(task.payload)
    keys = _upload_keys(task)
    if keys:
        if upload is None:
            raise InputError(_("Choose the file again: it was removed when the task stopped."))
        if upload.size is not None and upload.size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise InputError(_("The file is too large."))
        payload[keys[0]] = keep_upload(upload, task.kind)
        payload[keys[1]] = upload.name
    return enqueue(task.kind, user=task.user, agency=task.agency, payload=payload, label=task.label)


def can_restart(task: Task, user: Any) -> bool:
    return task.status == Task.Status.FAILED and task.user_id == user.pk


def needs_file(task: Task) -> bool:
    return _upload_keys(task) is not None


# Progress


def _key(task_id: Any) -> str:
    return f"cchc:task:{task_id}"


def store_progress(task_id: Any, done: int, total: int, message: str) -> None:
    cache.set(_key(task_id), {"done": done, "total": total, "message": message}, PROGRESS_TTL)


def progress(task: Task) -> dict[str, Any]:
    """done, total, percent and message of a task, whether running or finished."""
    if task.finished:
        total = int(task.result.get("total", 0) or 0)
        return {"done": total, "total": total, "percent": 100, "message": task.message}
    state = cache.get(_key(task.pk)) or {"done": 0, "total": 0, "message": ""}
    percent = int(100 * state["done"] / state["total"]) if state["total"] else 0
    return {**state, "percent": min(percent, 99)}
