"""Conclusion notices with their directives (thông báo kết luận, ``seeds/000``) and PAR inspections
(kiểm tra CCHC, DESIGN §5.6): inspection plans, inspections of agencies, findings (tồn tại, hạn chế)
and their remediation (khắc phục), each finding a task of the inspected agency in a plan.

Scope: a conclusion is seen by the readers of its issuing agency and of the agencies its directives
address; an inspection, its findings and their remediation by the readers of the inspected agency
(the province's coordinators, inspectors and viewers, with their grants on the whole province, see
all of them; another agency sees nothing). Appraisers hold no reader's role here.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cchc.accounts.roles import ALL_ROLES, Role
from cchc.core.scope import VIEW, ScopedQuerySet, agency_q
from cchc.plans.models import Area

# Who reads inspections (every role but the appraisers'), who records them, who reports remediation.
READERS = frozenset({Role.FOCAL, Role.HEAD, Role.COORDINATOR, Role.INSPECTOR, Role.VIEWER})
INSPECT = "inspect"
REMEDY = "remedy"
INSPECTION_ROLES = {
    VIEW: READERS,
    INSPECT: frozenset({Role.INSPECTOR, Role.COORDINATOR}),
    REMEDY: frozenset({Role.FOCAL, Role.HEAD}),
}
COORDINATE = "coordinate"


def _restricted(queryset: Any, condition: Q | None, user: Any, action: str) -> Any:
    narrowed = queryset.all() if condition is None else queryset.filter(condition)
    narrowed.restricted_for = (user, action)
    return narrowed


def _union(*conditions: Q | None) -> Q | None:
    if any(c is None for c in conditions):
        return None
    union = Q(pk__in=[])
    for condition in conditions:
        union |= condition  # type: ignore[operator]
    return union


# Conclusions


class ConclusionQuerySet(ScopedQuerySet):
    def restrict(self, user: Any, action: str = VIEW) -> Self:
        """View: readers of the issuing agency, of an addressed agency or of a task's lead agency.
        Coordinate: the issuer's coordinators."""
        if action == VIEW:
            addressed = agency_q(user, ALL_ROLES, "addressees")
            through = None if addressed is None else Q(pk__in=Directive.objects.filter(addressed).values("conclusion"))
            # The lead agency of a task made from a directive reads the directive its task comes from.
            leads = agency_q(user, ALL_ROLES, "task__lead_agency")
            tasked = (
                None if leads is None else Q(pk__in=DirectiveTask.objects.filter(leads).values("directive__conclusion"))
            )
            return _restricted(self, _union(agency_q(user, ALL_ROLES, "agency"), through, tasked), user, action)
        return _restricted(self, agency_q(user, {Role.COORDINATOR}, "agency"), user, action)


class Conclusion(models.Model):
    """A conclusion notice (thông báo kết luận) of a leader, e.g. of the conference closing a PAR year."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="conclusions", verbose_name=_("issuing agency")
    )
    number = models.CharField(_("number and symbol"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    signer = models.CharField(
        _("concluded by"), max_length=200, blank=True, help_text=_("the leader, e.g. the chairman")
    )
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConclusionQuerySet.as_manager()

    class Meta:
        verbose_name = _("conclusion notice")
        verbose_name_plural = _("conclusion notices")
        ordering = ["-issued_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="conclusion_unique_number")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:conclusion", args=[self.pk])


class DirectiveQuerySet(ScopedQuerySet):
    def restrict(self, user: Any, action: str = VIEW) -> Self:
        conclusions = Conclusion.objects.restrict(user, action).values("pk")
        return _restricted(self, Q(conclusion__in=conclusions), user, action)


class Directive(models.Model):
    """One numbered directive (nhiệm vụ, giải pháp) of a conclusion notice; it becomes tasks."""

    conclusion = models.ForeignKey(
        Conclusion, on_delete=models.CASCADE, related_name="directives", verbose_name=_("conclusion notice")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"))
    addressees = models.ManyToManyField(
        "agencies.Agency", blank=True, related_name="directives", verbose_name=_("addressed agencies")
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    area = models.CharField(_("PAR area"), max_length=30, choices=Area.choices, blank=True)
    tasks: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "plans.Task", through="DirectiveTask", related_name="directives", verbose_name=_("tasks")
    )

    objects = DirectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["conclusion", "number"]
        constraints = [models.UniqueConstraint(fields=["conclusion", "number"], name="directive_unique_number")]

    def __str__(self) -> str:
        return f"{self.conclusion.number}, {self.number}: {self.text[:80]}"


class DirectiveTask(models.Model):
    """A task made from a directive: the link back (a task comes from one directive at most)."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="links")
    task = models.OneToOneField("plans.Task", on_delete=models.CASCADE, related_name="directive_link")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("task of a directive")
        verbose_name_plural = _("tasks of directives")

    def __str__(self) -> str:
        return f"{self.directive} → {self.task}"


# Inspections


class Scope(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive")
    THEMATIC = "thematic", _("Thematic")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("Being inspected")
    CONCLUDED = "concluded", _("Concluded")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RemediationStatus(models.TextChoices):
    OPEN = "open", _("To remedy")
    REPORTED = "reported", _("Reported, awaiting verification")
    VERIFIED = "verified", _("Remedied (verified)")


class InspectionPlanQuerySet(ScopedQuerySet):
    def restrict(self, user: Any, action: str = VIEW) -> Self:
        """The inspecting agency's readers, and whoever sees one of the plan's inspections."""
        roles = INSPECTION_ROLES.get(action, frozenset())
        if action != VIEW:
            return _restricted(self, agency_q(user, roles, "agency"), user, action)
        seen = agency_q(user, roles, "agency")
        inspected = agency_q(user, roles, "agency")
        through = None if inspected is None else Q(pk__in=Inspection.objects.filter(inspected).values("plan"))
        return _restricted(self, _union(seen, through), user, action)


class InspectionPlan(models.Model):
    """A year's PAR inspection plan (kế hoạch kiểm tra CCHC) of an inspecting agency (Sở Nội vụ, UBND tỉnh).

    The remediation of its findings are tasks of the inspected agencies in ``task_plan`` (a plan of the
    inspecting agency made for it when none is chosen)."""

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="inspection_plans",
        verbose_name=_("inspecting agency"),
    )
    number = models.CharField(_("number and symbol"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=500)
    task_plan = models.ForeignKey(
        "plans.Plan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspection_plans",
        verbose_name=_("plan of the remediation tasks"),
    )

    objects = InspectionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-year", "pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip() if self.number else self.title


class Inspection(models.Model):
    """An inspection of one agency in a plan: comprehensive (toàn diện) or thematic (chuyên đề)."""

    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("inspection plan")
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("inspected agency")
    )
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices, default=Scope.COMPREHENSIVE)
    theme = models.CharField(_("theme"), max_length=300, blank=True, help_text=_("of a thematic inspection"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="inspections", verbose_name=_("inspection team")
    )
    team_note = models.CharField(_("team (others)"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    conclusion = models.TextField(_("conclusion of the inspection"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    scope_roles = INSPECTION_ROLES

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["plan", "starts_on", "agency__path"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="inspection_dates_in_order"),
            models.CheckConstraint(
                condition=Q(scope="comprehensive") | ~Q(theme=""), name="inspection_thematic_has_theme"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency.name} ({self.starts_on:%d/%m/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("inspections:inspection", args=[self.pk])


class Finding(models.Model):
    """A finding (tồn tại, hạn chế) of an inspection, remedied as a task of the inspected agency.

    Its remediation is open until the agency reports it (``reported``, with text and evidence), and
    closed (``verified``) only when an inspector or a coordinator verifies it; a report sent back opens
    it again. Overdue: not verified and the deadline passed."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="findings", verbose_name=_("inspection")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("finding"))
    category = models.CharField(_("category"), max_length=30, choices=Area.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    found_on = models.DateField(_("found on"), default=timezone.localdate)
    deadline = models.DateField(_("remediation deadline"))
    status = models.CharField(
        _("remediation status"), max_length=10, choices=RemediationStatus.choices, default=RemediationStatus.OPEN
    )
    remedied_on = models.DateField(
        _("remedied on"), null=True, blank=True, help_text=_("the day the agency reported it done, once verified")
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    task = models.OneToOneField(
        "plans.Task",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="finding",
        verbose_name=_("remediation task"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "inspection__agency"
    scope_roles = INSPECTION_ROLES

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "number"], name="finding_unique_number"),
            models.CheckConstraint(
                condition=Q(status="verified", remedied_on__isnull=False, verified_on__isnull=False)
                | (~Q(status="verified") & Q(remedied_on__isnull=True, verified_on__isnull=True)),
                name="finding_verified_has_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspection.agency.code} {self.number}: {self.text[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:finding", args=[self.pk])

    def is_overdue(self, day: Any) -> bool:
        return self.status != RemediationStatus.VERIFIED and self.deadline < day


class StepKind(models.TextChoices):
    REPORTED = "reported", _("reported remediation")
    VERIFIED = "verified", _("verified")
    RETURNED = "returned", _("sent back")


class RemediationStep(models.Model):
    """One step of a finding's remediation: the agency's report (text, the day it was done, evidence),
    an inspector's verification, or a report sent back with the reason."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="steps", verbose_name=_("finding"))
    kind = models.CharField(_("step"), max_length=10, choices=StepKind.choices)
    text = models.TextField(_("text"), blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "finding__inspection__agency"
    scope_roles = INSPECTION_ROLES

    class Meta:
        verbose_name = _("remediation step")
        verbose_name_plural = _("remediation steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.finding}: {self.get_kind_display()}"


def evidence_path(instance: RemediationEvidence, filename: str) -> str:
    return f"remediation/{instance.step.finding_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class RemediationEvidence(models.Model):
    """An evidence file of a remediation report (type and size checked as for PAR evidence)."""

    step = models.ForeignKey(RemediationStep, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "step__finding__inspection__agency"
    scope_roles = INSPECTION_ROLES

    class Meta:
        verbose_name = _("remediation evidence")
        verbose_name_plural = _("remediation evidence")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
