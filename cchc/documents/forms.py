from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cchc.documents import kinds


class TemplateUploadForm(forms.Form):
    """A replacement template: the kind, the year it serves and the DOCX file."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind of document"), choices=kinds.CHOICES)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    file = forms.FileField(label=gettext_lazy("Template (DOCX)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class TemplateRevertForm(forms.Form):
    kind = forms.ChoiceField(choices=kinds.CHOICES)
    year = forms.IntegerField(min_value=2000, max_value=2100)
