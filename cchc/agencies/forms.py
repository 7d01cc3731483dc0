"""Forms of the organisation pages."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.core.tabular import InputError, file_format


class BlockImportForm(forms.Form):
    """The blocks of a year from a CSV or XLSX file, as `cchc import_blocks` reads it."""

    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"))
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    reason = forms.CharField(label=gettext_lazy("Reason (for the audit trail)"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            file_format(upload.name)
        except InputError as exc:
            raise forms.ValidationError(str(exc)) from None
        if upload.size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise forms.ValidationError(_("The file is too large."))
        return upload
