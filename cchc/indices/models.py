"""The province's national indices (DESIGN §5.7): its score and rank in PAR INDEX, SIPAS, PAPI, PCI,
PACA, DTI and ICT Index per year, and any index a province adds to the list of kinds.

The figures are the province's public results, published by the ministries: every signed-in person
reads them (``objects.all()``, as the reporting calendar). Only the province's coordinators change
them (``restrict(user, "coordinate")``: a coordinator of a district or a department is refused).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cchc.accounts.roles import Role
from cchc.core.scope import ScopedQuerySet


class Unit(models.TextChoices):
    """What a score is counted in: points on the index's scale, or a percentage (a change between two
    percentages is written in percentage points as the seeds write it, DESIGN §6.1)."""

    POINTS = "points", _("points")
    PERCENT = "percent", _("percent")


class IndexKind(models.Model):
    """An index the province is ranked on ("Chỉ số PAR INDEX"); the seven of DESIGN §5.7 come with the
    installation, a province adds its own (the admin)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, help_text=_("as documents write it: PAR-Index"))
    name = models.CharField(_("name"), max_length=250)
    publisher = models.CharField(_("published by"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.POINTS)
    scale = models.DecimalField(
        _("maximum score"), max_digits=9, decimal_places=4, null=True, blank=True, help_text=_("empty: no maximum")
    )
    places = models.PositiveSmallIntegerField(_("decimal places shown"), default=2)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("kind of index")
        verbose_name_plural = _("kinds of index")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.short_name


class ProvincialIndexQuerySet(ScopedQuerySet):
    pass


class ProvincialIndex(models.Model):
    """The province's result in one index for one year (the year assessed; results are published the
    year after: "Các Chỉ số đánh giá đối với tỉnh năm 2022 (được công bố trong năm 2023)")."""

    province = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="indices", verbose_name=_("province")
    )
    kind = models.ForeignKey(IndexKind, on_delete=models.PROTECT, related_name="values", verbose_name=_("index"))
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    score = models.DecimalField(_("score"), max_digits=9, decimal_places=4, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    out_of = models.PositiveSmallIntegerField(
        _("provinces ranked"), null=True, blank=True, help_text=_("63 provinces, 34 after the 2025 merger")
    )
    note = models.TextField(_("source and notes"), blank=True)

    objects = ProvincialIndexQuerySet.as_manager()
    scope_agency_field = "province"
    scope_roles = {"coordinate": frozenset({Role.COORDINATOR})}

    class Meta:
        verbose_name = _("provincial index")
        verbose_name_plural = _("provincial indices")
        ordering = ["kind__position", "kind__code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["province", "kind", "year"], name="provincial_index_once_a_year"),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | (Q(out_of__isnull=False) & Q(rank__lte=F("out_of"))),
                name="provincial_index_rank_within_out_of",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind.short_name} {self.year}"
