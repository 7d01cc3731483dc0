"""Agencies (cơ quan, đơn vị) and blocks (khối): the organisation is data, not code (DESIGN §3)."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cchc.accounts.roles import ALL_ROLES, Role
from cchc.core.scope import ScopedQuerySet


class AgencyKind(models.TextChoices):
    PROVINCE = "province", _("Provincial People's Committee")
    DEPARTMENT = "department", _("Provincial department")
    DISTRICT = "district", _("District People's Committee")
    COMMUNE = "commune", _("Commune People's Committee")
    VERTICAL = "vertical", _("Vertically managed agency")
    PUBLIC_SERVICE = "public_service", _("Public service unit")


# The order in which a person expects to read an agency's subordinates: departments before districts.
KIND_ORDER = {
    kind: rank
    for rank, kind in enumerate(["province", "department", "vertical", "public_service", "district", "commune"])
}


class AgencyQuerySet(ScopedQuerySet):
    def active_on(self, day: date) -> AgencyQuerySet:
        """Agencies in operation on ``day`` (their active period contains it)."""
        return self.filter(active_from__lte=day).filter(Q(active_to__isnull=True) | Q(active_to__gte=day))


class Agency(models.Model):
    """An agency with a stable code, a kind, a parent and an active period.

    ``path`` is the chain of ancestor codes ("/HA/HVL/HVL-01/") kept by the services so that
    "this agency and its descendants" is one indexed prefix match on any database.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent agency"),
    )
    active_from = models.DateField(_("active from"), default=date(2000, 1, 1))
    active_to = models.DateField(_("active until"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successors"),
        help_text=_("Agencies that took over this one when it was merged or dissolved."),
    )
    path = models.CharField(max_length=600, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = AgencyQuerySet.as_manager()
    scope_agency_field = ""
    # Anyone granted a role on an agency sees it; its coordinators (of it or above it) also see who
    # holds a role there.
    scope_roles = {"view": ALL_ROLES, "coordinate": frozenset({Role.COORDINATOR})}

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=models.F("active_from")),
                name="agency_active_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("agencies:detail", args=[self.code])

    def is_active_on(self, day: date) -> bool:
        return self.active_from <= day and (self.active_to is None or self.active_to >= day)

    def ancestors(self) -> AgencyQuerySet:
        codes = self.path.strip("/").split("/")[:-1]
        return Agency.objects.filter(code__in=codes).order_by("depth")

    def descendants(self) -> AgencyQuerySet:
        return Agency.objects.filter(path__startswith=self.path).exclude(pk=self.pk)


class Block(models.Model):
    """A block (khối): agencies ranked and aggregated together in one year."""

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=255)
    owner = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="owned_blocks",
        verbose_name=_("managed by"),
        help_text=_("The agency that evaluates this block: the province, or a district for its communes."),
    )
    members: models.ManyToManyField[Agency, BlockMembership] = models.ManyToManyField(
        Agency, through="BlockMembership", related_name="blocks"
    )

    objects = ScopedQuerySet.as_manager()
    scope_agency_field = "owner"
    # "coordinate": run the block (its assessments, framework, ranking): its owner's coordinators.
    scope_roles = {
        "view": frozenset({Role.COORDINATOR, Role.VIEWER, Role.APPRAISER, Role.INSPECTOR}),
        "coordinate": frozenset({Role.COORDINATOR}),
    }

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["-year", "code"]
        constraints = [models.UniqueConstraint(fields=["year", "code"], name="unique_block_code_per_year")]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class BlockMembership(models.Model):
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="block_memberships")
    year = models.PositiveSmallIntegerField(editable=False)

    class Meta:
        verbose_name = _("block member")
        verbose_name_plural = _("block members")
        constraints = [
            # An agency is ranked in one block a year.
            models.UniqueConstraint(fields=["agency", "year"], name="one_block_per_agency_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} ∈ {self.block}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.year = self.block.year
        super().save(*args, **kwargs)  # type: ignore[arg-type]
