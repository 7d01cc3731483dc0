"""Satisfaction surveys (khảo sát sự hài lòng, SIPAS), DESIGN §5.5 and issue 13.

A questionnaire per year (``Questionnaire``) asks questions (``Question``) on the five SIPAS
elements; a filled form (``Response``, "phiếu") belongs to an agency and holds one ``Answer`` per
question answered, on a five-point scale (an empty answer is no row). Forms come from the public
form (a one-time code from a dossier receipt, or a counter's generic QR), or from paper entered by
an official (``PaperBatch``/``PaperEntry``: the bulk-entry grid with optional double entry).

Only ``counted`` forms enter the results; ``held`` ones wait for a coordinator's review and are
counted apart; ``rejected`` ones never count. Scope: a form is seen by the readers of its agency.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from cchc.accounts.roles import ALL_ROLES, Role
from cchc.core.scope import ScopedQuerySet

# Who enters an agency's paper forms (its officers) and who reviews held forms (coordinators).
ENTRY_ROLES = frozenset({Role.FOCAL, Role.HEAD, Role.COORDINATOR})
REVIEW_ROLES = frozenset({Role.COORDINATOR})


class Element(models.TextChoices):
    """The five SIPAS elements (yếu tố) a question belongs to."""

    ACCESS = "access", _("Access to the public service")
    PROCEDURE = "procedure", _("Administrative procedure")
    OFFICER = "officer", _("Civil servant")
    RESULT = "result", _("Result of the service")
    FEEDBACK = "feedback", _("Handling of feedback")


class Channel(models.TextChoices):
    CODE = "code", _("One-time code on a dossier receipt")
    COUNTER = "counter", _("Counter QR code")
    PAPER = "paper", _("Paper form")


class Trust(models.TextChoices):
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Lower trust")


class Status(models.TextChoices):
    COUNTED = "counted", _("Counted")
    HELD = "held", _("Held for review")
    REJECTED = "rejected", _("Rejected")


SCALE = range(1, 6)  # the five-point scale
SATISFIED_MIN = 4  # an answer of 4 or 5 is satisfied


class Questionnaire(models.Model):
    """The questionnaire of a year (phiếu khảo sát năm), with the plan's target for satisfaction."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=300)
    target = models.DecimalField(
        _("target"),
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("The plan's satisfaction target, as a fraction (0.87 for 87%)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target__isnull=True) | (Q(target__gte=0) & Q(target__lte=1)),
                name="questionnaire_target_fraction",
            )
        ]

    def __str__(self) -> str:
        return self.title or str(self.year)

    @cached_property
    def questions_by_code(self) -> dict[str, Question]:
        """Code → question, in the questionnaire's order: read once per questionnaire object."""
        return {q.code: q for q in self.questions.all()}

    def is_answered(self) -> bool:
        return self.responses.exists()


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions", verbose_name=_("questionnaire")
    )
    code = models.CharField(_("code"), max_length=20)
    element = models.CharField(_("element"), max_length=12, choices=Element.choices)
    text = models.TextField(_("question"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="question_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.text[:80]}"


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Counter(models.Model):
    """A service counter of an agency (quầy), for the generic counter QR code."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="survey_counters", verbose_name=_("agency")
    )
    name = models.CharField(_("name"), max_length=200)
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    scope_roles = {"view": ALL_ROLES, "change": ENTRY_ROLES}

    class Meta:
        verbose_name = _("service counter")
        verbose_name_plural = _("service counters")
        ordering = ["agency", "name"]

    def __str__(self) -> str:
        return self.name


class Response(models.Model):
    """One filled form (phiếu khảo sát) of an agency."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="responses", verbose_name=_("questionnaire")
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="survey_responses", verbose_name=_("agency")
    )
    procedure = models.ForeignKey(
        "dossiers.Procedure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
        verbose_name=_("procedure"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    trust = models.CharField(_("trust"), max_length=10, choices=Trust.choices, default=Trust.NORMAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.COUNTED)
    held_reasons = models.JSONField(_("reasons held"), default=list, blank=True)
    answered_on = models.DateField(_("answered on"))
    submitted_at = models.DateTimeField(_("submitted at"))
    dossier_code = models.CharField(_("dossier code"), max_length=100, blank=True)
    dossier_digest = models.CharField(_("dossier digest"), max_length=64, null=True, blank=True)
    serial = models.CharField(_("serial"), max_length=40, null=True, blank=True)
    counter = models.ForeignKey(
        Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses", verbose_name=_("counter")
    )
    client_hash = models.CharField(_("client hash"), max_length=64, blank=True)
    # The public form's random id of one submission: an answer sent again (a retry after a lost
    # connection, a doubled click) is recognised and counted once (cchc/surveys/public_views.py).
    client_token = models.CharField(
        _("client token"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    comment = models.TextField(_("comment"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    # view: every role on the agency; change (enter paper forms): its officers and coordinators;
    # review (decide on a held form): coordinators.
    scope_roles = {"view": ALL_ROLES, "change": ENTRY_ROLES, "review": REVIEW_ROLES}

    class Meta:
        verbose_name = _("survey form")
        verbose_name_plural = _("survey forms")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "dossier_digest"], name="response_one_per_dossier"),
            models.UniqueConstraint(fields=["questionnaire", "serial"], name="response_unique_serial"),
        ]
        indexes = [
            models.Index(fields=["questionnaire", "status", "agency", "answered_on"], name="response_stats"),
            models.Index(fields=["counter", "submitted_at"], name="response_counter_time"),
            models.Index(fields=["client_hash", "submitted_at"], name="response_client_time"),
        ]

    def __str__(self) -> str:
        label = self.serial or self.dossier_code or f"#{self.pk}"
        return f"{_('Survey form')} {label}"


class CheckCount(models.Model):
    """One count of the public form's checks (``checks.py``) in one fixed window: answers from a client,
    through a counter, of one answer set. ``key`` is a hash of what is counted and the window's start;
    a row is useless after ``expires_at`` and removed by ``checks.purge_client_hashes``. In the database,
    not the cache: the counts are exact (one atomic upsert each), shared by every application server,
    and never evict the cache's own entries (the file and memory caches cull at 300 entries)."""

    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("survey check count")
        verbose_name_plural = _("survey check counts")

    def __str__(self) -> str:
        return f"{self.key[:12]}…={self.count}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(_("answer"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question"),
            models.CheckConstraint(condition=Q(value__gte=1) & Q(value__lte=5), name="answer_on_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}={self.value}"


class PaperBatch(models.Model):
    """A stack of paper forms of one agency typed on the bulk-entry grid.

    Without double entry, saving the first entry stores its forms. With double entry, a second
    official types the same stack again; the differences are listed by serial and question, each is
    resolved, and only then are the forms stored (``saved_at``).
    """

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="paper_batches", verbose_name=_("questionnaire")
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="survey_batches", verbose_name=_("agency")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    double_entry = models.BooleanField(_("double entry"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    saved_at = models.DateTimeField(_("saved at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    scope_roles = {"view": ENTRY_ROLES | {Role.VIEWER}, "change": ENTRY_ROLES}

    class Meta:
        verbose_name = _("paper form batch")
        verbose_name_plural = _("paper form batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name or f"{_('Batch')} {self.pk}"


class PaperEntry(models.Model):
    """One typing (entry 1 or 2) of one paper form of a batch: ``values`` is {question code: 1..5}."""

    batch = models.ForeignKey(PaperBatch, on_delete=models.CASCADE, related_name="entries")
    entry = models.PositiveSmallIntegerField(_("entry"), choices=[(1, "1"), (2, "2")])
    position = models.PositiveIntegerField(_("row"), default=0)
    serial = models.CharField(_("serial"), max_length=40)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    dossier_code = models.CharField(_("dossier code"), max_length=100, blank=True)
    values = models.JSONField(_("answers"), default=dict)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("entered by")
    )

    class Meta:
        verbose_name = _("paper form entry")
        verbose_name_plural = _("paper form entries")
        ordering = ["batch", "entry", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "entry", "serial"], name="paper_entry_unique_serial"),
        ]

    def __str__(self) -> str:
        return f"{self.batch} #{self.entry} {self.serial}"
