"""Background tasks: heavy work runs outside the request, and the person who started it watches it.

    @register("dossiers.import")
    def import_dossiers(task: Task, path: str) -> dict: ...   # calls task.report(done, total)
    task = enqueue("dossiers.import", user=request.user, payload={"path": path}, label="…")
    return redirect(task)                                       # progress page

How a queued task runs depends on CCHC_TASKS_MODE: ``eager`` runs it inside ``enqueue`` (tests),
``thread`` in a thread of the web process once the request's transaction commits (development and
the demo), ``worker`` leaves it to ``cchc run_tasks`` processes (production; several may run on
several servers: claiming a task is one conditional UPDATE, so each task runs once).
A handler that raises ``InputError`` fails the task with that one-line message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from cchc.core.models import Task
from cchc.core.tabular import InputError

log = logging.getLogger(__name__)
Handler = Callable[..., dict[str, Any] | None]
_HANDLERS: dict[str, Handler] = {}
PROGRESS_TTL = 24 * 3600


def register(kind: str) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return decorator


def handler_for(kind: str) -> Handler:
    if kind not in _HANDLERS:
        autodiscover_modules("tasks")
    return _HANDLERS[kind]


def enqueue(kind: str, *, user: Any, payload: dict[str, Any], label: str, agency: Any = None) -> Task:
    handler_for(kind)  # an unknown kind is a programming error: fail now, not in the background
    task = Task.objects.create(kind=kind, user=user, agency=agency, payload=payload, label=label[:255])
    mode = settings.CCHC_TASKS_MODE
    if mode == "eager":
        run_task(task.pk)
        task.refresh_from_db()
    elif mode == "thread":
        transaction.on_commit(lambda: threading.Thread(target=_run_in_thread, args=(task.pk,), daemon=True).start())
    return task


def _run_in_thread(task_id: Any) -> None:
    try:
        run_task(task_id)
    finally:
        connection.close()


def run_task(task_id: Any) -> bool:
    """Claim and run one queued task; False if someone else claimed it first."""
    claimed = Task.objects.filter(pk=task_id, status=Task.Status.QUEUED).update(
        status=Task.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return False
    task = Task.objects.get(pk=task_id)
    try:
        result = handler_for(task.kind)(task, **task.payload) or {}
    except InputError as exc:
        _finish(task, Task.Status.FAILED, exc.one_line(), {})
    except Exception:
        log.exception("task %s (%s) failed", task.pk, task.kind)
        _finish(
            task, Task.Status.FAILED, _("The task failed unexpectedly; the administrator can see why in the log."), {}
        )
    else:
        _finish(task, Task.Status.DONE, str(result.get("message", "")), result)
    return True


def _finish(task: Task, status: str, message: str, result: dict[str, Any]) -> None:
    Task.objects.filter(pk=task.pk).update(status=status, message=message, result=result, finished_at=timezone.now())
    cache.delete(_key(task.pk))


def run_queued(limit: int | None = None) -> int:
    """Run queued tasks oldest first (the worker's loop body); returns how many ran here."""
    ran = 0
    for task_id in Task.objects.filter(status=Task.Status.QUEUED).order_by("created_at").values_list("pk", flat=True):
        ran += run_task(task_id)
        if limit is not None and ran >= limit:
            break
    return ran


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
