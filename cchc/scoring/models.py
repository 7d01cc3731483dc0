"""PAR index (Chỉ số CCHC): frameworks, self-assessment, appraisal, explanation and ranking (DESIGN §5.4, §7)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, Block
from cchc.core.scope import ScopedQuerySet

COORDINATORS = frozenset({Role.COORDINATOR})
READERS = frozenset({Role.COORDINATOR, Role.VIEWER, Role.APPRAISER, Role.INSPECTOR})
# Workflow actions an agency's assessment is restricted by (ScopedQuerySet.restrict(user, action)).
ASSESSMENT_ROLES = {
    "view": frozenset({Role.FOCAL, Role.HEAD}) | READERS,
    "self_assess": frozenset({Role.FOCAL}),
    "submit": frozenset({Role.HEAD}),
    "explain": frozenset({Role.FOCAL, Role.HEAD}),
    "appraise": frozenset({Role.APPRAISER}),
    "coordinate": COORDINATORS,
}


class Method(models.TextChoices):
    MANUAL = "manual", _("Manual (self-score, then appraisal)")
    COMPUTED = "computed", _("Computed from the system's data")
    SURVEY = "survey", _("Satisfaction survey")
    DEDUCTION = "deduction", _("Deduction")


class Source(models.TextChoices):
    """Figures a computed criterion reads (``cchc.scoring.sources``)."""

    LATE_RATE = "late_rate", _("Late-dossier rate")
    ONLINE_RATE = "online_rate", _("Online dossier rate")
    REPORT_TIMELINESS = "report_timeliness", _("Reports submitted on time")
    TASK_COMPLETION = "task_completion", _("Tasks completed")
    SATISFACTION = "satisfaction", _("Satisfaction")


class FigureSource(models.TextChoices):
    """Where a figure the index used came from (kept with the results it gave)."""

    DOSSIERS = "dossiers", _("dossier statistics")
    RECORDED = "recorded", _("recorded on the assessment")
    TASKS = "tasks", _("task statistics of the plans")
    REPORTS = "reports", _("periodic reports' timeliness")
    SURVEYS = "surveys", _("satisfaction surveys")
    NONE = "", _("no figure")


class Band(models.TextChoices):
    """Ranking bands (xếp hạng), best first."""

    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    AVERAGE = "average", _("Average")
    WEAK = "weak", _("Weak")


BAND_ORDER = [Band.GOOD, Band.FAIR, Band.AVERAGE, Band.WEAK]


class Framework(models.Model):
    """The criteria (bộ tiêu chí) one block is scored on in one year."""

    block = models.OneToOneField(Block, on_delete=models.PROTECT, related_name="framework", verbose_name=_("block"))
    year = models.PositiveSmallIntegerField(_("year"), editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=255)
    submission_deadline = models.DateField(_("self-assessment deadline"), null=True, blank=True)
    max_points = models.DecimalField(_("maximum points"), max_digits=7, decimal_places=2, default=Decimal(0))
    ranked_at = models.DateTimeField(_("last ranked at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "block__owner"
    scope_roles = {"view": READERS, "change": COORDINATORS}

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["-year", "block__code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.year = self.block.year
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Criterion(models.Model):
    """An area (lĩnh vực), criterion (tiêu chí) or sub-criterion (tiêu chí thành phần).

    Leaves carry the points; a parent's maximum is the sum of its non-deduction children's.
    ``area`` is the top-level ancestor (itself for an area), kept so that component indices are one
    GROUP BY.
    """

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    area = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=500)
    position = models.PositiveIntegerField(default=0)
    max_points = models.DecimalField(
        _("maximum points"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    method = models.CharField(_("scoring method"), max_length=12, choices=Method.choices, default=Method.MANUAL)
    source = models.CharField(_("data source"), max_length=20, choices=Source.choices, blank=True)
    mapping = models.JSONField(
        _("mapping"),
        default=list,
        blank=True,
        help_text=_("[[threshold, points], …] for a computed criterion; the first threshold met gives the points."),
    )
    is_leaf = models.BooleanField(default=True, editable=False)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["framework", "position"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="unique_criterion_code")]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"

    @property
    def depth(self) -> int:
        return self.code.count(".")


class BandConfig(models.Model):
    """Thresholds of the bands and of the rules with consequences for one block and year (DESIGN §7)."""

    block = models.OneToOneField(Block, on_delete=models.CASCADE, related_name="band_config")
    good_min = models.DecimalField(_("Good from (index)"), max_digits=5, decimal_places=2, default=Decimal(80))
    fair_min = models.DecimalField(_("Fair from (index)"), max_digits=5, decimal_places=2, default=Decimal(70))
    average_min = models.DecimalField(_("Average from (index)"), max_digits=5, decimal_places=2, default=Decimal(50))
    late_rate_limit = models.DecimalField(
        _("late-dossier rate that bars Good"), max_digits=6, decimal_places=4, default=Decimal("0.05")
    )
    satisfaction_min = models.DecimalField(
        _("satisfaction below which the band drops"), max_digits=6, decimal_places=4, default=Decimal("0.80")
    )
    officer_late_limit = models.DecimalField(
        _("officer late-dossier rate that bars “hoàn thành tốt nhiệm vụ”"),
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Rule 3; empty: 10 % before 2025, 5 % from 2025."),
    )

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "block__owner"
    scope_roles = {"view": READERS, "change": COORDINATORS}

    class Meta:
        verbose_name = _("band configuration")
        verbose_name_plural = _("band configurations")

    def __str__(self) -> str:
        return str(self.block)


# Columns of an assessment that only SQL statements write, never an instance's save.
MAINTAINED = ("totals_version", "ranked_totals_version")


class Assessment(models.Model):
    """One agency's PAR index in one year, from self-assessment to publication."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Self-assessment")
        SUBMITTED = "submitted", _("Submitted")
        APPRAISAL = "appraisal", _("Appraisal")
        EXPLANATION = "explanation", _("Explanation")
        FINAL_APPRAISAL = "final_appraisal", _("Final appraisal")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("agency"))
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("year"), editable=False, db_index=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT, db_index=True)
    version = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    explanation_deadline = models.DateField(_("explanation deadline"), null=True, blank=True)
    late_rate = models.DecimalField(
        _("late-dossier rate"),
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Recorded or imported when the dossier statistics do not give it."),
    )
    satisfaction = models.DecimalField(_("satisfaction"), max_digits=7, decimal_places=6, null=True, blank=True)
    # Results, maintained by services.rank_block (dashboards read them, never rescan the scores).
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(_("maximum points"), max_digits=8, decimal_places=2, null=True, blank=True)
    index = models.DecimalField(_("index"), max_digits=7, decimal_places=4, null=True, blank=True)
    area_indices = models.JSONField(default=dict, blank=True)
    band_before = models.CharField(_("band before the rules"), max_length=10, choices=Band.choices, blank=True)
    band = models.CharField(_("band"), max_length=10, choices=Band.choices, blank=True)
    band_reason = models.TextField(_("why the band changed"), blank=True)
    flags = models.JSONField(default=list, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    ranked_in = models.PositiveIntegerField(_("agencies ranked"), null=True, blank=True)
    # What rules 1 and 2 were applied on, and where it came from: part of the snapshot.
    ranked_late_rate = models.DecimalField(
        _("late-dossier rate ranked on"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    ranked_late_rate_source = models.CharField(
        _("source of the late-dossier rate"), max_length=10, choices=FigureSource.choices, blank=True
    )
    ranked_satisfaction = models.DecimalField(
        _("satisfaction ranked on"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    ranked_satisfaction_source = models.CharField(
        _("source of the satisfaction"), max_length=10, choices=FigureSource.choices, blank=True
    )
    # The area totals' version (bumped by every ``totals.refresh`` of the assessment) and the version the
    # stored results were computed from: a ranking recomputes points, index and area indices only where
    # the two differ, and keeps the stored ones where they are equal (``results._kept``).
    totals_version = models.PositiveIntegerField(default=0, editable=False)
    ranked_totals_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    frozen_at = models.DateTimeField(
        _("results frozen at"),
        null=True,
        blank=True,
        help_text=_("Set at the council's approval: from then on no ranking run changes the results."),
    )

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    scope_roles = ASSESSMENT_ROLES

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-year", "agency__code"]
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="one_assessment_per_agency_year")]

    def __str__(self) -> str:
        return f"{self.agency} · {self.year}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.year = self.framework.year
        if not self._state.adding and kwargs.get("update_fields") is None:
            # The totals' versions are written by SQL alone (``totals.refresh``, the ranking): a save of an
            # instance loaded before a score write (a submission refreshing its computed criteria, then
            # saving its new state) would write back the version it loaded and hide that write from the
            # next ranking.
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in MAINTAINED
            ]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def block(self) -> Block:
        return self.framework.block

    @property
    def is_final(self) -> bool:
        """Approved or published: the results are the snapshot taken at approval, not "tạm tính"."""
        return self.frozen_at is not None


class Score(models.Model):
    """The points of one leaf criterion at each stage, with the reasons and the agency's answer."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    self_score = models.DecimalField(_("self-score"), max_digits=7, decimal_places=2, null=True, blank=True)
    self_note = models.TextField(_("self-assessment explanation"), blank=True)
    appraised_score = models.DecimalField(_("appraised score"), max_digits=7, decimal_places=2, null=True, blank=True)
    appraisal_reason = models.TextField(_("reason for the adjustment"), blank=True)
    explanation = models.TextField(_("agency's explanation"), blank=True)
    final_score = models.DecimalField(_("final score"), max_digits=7, decimal_places=2, null=True, blank=True)
    final_reason = models.TextField(_("reason for the final score"), blank=True)
    # A computed or survey criterion: the figure its points came from, refreshed until submission.
    figure = models.DecimalField(_("figure"), max_digits=9, decimal_places=6, null=True, blank=True)
    figure_target = models.DecimalField(_("target"), max_digits=9, decimal_places=6, null=True, blank=True)
    figure_source = models.CharField(_("source of the figure"), max_length=10, choices=FigureSource.choices, blank=True)
    figure_at = models.DateTimeField(_("figure read at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "assessment__agency"
    scope_roles = ASSESSMENT_ROLES

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="one_score_per_criterion")]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.criterion.code}"

    @property
    def effective(self) -> Decimal | None:
        """The latest stage's points: final, else appraised, else self."""
        for value in (self.final_score, self.appraised_score, self.self_score):
            if value is not None:
                return value
        return None

    @property
    def adjusted(self) -> bool:
        return self.appraised_score is not None and self.appraised_score != self.self_score


class AreaTotal(models.Model):
    """The points of one assessment in one area (lĩnh vực), summed from its leaf scores.

    Maintained on every score write (``cchc.scoring.totals.refresh``), so that a ranking reads one
    row per agency and area instead of every score. Each leaf counts its latest stage: final, else
    appraised, else self-score.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="area_totals")
    area = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    earned = models.DecimalField(_("points earned"), max_digits=9, decimal_places=2, default=Decimal(0))
    deducted = models.DecimalField(_("points deducted"), max_digits=9, decimal_places=2, default=Decimal(0))

    class Meta:
        verbose_name = _("area total")
        verbose_name_plural = _("area totals")
        constraints = [models.UniqueConstraint(fields=["assessment", "area"], name="one_total_per_area")]

    def __str__(self) -> str:
        return f"{self.assessment_id} · {self.area_id}: {self.earned} − {self.deducted}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"evidence/{instance.score.assessment.year}/{instance.score.assessment.agency.code}/{filename}"


class Evidence(models.Model):
    """Tài liệu kiểm chứng: an uploaded file or a reference to a document by number, date and issuer."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    doc_date = models.DateField(_("document date"), null=True, blank=True)
    doc_issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "score__assessment__agency"
    scope_roles = ASSESSMENT_ROLES

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["added_at"]

    def __str__(self) -> str:
        if self.file:
            return self.original_name
        return f"{self.doc_number} ({self.doc_date:%d/%m/%Y}, {self.doc_issuer})" if self.doc_date else self.doc_number


class AppraiserAssignment(models.Model):
    """Which agencies, or which criteria (and their sub-criteria), an appraiser reviews in a block."""

    appraiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appraisals")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="assignments")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("appraiser assignment")
        verbose_name_plural = _("appraiser assignments")

    def __str__(self) -> str:
        return f"{self.appraiser} → {self.agency or ''} {self.criterion or ''}"
