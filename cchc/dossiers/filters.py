"""One filter class per listing: the page, the API and the export all use it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import BLANK_CHOICE_DASH, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cchc.dossiers import store
from cchc.dossiers.models import Channel, DossierChunk, DossierStatus, OnlineLevel, Procedure, ProcedureLevel
from cchc.dossiers.stats import BREAKDOWNS
from cchc.dossiers.store import DossierRecord

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


class DossierFilterForm(forms.Form):
    """Raw dossiers for drill-down, read from the store (``cchc.dossiers.store``): the page and the API.

    Filters a list of ``DossierRecord``; an invalid field is left out of the filter (the page shows
    its error, the API answers 400)."""

    q = forms.CharField(label=_("Dossier code"), required=False)
    agency = forms.CharField(label=_("Agency code"), required=False)
    status = forms.ChoiceField(choices=[*BLANK_CHOICE_DASH, *DossierStatus.choices], label=_("Status"), required=False)
    channel = forms.ChoiceField(choices=[*BLANK_CHOICE_DASH, *Channel.choices], label=_("Channel"), required=False)
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DATE)
    received_to = forms.DateField(label=_("Received until"), required=False, widget=DATE)
    late = forms.NullBooleanField(label=_("Resolved late"), required=False, widget=forms.NullBooleanSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_select = getattr(field.widget, "input_type", "") == "select"
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )

    @property
    def form(self) -> DossierFilterForm:
        """The form itself, where a FilterSet has its ``form``: the shared filter template shows either."""
        return self

    def choice(self) -> dict[str, Any]:
        """The valid fields that were filled in (none for an unbound form)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}

    def records(
        self, chunks: QuerySet[DossierChunk], default_from: date | None = None, default_to: date | None = None
    ) -> Sequence[DossierRecord]:
        """The stored dossiers of ``chunks`` that match, newest first (read a month at a time as a page
        needs them). The agency code and the receipt range (``default_from``/``default_to`` when the
        form gives none) choose the chunks to read; the other fields filter their lines. A whole
        dossier code (``q``) finds its dossier through the code buckets, whatever the page's period."""
        choice = self.choice()
        if "agency" in choice:
            chunks = chunks.filter(agency__code=choice["agency"])
        if "received_from" in choice or "received_to" in choice:
            default_from, default_to = choice.get("received_from"), choice.get("received_to")
        exact = store.find(choice["q"].strip(), chunks) if choice.get("q", "").strip() else None
        q, late = choice.get("q", "").casefold(), choice.get("late")
        status, channel = choice.get("status"), choice.get("channel")

        def keep(d: DossierRecord) -> bool:
            return (
                (not q or q in d.dossier_code.casefold())
                and (status is None or d.status == status)
                and (channel is None or d.channel == channel)
                and (late is None or d.late == late)
            )

        if exact is not None:  # an explicit receipt range still applies; the page's period does not
            low, high = choice.get("received_from"), choice.get("received_to")
            inside = (low is None or exact.received_on >= low) and (high is None or exact.received_on <= high)
            return [exact] if keep(exact) and inside else []
        filtered = q or status or channel or late is not None
        return store.Records(chunks, default_from, default_to, keep if filtered else None)


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
