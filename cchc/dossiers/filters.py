"""One filter class per listing: the page, the API and the export all use it."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from cchc.core.scope import restricted
from cchc.dossiers.models import Channel, Dossier, DossierStatus, OnlineLevel, Outcome, Procedure, ProcedureLevel
from cchc.dossiers.stats import BREAKDOWNS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProcedureFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    level = django_filters.ChoiceFilter(choices=ProcedureLevel.choices, label=_("Level"))
    online_level = django_filters.ChoiceFilter(choices=OnlineLevel.choices, label=_("Online level"))
    field = django_filters.CharFilter(field_name="field", lookup_expr="icontains", label=_("Field"))

    class Meta:
        model = Procedure
        fields = ["q", "level", "online_level", "field"]

    def search(self, queryset: QuerySet[Procedure], name: str, value: str) -> QuerySet[Procedure]:
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class DossierFilterSet(django_filters.FilterSet):
    """Stored dossiers for drill-down and listings: the agency page, the API and the listing export.

    A whole dossier code (``q``) finds its dossier whatever the page's period; other text is looked
    for inside the codes. ``listing`` adds the page's period when the filter gives no receipt range."""

    q = django_filters.CharFilter(method="search", label=_("Dossier code"))
    agency = django_filters.CharFilter(field_name="agency__code", label=_("Agency code"))
    status = django_filters.ChoiceFilter(choices=DossierStatus.choices, label=_("Status"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label=_("Outcome"))
    # A method filter: the schema is told its type (it would say string).
    late = extend_schema_field(OpenApiTypes.BOOL)(
        django_filters.BooleanFilter(method="filter_late", label=_("Resolved late"), widget=forms.NullBooleanSelect)
    )
    handler = django_filters.CharFilter(field_name="handler", label=_("Officer"))
    field = django_filters.CharFilter(field_name="procedure__field", label=_("Field"))
    procedure = django_filters.CharFilter(field_name="procedure_code", label=_("Procedure code"))
    received_from = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received from"), widget=DATE
    )
    received_to = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received until"), widget=DATE
    )

    class Meta:
        model = Dossier
        fields = ["q", "agency", "status", "channel", "outcome", "late", "handler", "field", "procedure"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.whole_code = False  # ``q`` named a stored dossier's whole code (set by ``search``)
        for item in self.form.fields.values():
            is_select = getattr(item.widget, "input_type", "") == "select"
            item.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )

    def search(self, queryset: QuerySet[Dossier], name: str, value: str) -> QuerySet[Dossier]:
        code = value.strip()
        exact = queryset.filter(dossier_code=code)
        self.whole_code = exact.exists()
        return exact if self.whole_code else queryset.filter(dossier_code__icontains=code)

    def filter_late(self, queryset: QuerySet[Dossier], name: str, value: bool | None) -> QuerySet[Dossier]:
        if value is None:
            return queryset
        late = Q(outcome=Outcome.LATE)
        return queryset.filter(late if value else ~late)

    def listing(self, default_from: date | None = None, default_to: date | None = None) -> QuerySet[Dossier]:
        """The matching dossiers, newest first; received in ``default_from``–``default_to`` unless the
        filter gives a receipt range or a whole code of a stored dossier. The queryset must have gone
        through ``Dossier.objects.restrict(reader)`` (TypeError otherwise: scope fails closed)."""
        restricted(self.queryset)
        found = self.qs
        self.form.is_valid()  # an invalid field is left out; the valid ones still filter
        data = getattr(self.form, "cleaned_data", {})
        explicit = data.get("received_from") or data.get("received_to")
        if not explicit and not self.whole_code:
            if default_from is not None:
                found = found.filter(received_on__gte=default_from)
            if default_to is not None:
                found = found.filter(received_on__lte=default_to)
        return found.order_by("-received_on", "dossier_code")


def _year_start() -> date:
    return timezone.localdate().replace(month=1, day=1)


def _is_day(text: str) -> bool:
    try:
        return date.fromisoformat(text) is not None
    except ValueError:
        return False


BREAKDOWN_CHOICES = [
    ("none", _("Whole selection")),
    ("level", _("Administrative level")),
    ("kind", _("Agency kind")),
    ("block", _("Block")),
    ("agency", _("Agency")),
    ("field", _("Field (whole months)")),
    ("procedure", _("Procedure (whole months)")),
    ("procedure_level", _("Procedure level (whole months)")),
    ("month", _("Month")),
    ("quarter", _("Quarter")),
]


class StatsForm(forms.Form):
    """The period, as-of day and breakdown of an indicator table: page, export and API."""

    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)
    as_of = forms.DateField(label=_("Pending as of"), required=False, widget=DATE)
    by = forms.ChoiceField(
        label=_("Breakdown"),
        required=False,
        choices=BREAKDOWN_CHOICES,
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                is_select = isinstance(field.widget, forms.Select)
                field.widget.attrs["class"] = (
                    "form-select form-select-sm" if is_select else "form-control form-control-sm"
                )

    @classmethod
    def in_force(cls, data: QueryDict, last_day: date | None = None) -> StatsForm:
        """The form over ``data`` with the dates ``clean`` would default to written in, so that its
        fields show the period in force (from the year's start to today, pending as of the end).
        ``last_day``, when every agency in view has ended, moves the default to that day's year up
        to it: a district dissolved on 30/6/2025 opens on its last half-year, not on an empty year."""
        data = data.copy()
        default_end = min(timezone.localdate(), last_day) if last_day else timezone.localdate()
        data["start"] = data.get("start") or default_end.replace(month=1, day=1).isoformat()
        end = str(data.get("end") or default_end.isoformat())
        data["end"] = end
        if not data.get("as_of") and _is_day(end):  # a bad end is named once, not copied into as_of
            data["as_of"] = end
        return cls(data)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        data["start"] = data.get("start") or _year_start()
        data["end"] = data.get("end") or today
        if data["end"] < data["start"]:
            self.add_error("end", _("The end is before the start."))
        data["as_of"] = data.get("as_of") or data["end"]
        data["by"] = data.get("by") if data.get("by") in BREAKDOWNS else "none"
        return data

    def period(self) -> dict[str, Any]:
        """The cleaned choice, or the defaults when the form is invalid."""
        if self.is_valid():
            return self.cleaned_data
        end = timezone.localdate()
        return {"start": _year_start(), "end": end, "as_of": end, "by": "none", "sort": ""}
