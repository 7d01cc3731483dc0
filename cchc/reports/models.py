"""Periodic reports (báo cáo định kỳ): forms, the reporting calendar, each agency's report and its history (DESIGN §5.3).

A **form** (``ReportForm``) is versioned per year: sections of numeric, text and table fields, and
rules over the fields, hard (block submission) or soft (need a written justification). A **period**
(``ReportingPeriod``) is a quarter, six months, nine months or a year with its data cut-off range and
deadline; opening it for blocks freezes the **expected set** (``ExpectedReport``, one row per agency
owed a report, with its block). Each agency's **report** (``Report``) carries its values as one JSON
object keyed by field code, a version for the whole report and one per field (so that two people or
two tabs editing different fields merge, and the same field never silently overwrites), and its
state. Every state change is a ``ReportEvent`` row; the reasons of a return are ``ReturnNote`` rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, Block
from cchc.core.scope import ScopedQuerySet

COORDINATORS = frozenset({Role.COORDINATOR})
READERS = frozenset({Role.COORDINATOR, Role.VIEWER, Role.INSPECTOR, Role.APPRAISER})
# Actions an agency's report is restricted by (ScopedQuerySet.restrict(user, action)).
REPORT_ROLES = {
    "view": frozenset({Role.FOCAL, Role.HEAD}) | READERS,
    "edit": frozenset({Role.FOCAL, Role.HEAD}),
    "submit": frozenset({Role.HEAD}),
    "coordinate": COORDINATORS,
}


class PeriodKind(models.TextChoices):
    """The reporting regime's periods; the code is what ``--period`` writes after the year."""

    Q1 = "Q1", _("Quarter I")
    Q2 = "Q2", _("Quarter II")
    Q3 = "Q3", _("Quarter III")
    Q4 = "Q4", _("Quarter IV")
    HALF = "H1", _("Six months")
    NINE = "9M", _("Nine months")
    YEAR = "Y", _("Year")


class FieldKind(models.TextChoices):
    NUMBER = "number", _("Number")
    TEXT = "text", _("Text")
    TABLE = "table", _("Table")


class RuleStrength(models.TextChoices):
    HARD = "hard", _("Hard: blocks submission")
    SOFT = "soft", _("Soft: needs a written justification")


class ReportForm(models.Model):
    """A report form (biểu mẫu báo cáo) of one year, in a numbered version."""

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=255)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # A form is configuration and holds no agency's data: every signed-in person reads it.

    class Meta:
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")
        ordering = ["-year", "code", "-version"]
        constraints = [models.UniqueConstraint(fields=["year", "code", "version"], name="unique_form_version")]

    def __str__(self) -> str:
        return f"{self.name} ({self.year}, v{self.version})"


class FormSection(models.Model):
    """A section of a form: "I. Công tác chỉ đạo, điều hành"; level 2 for a part within the section above it."""

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="sections")
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=255)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("form section")
        verbose_name_plural = _("form sections")
        ordering = ["form", "order"]
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="unique_section_code_per_form")]

    def __str__(self) -> str:
        return self.title


class FormField(models.Model):
    """A field of a form. A number or text field holds one value; a table field holds rows of its ``columns``
    (``[{"code", "label", "kind"}]``). ``prefill`` names a figure the system holds (``cchc.reports.prefill``):
    such a field is filled by the system, read-only, with its source."""

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="fields")
    section = models.ForeignKey(FormSection, on_delete=models.CASCADE, related_name="fields")
    code = models.CharField(_("code"), max_length=60)
    label = models.CharField(_("label"), max_length=500)
    kind = models.CharField(_("kind"), max_length=10, choices=FieldKind.choices, default=FieldKind.TEXT)
    required = models.BooleanField(_("required"), default=False)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    help_text = models.CharField(_("help"), max_length=500, blank=True)
    prefill = models.CharField(_("filled by the system from"), max_length=60, blank=True)
    columns = models.JSONField(_("table columns"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["form", "order"]
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="unique_field_code_per_form")]

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"


class FormRule(models.Model):
    """A validation rule over fields, e.g. ``resolved = early + on_time + late`` (``cchc.reports.rules``)."""

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(_("code"), max_length=40)
    expression = models.CharField(_("expression"), max_length=500)
    strength = models.CharField(_("strength"), max_length=4, choices=RuleStrength.choices, default=RuleStrength.HARD)
    message = models.CharField(_("message"), max_length=500)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        ordering = ["form", "order"]
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="unique_rule_code_per_form")]

    def __str__(self) -> str:
        return f"{self.code}: {self.expression}"


class ReportingPeriod(models.Model):
    """A reporting period (kỳ báo cáo) of a coordinating agency: its data cut-off range and deadline.

    ``opened_at`` is set when the coordinator opens it for blocks; the expected set is frozen then."""

    owner = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="reporting_periods")
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    kind = models.CharField(_("period"), max_length=2, choices=PeriodKind.choices)
    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="periods", verbose_name=_("form"))
    cutoff_start = models.DateField(_("data from"))
    cutoff_end = models.DateField(_("data until"))
    deadline = models.DateField(_("deadline"))
    blocks = models.ManyToManyField(Block, blank=True, related_name="reporting_periods", verbose_name=_("blocks"))
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # The calendar holds no agency's data: every signed-in person reads it (``objects.all()``), and the
    # reports in it are scoped. ``restrict(user, "coordinate")``: the periods a user runs (the owner's
    # coordinators).
    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "owner"
    scope_roles = {"coordinate": COORDINATORS}

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["-year", "cutoff_end"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "year", "kind"], name="unique_period_per_owner"),
            models.CheckConstraint(condition=Q(cutoff_end__gte=F("cutoff_start")), name="period_cutoff_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}"

    @property
    def code(self) -> str:
        """``2026-Q1``, ``2026-H1``, ``2026-9M`` or ``2026``, as ``--period`` writes it."""
        return str(self.year) if self.kind == PeriodKind.YEAR else f"{self.year}-{self.kind}"


class ExpectedReport(models.Model):
    """An agency owed a report for a period, frozen when the period opened, with the block it was in then."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="expected")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    scope_roles = {"view": frozenset(REPORT_ROLES["view"])}

    class Meta:
        verbose_name = _("expected report")
        verbose_name_plural = _("expected reports")
        constraints = [models.UniqueConstraint(fields=["period", "agency"], name="one_expectation_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency} — {self.period}"


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")


class Report(models.Model):
    """One agency's report for one period.

    ``values`` maps field codes to values (a number as a string of digits, a text, a table as a list of
    row objects); ``field_versions`` maps each field code to the report version that last changed it.
    ``prefilled`` is the snapshot of the system's figures taken at submission (code → {value, text, source}).
    ``returned_values`` keeps the values as they were returned, so a resubmission shows what changed."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="reports")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="reports")
    state = models.CharField(_("state"), max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    values = models.JSONField(_("values"), default=dict, blank=True)
    field_versions = models.JSONField(default=dict, blank=True)
    justifications = models.JSONField(_("justifications"), default=dict, blank=True)
    prefilled = models.JSONField(_("figures of the system"), default=dict, blank=True)
    returned_values = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    scope_roles = REPORT_ROLES

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["period", "agency__path"]
        constraints = [models.UniqueConstraint(fields=["period", "agency"], name="one_report_per_agency_period")]
        indexes = [models.Index(fields=["agency", "state"], name="report_agency_state")]

    def __str__(self) -> str:
        return f"{self.agency} — {self.period}"

    @property
    def submitted_on_time(self) -> bool | None:
        """On time when first submitted on or before the deadline (local date); None while never submitted."""
        if self.first_submitted_at is None:
            return None
        return timezone.localdate(self.first_submitted_at) <= self.period.deadline

    @property
    def locked(self) -> bool:
        return self.state in (ReportState.SUBMITTED, ReportState.ACCEPTED)


class ReportEvent(models.Model):
    """A step of a report's history (lịch sử): who moved it from which state to which, when and why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("submitted")
        RESUBMIT = "resubmit", _("resubmitted")
        RETURN = "return", _("returned")
        ACCEPT = "accept", _("accepted")
        REOPEN = "reopen", _("reopened")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    from_state = models.CharField(max_length=10, choices=ReportState.choices)
    to_state = models.CharField(max_length=10, choices=ReportState.choices)
    reason = models.TextField(_("reason"), blank=True)
    values = models.JSONField(default=dict, blank=True, help_text=_("the values as they stood at this step"))

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["report", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.report}: {self.get_action_display()}"


class ReturnNote(models.Model):
    """What needs work in a returned report: a field or a section (``target`` is its code) and why."""

    event = models.ForeignKey(ReportEvent, on_delete=models.CASCADE, related_name="notes")
    target = models.CharField(_("field or section"), max_length=60)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("return note")
        verbose_name_plural = _("return notes")
        ordering = ["event", "pk"]

    def __str__(self) -> str:
        return f"{self.target}: {self.reason}"
