""" "My tasks" (nhiệm vụ của tôi): the tasks led or co-operated by the agencies the user holds a role on.

A user's agencies are those of its own grants, not the agencies below them (a provincial coordinator's
"my tasks" are those of the province's office, not of every commune): the plan pages show the rest.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cchc.core.scope import SYSTEM
from cchc.plans.models import Task, TaskStatus


def my_agencies(user: Any) -> list[int]:
    """The agencies of the user's own grants (not the agencies below them: those are theirs)."""
    if user is SYSTEM or not user.is_authenticated:
        return []
    return sorted({g.agency_id for g in user.grants.all()})


def my_tasks(user: Any, agencies: list[int]) -> QuerySet[Task]:
    """The countable tasks (no recurring series) led or co-operated by ``agencies``, in ``user``'s scope.

    The ids are read first, each through its own index (lead agency; the co-operating link's agency):
    "led by X or co-operated by X" as one condition makes PostgreSQL scan every task of the plans."""
    led = Task.objects.filter(lead_agency__in=agencies).order_by().values_list("pk", flat=True)
    co = Task.co_agencies.through.objects.filter(agency_id__in=agencies).order_by().values_list("task_id", flat=True)
    ids = sorted(set(led) | set(co))
    return Task.objects.restrict(user).countable().filter(pk__in=ids)


def my_tasks_summary(user: Any) -> dict[str, int] | None:
    """For the home page: how many of the user's tasks are not done, and overdue (None without agencies)."""
    agencies = my_agencies(user)
    if not agencies:
        return None
    today = timezone.localdate()
    return (
        my_tasks(user, agencies)
        .filter(status=TaskStatus.OPEN)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=today)))
    )
