"""PAR plans (kế hoạch CCHC) and their tasks (nhiệm vụ), DESIGN §5.1.

Scope: a plan is seen by the readers of its issuing agency; a task by the readers of its lead agency
(đơn vị chủ trì), of its co-operating agencies (đơn vị phối hợp) and of its plan's agency. A plan is
also seen by whoever sees one of its tasks, so that an agency finds the plan that gives it work.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cchc.core.formatting import format_number
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


class Recurrence(models.TextChoices):
    """How a recurring task (a series, "báo cáo quý") repeats; its occurrences are ordinary tasks."""

    NONE = "", _("Does not repeat")
    REPORTING = "reporting", _("Each reporting period")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


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
    def countable(self) -> Self:
        """Tasks that are work to do: not the series of a recurring task (its occurrences are counted,
        reminded and listed instead, so nothing is counted twice)."""
        return self.filter(recurrence=Recurrence.NONE)

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
    # A series (recurrence set) is the rule of a recurring task; its occurrences are tasks with ``series``
    # set and ``occurrence`` the period they are for (Q1, H1, T03, …): NV-05/Q1.
    recurrence = models.CharField(
        _("repeats"), max_length=12, choices=Recurrence.choices, default=Recurrence.NONE, blank=True
    )
    recurrence_day = models.PositiveSmallIntegerField(
        _("day of the period's last month"), null=True, blank=True, help_text=_("1–31; the month's last day if shorter")
    )
    series = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="occurrences",
        verbose_name=_("recurring series"),
    )
    occurrence = models.CharField(_("period"), max_length=10, blank=True)

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
            # One occurrence per series and period: generating twice adds nothing.
            models.UniqueConstraint(
                fields=["series", "occurrence"],
                condition=Q(series__isnull=False),
                name="task_one_occurrence_per_period",
            ),
        ]
        indexes = [models.Index(fields=["lead_agency", "deadline"])]

    def __str__(self) -> str:
        return f"{self.task_code}: {self.title[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("plans:task", args=[self.pk])

    @property
    def is_series(self) -> bool:
        return self.recurrence != Recurrence.NONE

    def outcome(self, today: date) -> str:
        """As the statistics count it on ``today``: done_on_time, done_late, open_overdue or open_in_time."""
        if self.status == TaskStatus.DONE and self.completed_on is not None:
            return "done_on_time" if self.completed_on <= self.deadline else "done_late"
        return "open_overdue" if self.deadline < today else "open_in_time"


class TaskUpdateQuerySet(ScopedQuerySet):
    def restrict(self, user: Any, action: str = VIEW) -> Self:
        """The updates and parts of the tasks the user sees."""
        narrowed = self.filter(task__in=Task.objects.restrict(user, action).values("pk"))
        narrowed.restricted_for = (user, action)
        return narrowed


class TaskUpdate(models.Model):
    """A progress update of the lead agency (báo cáo tiến độ) or a co-operating agency's part (phần
    phối hợp) on a task: a text, a percentage (progress only), evidence files; one may report the task done."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("Progress update")
        PART = "part", _("Co-operating agency's part")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates", verbose_name=_("task"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="task_updates", verbose_name=_("agency")
    )
    text = models.TextField(_("content"))
    percent = models.DecimalField(_("progress (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    completed_on = models.DateField(_("reported done on"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("posted by")
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    objects = TaskUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("task update")
        verbose_name_plural = _("task updates")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                name="task_update_percent_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.task_code} · {self.get_kind_display()} · {self.agency}"

    @property
    def percent_text(self) -> str:
        """45 → "45%", 45.5 → "45,5%" (the reader's separators)."""
        if self.percent is None:
            return ""
        exponent = int(self.percent.normalize().as_tuple().exponent)
        return format_number(self.percent, max(0, -exponent)) + "%"


def task_file_path(instance: TaskFile, filename: str) -> str:
    task = instance.update.task
    return f"tasks/{task.plan.year}/{task.lead_agency.code}/{filename}"


class TaskFileQuerySet(ScopedQuerySet):
    def restrict(self, user: Any, action: str = VIEW) -> Self:
        narrowed = self.filter(update__task__in=Task.objects.restrict(user, action).values("pk"))
        narrowed.restricted_for = (user, action)
        return narrowed


class TaskFile(models.Model):
    """An evidence file of a progress update or a part (checked as the PAR index's evidence)."""

    update = models.ForeignKey(TaskUpdate, on_delete=models.CASCADE, related_name="files", verbose_name=_("update"))
    file = models.FileField(_("file"), upload_to=task_file_path)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"), default=0)

    objects = TaskFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("task evidence file")
        verbose_name_plural = _("task evidence files")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("plans:file", args=[self.pk])
