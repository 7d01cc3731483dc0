"""PAR plans (kế hoạch CCHC) and their tasks (nhiệm vụ), DESIGN §5.1.

Scope: a plan is seen by the readers of its issuing agency; a task by the readers of its lead agency
(đơn vị chủ trì), of its co-operating agencies (đơn vị phối hợp) and of its plan's agency. A plan is
also seen by whoever sees one of its tasks, so that an agency finds the plan that gives it work.
"""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cchc.core.scope import VIEW, ScopedQuerySet, agency_q


class Area(models.TextChoices):
    """PAR areas (lĩnh vực CCHC) of DESIGN §5.1."""

    DIRECTION = "direction", _("Direction and management")
    INSTITUTIONS = "institutions", _("Institutional reform")
    PROCEDURES = "procedures", _("Administrative procedure reform")
    ORGANISATION = "organisation", _("Organisational reform")
    CIVIL_SERVICE = "civil_service", _("Civil service reform")
    PUBLIC_FINANCE = "public_finance", _("Public finance reform")
    DIGITAL_GOVERNMENT = "digital_government", _("E-government and digital government")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Not done")
    DONE = "done", _("Done")


def _or(*conditions: Q | None) -> Q | None:
    """The union of scope conditions; None ("everything") if any is."""
    if any(c is None for c in conditions):
        return None
    union = Q(pk__in=[])
    for condition in conditions:
        union |= condition  # type: ignore[operator]
    return union


def _roles(model: type[models.Model], action: str) -> Any:
    from cchc.accounts.roles import ALL_ROLES

    return getattr(model, "scope_roles", {}).get(action, ALL_ROLES if action == VIEW else frozenset())


class TaskQuerySet(ScopedQuerySet):
    def visible_q(self, user: Any, action: str = VIEW) -> Q | None:
        """Tasks whose lead agency, a co-operating agency or the plan's agency the user reads."""
        roles = _roles(Task, action)
        co = agency_q(user, roles, "co_agencies")
        co_ids = None if co is None else Q(pk__in=Task.objects.filter(co).values("pk"))
        return _or(agency_q(user, roles, "lead_agency"), agency_q(user, roles, "plan__agency"), co_ids)

    def restrict(self, user: Any, action: str = VIEW) -> Self:
        condition = self.visible_q(user, action)
        narrowed = self.all() if condition is None else self.filter(condition)
        narrowed.restricted_for = (user, action)
        return narrowed


class PlanQuerySet(ScopedQuerySet):
    def restrict(self, user: Any, action: str = VIEW) -> Self:
        tasks = Task.objects.visible_q(user, action)
        own = agency_q(user, _roles(Plan, action), "agency")
        through_tasks = None if tasks is None else Q(pk__in=Task.objects.filter(tasks).values("plan_id"))
        condition = _or(own, through_tasks)
        narrowed = self.all() if condition is None else self.filter(condition)
        narrowed.restricted_for = (user, action)
        return narrowed


class Plan(models.Model):
    """A year's PAR plan of an issuing agency ("Kế hoạch cải cách hành chính năm 2026", 45/KH-UBND)."""

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="plans", verbose_name=_("issuing agency")
    )
    number = models.CharField(_("number and symbol"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=500)
    objectives = models.TextField(_("objectives"), blank=True)

    objects = PlanQuerySet.as_manager()
    scope_agency_field = "agency"

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-year", "agency__path", "number"]
        constraints = [
            # One plan per agency, year and number: the import finds "the" plan of (year, agency, "").
            models.UniqueConstraint(fields=["year", "agency", "number"], name="plan_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip() if self.number else self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:detail", args=[self.pk])


class Task(models.Model):
    """One task of a plan, with exactly one lead agency ("mỗi nhiệm vụ chỉ giao cho một người chủ trì")."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("plan"))
    task_code = models.CharField(_("task code"), max_length=40)
    title = models.TextField(_("title"))
    area = models.CharField(_("PAR area"), max_length=30, choices=Area.choices, db_index=True)
    lead_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("lead agency")
    )
    co_agencies = models.ManyToManyField(
        "agencies.Agency", blank=True, related_name="co_tasks", verbose_name=_("co-operating agencies")
    )
    deadline = models.DateField(_("deadline"))
    product = models.TextField(_("expected product"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()
    scope_agency_field = "lead_agency"

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["plan", "task_code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "task_code"], name="task_unique_code_per_plan"),
            models.CheckConstraint(
                condition=(Q(status="done") & Q(completed_on__isnull=False))
                | (Q(status="open") & Q(completed_on__isnull=True)),
                name="task_completed_on_follows_status",
            ),
        ]
        indexes = [models.Index(fields=["lead_agency", "deadline"])]

    def __str__(self) -> str:
        return f"{self.task_code}: {self.title[:80]}"
