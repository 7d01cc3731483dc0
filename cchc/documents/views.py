"""The templates page: each kind's template in use for a year, its download, a replacement and a revert."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cchc.core.tabular import InputError
from cchc.core.views import download
from cchc.documents import kinds, services
from cchc.documents.forms import TemplateRevertForm, TemplateUploadForm
from cchc.documents.models import DocumentTemplate


def _year(request: HttpRequest) -> int:
    text = request.GET.get("year") or request.POST.get("year") or ""
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else timezone.localdate().year


@require_http_methods(["GET", "POST"])
def templates(request: HttpRequest) -> HttpResponse:
    if not services.may_manage_templates(request.user):
        raise PermissionDenied
    year = _year(request)
    if request.method == "POST":
        _act(request)
        return redirect(f"{reverse('documents:templates')}?{urlencode({'year': year})}")
    replaced = {t.kind: t for t in DocumentTemplate.objects.filter(year=year).select_related("uploaded_by")}
    rows = [{"kind": kind, "replacement": replaced.get(kind.code)} for kind in kinds.KINDS.values()]
    form = TemplateUploadForm(initial={"year": year})
    return render(request, "documents/templates.html", {"rows": rows, "year": year, "form": form})


def _act(request: HttpRequest) -> None:
    action = request.POST.get("action")
    form: Any = (
        TemplateUploadForm(request.POST, request.FILES) if action == "upload" else TemplateRevertForm(request.POST)
    )
    if action not in ("upload", "revert") or not form.is_valid():
        errors = form.errors.values() if action in ("upload", "revert") else [[_("Choose an action.")]]
        messages.error(request, " ".join(str(e) for field in errors for e in field))
        return
    kind, year = form.cleaned_data["kind"], form.cleaned_data["year"]
    label = kinds.get(kind).label
    try:
        if action == "upload":
            services.replace_template(request.user, kind, year, form.cleaned_data["file"])
            messages.success(
                request, _("%(kind)s %(year)s: the new template is in use.") % {"kind": label, "year": year}
            )
        elif services.revert_template(request.user, kind, year):
            messages.success(
                request, _("%(kind)s %(year)s: the default template is in use again.") % {"kind": label, "year": year}
            )
    except InputError as exc:
        messages.error(request, exc.one_line())


def template_download(request: HttpRequest) -> HttpResponse:
    """The template in use for ``?kind=`` in ``?year=``: the replacement, else the shipped default."""
    if not services.may_manage_templates(request.user):
        raise PermissionDenied
    kind = request.GET.get("kind", "")
    if kind not in kinds.KINDS:
        raise Http404
    year = _year(request)
    return download(DocumentTemplate.content_for(kind, year), f"mau-{kind}-{year}.docx")
