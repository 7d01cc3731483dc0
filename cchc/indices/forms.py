"""Forms of the indices page (the province's coordinators)."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.core.tabular import InputError, file_format
from cchc.indices.models import IndexKind


class IndicesImportForm(forms.Form):
    """The indices from an XLSX or CSV file, as ``cchc import_indices`` reads it."""

    file = forms.FileField(label=gettext_lazy("File (XLSX or CSV)"))
    reason = forms.CharField(label=gettext_lazy("Reason (for the audit trail)"), required=False, max_length=500)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            file_format(upload.name)
        except InputError as exc:
            raise forms.ValidationError(str(exc)) from None
        if upload.size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise forms.ValidationError(_("The file is too large."))
        return upload


class IndexValueForm(forms.Form):
    """One year of one index; the text fields are checked as a file's row is (``services.parse_row``)."""

    index_code = forms.ChoiceField(label=gettext_lazy("Index"))
    year = forms.CharField(label=gettext_lazy("Year"), max_length=4)
    score = forms.CharField(label=gettext_lazy("Score"), required=False, max_length=20)
    rank = forms.CharField(label=gettext_lazy("Rank"), required=False, max_length=5)
    out_of = forms.CharField(label=gettext_lazy("Provinces ranked"), required=False, max_length=5)
    note = forms.CharField(label=gettext_lazy("Source and notes"), required=False, max_length=1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["index_code"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [(k.code, k.short_name) for k in IndexKind.objects.all()]
        self.fields["year"].initial = timezone.localdate().year - 1
        for field in self.fields.values():
            is_select = getattr(field.widget, "input_type", "") == "select"
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )
