"""Procedures (thủ tục hành chính), dossiers (hồ sơ) and the aggregates the indicators read.

A dossier is a table row (``Dossier``); every question about a period is answered from the aggregate
tables, which the import keeps up to date by delta (see docs/dossiers.md).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, AgencyKind
from cchc.core.scope import ScopedQuerySet


class ProcedureLevel(models.TextChoices):
    PROVINCE = "province", _("Provincial level")
    DISTRICT = "district", _("District level")
    COMMUNE = "commune", _("Commune level")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Fully online")
    PARTIAL = "partial", _("Partly online")
    NONE = "none", _("Not online")


class DossierStatus(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    PENDING = "pending", _("Pending")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Channel(models.TextChoices):
    DIRECT = "direct", _("At the desk")
    ONLINE = "online", _("Online")
    POSTAL = "postal", _("Public postal service")


class Procedure(models.Model):
    """An administrative procedure of the catalogue (thủ tục hành chính)."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=500)
    field = models.CharField(_("field"), max_length=200, db_index=True)
    level = models.CharField(_("level"), max_length=10, choices=ProcedureLevel.choices, db_index=True)
    online_level = models.CharField(_("online level"), max_length=10, choices=OnlineLevel.choices)
    postal = models.BooleanField(_("postal service"), default=False)
    online_payment = models.BooleanField(_("online payment"), default=False)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def published_online(self) -> bool:
        return self.online_level != OnlineLevel.NONE


def month_after(day: date) -> date:
    """The first day of the month after ``day``'s (aggregates and chunks are kept by month)."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


DOSSIER_VIEW_ROLES = frozenset({Role.COORDINATOR, Role.FOCAL, Role.HEAD, Role.VIEWER, Role.APPRAISER, Role.INSPECTOR})
IMPORT_ROLES = frozenset({Role.FOCAL, Role.COORDINATOR})


class Outcome(models.TextChoices):
    """What became of a dossier: early / on time / late when resolved (DESIGN §6), else its status."""

    EARLY = "early", _("Resolved early")
    ON_TIME = "on_time", _("Resolved on time")
    LATE = "late", _("Resolved late")
    PENDING = "pending", _("Pending")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ONLINE_LEVELS = (
    ("", _("Not online")),
    (OnlineLevel.FULL, OnlineLevel.FULL.label),
    (OnlineLevel.PARTIAL, OnlineLevel.PARTIAL.label),
)


def outcome_rule() -> models.Q:
    """The outcome rule as the database holds it (a check constraint on ``Dossier``): the import
    computes ``outcome`` (``engine.OUTCOME_SQL``) and the database refuses a row where the two differ,
    so the two statements of the rule cannot drift apart unnoticed (tests/test_dossier_rows.py)."""
    resolved = models.Q(status=DossierStatus.RESOLVED)
    on_time = models.Q(due_on__isnull=True) | models.Q(resolved_on=models.F("due_on"))
    # Both dates given: a comparison with an empty date is unknown, which a CHECK lets through.
    dated = models.Q(due_on__isnull=False, resolved_on__isnull=False)
    return (
        (~resolved & models.Q(outcome=models.F("status")))
        | (resolved & on_time & models.Q(outcome=Outcome.ON_TIME))
        | (resolved & dated & models.Q(resolved_on__lt=models.F("due_on"), outcome=Outcome.EARLY))
        | (resolved & dated & models.Q(resolved_on__gt=models.F("due_on"), outcome=Outcome.LATE))
    )


class Dossier(models.Model):
    """One dossier as the one-stop-shop software exported it (DESIGN §8.2), a table row each.

    Unique per source system (``source``) and code. The columns a file gives are declared once, in
    ``cchc.dossiers.columns``; ``outcome`` and ``online_eligible`` are worked out on import. Pages
    answer periods from the aggregate tables below; these rows are for drill-down, listings and
    analysts (the ``dossier_facts`` view, docs/dossiers.md)."""

    source = models.CharField(_("source system"), max_length=40)
    dossier_code = models.CharField(
        _("dossier code"), max_length=80, help_text=_("Code of the dossier in the one-stop-shop software, unique in it")
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the (agency, received_on) index serves it
        verbose_name=_("agency"),
        help_text=_("Code of the agency that received and resolves the dossier"),
    )
    procedure_code = models.CharField(
        _("procedure code"),
        max_length=60,
        blank=True,
        help_text=_("Code of the procedure in the catalogue (may be missing from it)"),
    )
    procedure = models.ForeignKey(
        Procedure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the (procedure, received_on) index serves it
        verbose_name=_("procedure"),
    )
    received_on = models.DateField(
        _("received on"), help_text=_("Date received (dd/mm/yyyy or yyyy-mm-dd; a time may follow)")
    )
    due_on = models.DateField(
        _("due on"), null=True, blank=True, help_text=_("Promised date of the result; empty if none")
    )
    resolved_on = models.DateField(
        _("resolved on"), null=True, blank=True, help_text=_("Date the result was issued; empty while pending")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DossierStatus.choices,
        help_text=_("resolved, pending, returned or withdrawn"),
    )
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.DIRECT,
        help_text=_("How it was submitted: direct, online or postal"),
    )
    online_level = models.CharField(
        _("online level"),
        max_length=10,
        choices=ONLINE_LEVELS,
        blank=True,
        help_text=_("Online service level: full, partial or empty"),
    )
    online_eligible = models.BooleanField(_("online service available"), default=False)
    paid_online = models.BooleanField(
        _("paid online"),
        default=False,
        help_text=_("Whether the fees were paid online: 1 or 0 (Có or Không, x or empty, as the profile spells it)"),
    )
    fee_amount = models.PositiveBigIntegerField(
        _("fees paid (đồng)"),
        default=0,
        help_text=_("Fees paid, in whole đồng: 1500000 or 1.500.000 (a dot between thousands, never a comma)"),
    )
    result_by_post = models.BooleanField(
        _("result by post"),
        default=False,
        help_text=_("Whether the result was sent by post: 1 or 0 (or as the profile spells it)"),
    )
    digitized = models.BooleanField(
        _("digitised"),
        default=False,
        help_text=_("Whether the dossier's components were digitised: 1 or 0 (or as the profile spells it)"),
    )
    sms_count = models.PositiveIntegerField(
        _("notification messages"), default=0, help_text=_("Notification messages sent for the dossier, a whole number")
    )
    handler = models.CharField(
        _("officer"), max_length=120, blank=True, help_text=_("Officer who handled it (optional)")
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    scope_roles = {"view": DOSSIER_VIEW_ROLES, "change": IMPORT_ROLES}

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        constraints = [
            models.UniqueConstraint(fields=["source", "dossier_code"], name="dossier_key"),
            models.CheckConstraint(condition=models.Q(status__in=DossierStatus.values), name="dossier_status"),
            models.CheckConstraint(condition=models.Q(channel__in=Channel.values), name="dossier_channel"),
            models.CheckConstraint(
                condition=models.Q(online_level__in=["", "full", "partial"]), name="dossier_online_level"
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_on__isnull=True) | models.Q(resolved_on__gte=models.F("received_on")),
                name="dossier_resolved_after_receipt",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DossierStatus.RESOLVED, resolved_on__isnull=True),
                name="dossier_resolved_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DossierStatus.PENDING, resolved_on__isnull=False),
                name="dossier_pending_has_no_date",
            ),
            models.CheckConstraint(condition=outcome_rule(), name="dossier_outcome"),
        ]
        indexes = [
            models.Index(fields=["agency", "-received_on"], name="dossier_agency_received"),
            models.Index(fields=["handler", "-received_on"], name="dossier_handler_received"),
            models.Index(fields=["procedure", "-received_on"], name="dossier_procedure_received"),
        ]

    def __str__(self) -> str:
        return self.dossier_code

    @property
    def timeliness(self) -> str:
        """early / on_time / late for a resolved dossier (DESIGN §6), else ""."""
        return self.outcome if self.outcome in (Outcome.EARLY, Outcome.ON_TIME, Outcome.LATE) else ""

    @property
    def late(self) -> bool:
        return self.outcome == Outcome.LATE


class Counts(models.Model):
    """The measures every aggregate row holds; each is a sum over the dossiers of its key.

    Flows are counted on the day of their event: ``received`` and the received-time measures
    (online, eligible, payments, post, SMS, digitised) on the receipt day; ``closed`` and the
    outcomes on the result day. Stocks come from running sums: pending at a day D is
    Σ(received − closed) up to D, overdue is Σ(overdue_in − overdue_out) up to D.
    """

    received = models.BigIntegerField(default=0)
    closed = models.BigIntegerField(default=0)
    overdue_in = models.BigIntegerField(default=0)
    overdue_out = models.BigIntegerField(default=0)
    early = models.BigIntegerField(default=0)
    on_time = models.BigIntegerField(default=0)
    late = models.BigIntegerField(default=0)
    returned = models.BigIntegerField(default=0)
    withdrawn = models.BigIntegerField(default=0)
    online = models.BigIntegerField(default=0)
    online_eligible = models.BigIntegerField(default=0)
    paid_online = models.BigIntegerField(default=0)
    fee_amount = models.BigIntegerField(default=0)
    with_fee = models.BigIntegerField(default=0)
    postal = models.BigIntegerField(default=0)
    sms = models.BigIntegerField(default=0)
    digitized = models.BigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    scope_roles = {"view": DOSSIER_VIEW_ROLES}

    class Meta:
        abstract = True


MEASURES = (
    "received",
    "closed",
    "overdue_in",
    "overdue_out",
    "early",
    "on_time",
    "late",
    "returned",
    "withdrawn",
    "online",
    "online_eligible",
    "paid_online",
    "fee_amount",
    "with_fee",
    "postal",
    "sms",
    "digitized",
)


class MonthlyCount(Counts):
    """Measures per agency and month (``month`` is its first day), summed in SQL for whole months."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "month"], name="dossier_monthly_key")]
        indexes = [models.Index(fields=["month", "agency"], name="dossier_monthly_month")]

    def __str__(self) -> str:
        return f"{self.agency_id} · {self.month}"


class MonthDetail(models.Model):
    """The same measures as ``MonthlyCount`` per day of the month and per procedure code, packed as
    JSON objects (JSON columns a query can read) of vectors in ``MEASURES`` order (``{"5": [...], "17": [...]}``): the partial months at
    the edges of a period, the as-of day inside a month and the breakdowns by procedure read them;
    and the open dossiers per procedure at the month's end.
    Kept apart so that the month totals stay narrow rows that sum fast."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    days = models.JSONField(default=dict)
    procedures = models.JSONField(default=dict)
    # Open dossiers per procedure code at the month's end, [pending, of which overdue]: the stocks of
    # the procedure breakdowns without summing every month before (kept up to date on import).
    procedure_stocks = models.JSONField(default=dict)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    scope_roles = {"view": DOSSIER_VIEW_ROLES}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "month"], name="dossier_month_detail_key")]
        indexes = [models.Index(fields=["month", "agency"], name="dossier_month_detail_month")]

    def __str__(self) -> str:
        return f"{self.agency_id} · {self.month}"


class HandlerMonthlyCount(models.Model):
    """Resolved and late dossiers per officer (``handler``) and month of result: rule 3 of DESIGN §7."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    handler = models.CharField(max_length=120)
    month = models.DateField()
    resolved = models.BigIntegerField(default=0)
    late = models.BigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    scope_roles = {"view": frozenset({Role.COORDINATOR, Role.HEAD, Role.VIEWER, Role.INSPECTOR})}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "handler", "month"], name="dossier_handler_key")]

    def __str__(self) -> str:
        return f"{self.handler} · {self.month}"


class Target(models.Model):
    """A target of a year for one kind of agency: online share at least, late rate at most (DESIGN §5.1)."""

    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("agency kind"), max_length=20, choices=AgencyKind.choices)
    online_rate_min = models.DecimalField(
        _("online share at least (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    late_rate_max = models.DecimalField(
        _("late rate at most (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("dossier target")
        verbose_name_plural = _("dossier targets")
        ordering = ["-year", "kind"]
        constraints = [models.UniqueConstraint(fields=["year", "kind"], name="dossier_target_key")]

    def __str__(self) -> str:
        return f"{self.year} · {self.get_kind_display()}"
