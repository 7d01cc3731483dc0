"""Procedures (thủ tục hành chính), dossiers (hồ sơ) and the aggregates the indicators read.

Raw dossiers are kept for drill-down in monthly chunks per agency; every question is answered from
the aggregate tables, which the import keeps up to date by delta (see docs/dossiers.md).
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


def outcome_of(status: str, due: date | None, resolved: date | None) -> str:
    """early / on_time / late for a resolved dossier (no due date counts as on time); else its status."""
    if status != DossierStatus.RESOLVED:
        return status
    if due is None or resolved == due:
        return "on_time"
    return "early" if resolved is not None and resolved < due else "late"


DOSSIER_VIEW_ROLES = frozenset({Role.COORDINATOR, Role.FOCAL, Role.HEAD, Role.VIEWER, Role.APPRAISER, Role.INSPECTOR})
IMPORT_ROLES = frozenset({Role.FOCAL, Role.COORDINATOR})


class DossierChunk(models.Model):
    """The dossiers one agency received in one month, as stored lines (``cchc.dossiers.store``).

    Raw dossiers are kept for drill-down only, a few thousand chunks a year instead of a table row
    per dossier: a million dossiers is about 4,000 rows to write, which is what lets an import keep
    pace with the file (docs/dossiers.md)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False)
    month = models.DateField()
    count = models.PositiveIntegerField(default=0)
    data = models.TextField(default="")

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "agency"
    scope_roles = {"view": DOSSIER_VIEW_ROLES, "change": IMPORT_ROLES}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "month"], name="dossier_chunk_key")]

    def __str__(self) -> str:
        return f"{self.agency_id} · {self.month}"


class DossierCodeBucket(models.Model):
    """Where each dossier code is stored (agency and month of its chunk), hashed into buckets.

    An import reads the buckets of its codes to find the stored version of a re-imported dossier
    even when its agency or receipt month changed."""

    bucket = models.PositiveIntegerField(primary_key=True)
    data = models.TextField(default="")

    def __str__(self) -> str:
        return str(self.bucket)


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
    JSON objects of vectors in ``MEASURES`` order (``{"5": [...], "17": [...]}``): the partial months at
    the edges of a period, the as-of day inside a month and the breakdowns by procedure read them;
    and the open dossiers per procedure at the month's end.
    Kept apart so that the month totals stay narrow rows that sum fast."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    days = models.TextField(default="{}")
    procedures = models.TextField(default="{}")
    # Open dossiers per procedure code at the month's end, [pending, of which overdue]: the stocks of
    # the procedure breakdowns without summing every month before (kept up to date on import).
    procedure_stocks = models.TextField(default="{}")

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
