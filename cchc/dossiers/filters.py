"""One filter class per listing: the page, the API and the export all use it."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cchc.dossiers.models import Channel, Dossier, DossierStatus, OnlineLevel, Procedure, ProcedureLevel
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
    """Raw dossiers for drill-down: one agency's dossiers received or resolved in a period."""

    q = django_filters.CharFilter(field_name="dossier_code", lookup_expr="icontains", label=_("Dossier code"))
    agency = django_filters.CharFilter(field_name="agency__code", label=_("Agency code"))
    status = django_filters.ChoiceFilter(choices=DossierStatus.choices, label=_("Status"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    received_from = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received from"), widget=DATE
    )
    received_to = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received until"), widget=DATE
    )
    late = django_filters.BooleanFilter(method="filter_late", label=_("Resolved late"))

    class Meta:
        model = Dossier
        fields = ["q", "agency", "status", "channel", "received_from", "received_to", "late"]

    def filter_late(self, queryset: QuerySet[Dossier], name: str, value: bool | None) -> QuerySet[Dossier]:
        if value is None:
            return queryset
        from django.db.models import F

        late = Q(status=DossierStatus.RESOLVED, due_on__isnull=False, resolved_on__gt=F("due_on"))
        return queryset.filter(late) if value else queryset.exclude(late)


def _year_start() -> date:
    return timezone.localdate().replace(month=1, day=1)


class StatsForm(forms.Form):
    """The period, as-of day and breakdown of an indicator table: page, export and API."""

    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)
    as_of = forms.DateField(label=_("Pending as of"), required=False, widget=DATE)
    by = forms.ChoiceField(
        label=_("Breakdown"),
        required=False,
        choices=[
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
        ],
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
