"""Survey pages: the results (province, blocks, agencies, elements, questions; charts; XLSX), the
questionnaire builder (the province's coordinators) and the paper forms' bulk entry (an agency's
officers for their agency, coordinators for their scope).

Every figure is read through the reader's scope (``survey_stats(user=request.user)``): an agency's
officers see their agency's forms, the province's roles every agency's.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency
from cchc.core.formatting import format_number, format_percent
from cchc.core.scope import CHANGE, has_role
from cchc.core.tabular import InputError, file_format, parse_date, write_sheets
from cchc.core.views import download
from cchc.surveys import paper, questionnaires
from cchc.surveys.models import ENTRY_ROLES, Element, PaperBatch, Question, Questionnaire
from cchc.surveys.stats import ELEMENTS, Group, question_stats, survey_stats
from cchc.surveys.tables import QUESTION_COLUMNS, STATS_COLUMNS, question_rows, stats_rows

BLOCK_ROLES = frozenset({Role.COORDINATOR, Role.VIEWER, Role.APPRAISER, Role.INSPECTOR})
GRID_ROWS = 10


def _period(request: HttpRequest) -> tuple[int, date | None, date | None, list[str]]:
    """Year, from and to of the page (a bad date is dropped and said)."""
    errors = []
    years = list(Questionnaire.objects.values_list("year", flat=True))
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    if not year:
        today = timezone.localdate().year
        year = today if today in years or not years else max(years)
    days: list[date | None] = []
    for name in ("from", "to"):
        try:
            days.append(parse_date(request.GET.get(name, ""), None, name))
        except InputError as error:
            errors.append(error.one_line())
            days.append(None)
    return year, days[0], days[1], errors


def _figures(request: HttpRequest, year: int, start: date | None, end: date | None) -> dict[str, Any]:
    user = request.user
    total = survey_stats(year, user=user, start=start, end=end)[0]
    agencies = survey_stats(year, user=user, start=start, end=end, by="agency")
    sees_blocks = has_role(user, BLOCK_ROLES)
    blocks = survey_stats(year, user=user, start=start, end=end, by="block") if sees_blocks else []
    return {
        "total": total,
        "agencies": agencies,
        "blocks": blocks,
        "sees_blocks": sees_blocks,
        "questions": question_stats(year, user=user, start=start, end=end),
    }


def _chart(total: Group, blocks: list[Group], agencies: list[Group], target: Decimal | None) -> dict[str, Any]:
    def pct(value: Decimal | None) -> float | None:
        return None if value is None else round(float(value) * 100, 2)

    groups = blocks or agencies[:30]
    return {
        "elements": {
            "labels": [str(Element(e).label) for e in ELEMENTS],
            "values": [pct(total.elements[e].index) for e in ELEMENTS],
            "label": str(_("Satisfied share")),
        },
        "groups": {
            "labels": [g.name for g in groups],
            "values": [pct(g.satisfaction) for g in groups],
            "label": str(_("Satisfaction")),
            "target": pct(target),
            "target_label": str(_("Target")),
        },
    }


def index(request: HttpRequest) -> HttpResponse:
    year, start, end, errors = _period(request)
    questionnaire = Questionnaire.objects.filter(year=year).first()
    context: dict[str, Any] = {
        "year": year,
        "start": start,
        "end": end,
        "errors": errors,
        "questionnaire": questionnaire,
        "years": list(Questionnaire.objects.values_list("year", flat=True)),
        "can_build": questionnaires.can_build(request.user),
        "can_enter": has_role(request.user, ENTRY_ROLES),
        "elements": [(e, Element(e).label) for e in ELEMENTS],
        "query": request.GET.urlencode(),
    }
    if questionnaire is not None:
        context.update(_figures(request, year, start, end))
        context["chart"] = _chart(context["total"], context["blocks"], context["agencies"], questionnaire.target)
        context["target_text"] = format_percent(questionnaire.target) if questionnaire.target is not None else ""
    return render(request, "surveys/index.html", context)


def export(request: HttpRequest) -> HttpResponse:
    """The page's figures as an XLSX workbook: the province, blocks, agencies, questions."""
    year, start, end, _errors = _period(request)
    questionnaire = get_object_or_404(Questionnaire, year=year)
    figures = _figures(request, year, start, end)
    span = ""
    if start or end:
        span = f" ({start.strftime('%d/%m/%Y') if start else '…'} – {end.strftime('%d/%m/%Y') if end else '…'})"
    title = _("Satisfaction with the public services, %(year)s") % {"year": year} + span
    if questionnaire.target is not None:
        title += "; " + _("target %(target)s") % {"target": format_percent(questionnaire.target)}
    sheets: list[tuple[str, Any, Any]] = [(_("Province"), STATS_COLUMNS, stats_rows([figures["total"]]))]
    if figures["sees_blocks"]:
        sheets.append((_("Blocks"), STATS_COLUMNS, stats_rows(figures["blocks"])))
    sheets.append((_("Agencies"), STATS_COLUMNS, stats_rows(figures["agencies"])))
    sheets.append((_("Questions"), QUESTION_COLUMNS, question_rows(figures["questions"])))
    return download(write_sheets(sheets, title), f"khao-sat-{year}.xlsx")


# The questionnaire builder


def _builder(request: HttpRequest) -> None:
    questionnaires.require_builder(request.user)


def questionnaire_list(request: HttpRequest) -> HttpResponse:
    """Every year's questionnaire (no agency's data: every signed-in person reads them)."""
    rows = [(q, q.questions.count(), questionnaires.is_frozen(q)) for q in Questionnaire.objects.all()]
    context = {
        "rows": rows,
        "can_build": questionnaires.can_build(request.user),
        "next_year": timezone.localdate().year,
    }
    return render(request, "surveys/questionnaire_list.html", context)


def questionnaire_detail(request: HttpRequest, year: int) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, year=year)
    context = {
        "questionnaire": questionnaire,
        "questions": list(questionnaire.questions.all()),
        "frozen": questionnaires.is_frozen(questionnaire),
        "can_build": questionnaires.can_build(request.user),
        "elements": Element.choices,
        "target_percent": "" if questionnaire.target is None else format_number(questionnaire.target * 100, 2),
    }
    return render(request, "surveys/questionnaire_detail.html", context)


def questionnaire_export(request: HttpRequest, year: int) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, year=year)
    fmt = request.GET.get("format", "xlsx")
    fmt = fmt if fmt in ("csv", "xlsx") else "xlsx"
    return download(questionnaires.export_questionnaire(questionnaire, fmt), f"phieu-khao-sat-{year}.{fmt}")


def _percent(text: str) -> Decimal | None:
    text = text.strip().replace("%", "").replace(",", ".")
    if not text:
        return None
    try:
        return Decimal(text) / 100
    except InvalidOperation:
        raise InputError(_("“%(value)s” is not a number") % {"value": text}, field="target") from None


@require_POST
def questionnaire_create(request: HttpRequest) -> HttpResponse:
    _builder(request)
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("Give the year."))
        return redirect("surveys:questionnaires")
    if not 2000 <= year <= 2100:
        messages.error(request, _("Give the year."))
        return redirect("surveys:questionnaires")
    if Questionnaire.objects.filter(year=year).exists():
        messages.info(request, _("The questionnaire of %(year)s exists already.") % {"year": year})
    else:
        questionnaires.default_questionnaire(year, user=request.user)
        messages.success(request, _("Questionnaire of %(year)s created with the shipped questions.") % {"year": year})
    return redirect("surveys:questionnaire", year=year)


@require_POST
def questionnaire_action(request: HttpRequest, year: int) -> HttpResponse:
    """One step of the builder: settings, add, edit, up, down, delete, import."""
    _builder(request)
    questionnaire = get_object_or_404(Questionnaire, year=year)
    action = request.POST.get("action", "")
    user = request.user
    try:
        if action == "settings":
            questionnaires.update_settings(
                questionnaire,
                user,
                title=request.POST.get("title", ""),
                target=_percent(request.POST.get("target", "")),
            )
        elif action == "add":
            questionnaires.add_question(
                questionnaire,
                user,
                code=request.POST.get("code", ""),
                element=request.POST.get("element", ""),
                text=request.POST.get("text", ""),
            )
        elif action in ("edit", "up", "down", "delete"):
            question = get_object_or_404(Question, questionnaire=questionnaire, pk=request.POST.get("question") or 0)
            if action == "edit":
                questionnaires.edit_question(
                    question, user, element=request.POST.get("element", ""), text=request.POST.get("text", "")
                )
            elif action == "delete":
                questionnaires.delete_question(question, user)
            else:
                questionnaires.move_question(question, user, -1 if action == "up" else 1)
        elif action == "import":
            upload = request.FILES.get("file")
            if upload is None:
                raise InputError(_("Choose a file."), field="file")
            name = upload.name or ""
            file_format(name)
            summary = questionnaires.import_questionnaire_file(upload, year=year, user=user, name=name)
            messages.success(request, _("Questions imported: %(summary)s.") % {"summary": summary})
            return redirect("surveys:questionnaire", year=year)
        else:
            raise Http404
    except InputError as error:
        messages.error(request, error.one_line())
    else:
        messages.success(request, _("Saved."))
    return redirect("surveys:questionnaire", year=year)


# Paper forms: batches typed on the grid


def batch_list(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, ENTRY_ROLES):
        raise PermissionDenied
    batches = PaperBatch.objects.restrict(request.user, CHANGE).select_related("agency", "questionnaire", "created_by")
    agencies = list(paper_agencies(request.user))
    context = {
        "batches": batches[:200],
        "agencies": agencies,
        "years": list(Questionnaire.objects.values_list("year", flat=True)),
        "this_year": timezone.localdate().year,
    }
    return render(request, "surveys/batch_list.html", context)


def paper_agencies(user: Any) -> Any:
    return (
        Agency.objects.restrict(user).filter(pk__in=[a.pk for a in paper._agencies_for(user).values()]).order_by("path")
    )


@require_POST
def batch_create(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, ENTRY_ROLES):
        raise PermissionDenied
    agency = get_object_or_404(paper_agencies(request.user), pk=request.POST.get("agency") or 0)
    questionnaire = get_object_or_404(Questionnaire, year=request.POST.get("year") or 0)
    batch = paper.create_batch(
        questionnaire,
        agency,
        request.user,
        name=request.POST.get("name", ""),
        double_entry=request.POST.get("double_entry") == "1",
    )
    return redirect("surveys:batch_entry", pk=batch.pk, entry=1)


def _batch(request: HttpRequest, pk: int) -> PaperBatch:
    try:
        return paper.batch_for(request.user, pk)
    except PermissionDenied:
        raise Http404 from None


def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    codes = list(paper.questions_of(batch.questionnaire))
    first, second = paper.entry_rows(batch, 1), paper.entry_rows(batch, 2)
    for e in first:
        e.ordered = [e.values.get(c) for c in codes]  # type: ignore[attr-defined]
    context = {
        "batch": batch,
        "codes": codes,
        "first": first,
        "second": second,
        "differences": paper.differences(batch),
        "responses": batch.questionnaire.responses.filter(serial__in=[e.serial for e in first]).count()
        if batch.saved_at
        else 0,
    }
    return render(request, "surveys/batch_detail.html", context)


def _grid_rows(post: Any, codes: list[str]) -> list[tuple[int, dict[str, str]]]:
    """The grid's non-empty rows as (row number, values), numbered as the page shows them."""
    try:
        count = min(int(post.get("rows", "0")), 2000)
    except ValueError:
        count = 0
    rows = []
    for i in range(1, count + 1):
        values = {
            name: post.get(f"r{i}-{name}", "").strip() for name in ("serial", "answered_on", "dossier_code", *codes)
        }
        if any(v for k, v in values.items() if k != "answered_on"):  # a row with only its date is empty
            rows.append((i, values))
    return rows


def batch_entry(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    """The keyboard grid: one row per paper form, one column per question (digits 1–5)."""
    batch = _batch(request, pk)
    if entry not in (1, 2) or (entry == 2 and not batch.double_entry) or batch.saved_at:
        return redirect("surveys:batch", pk=batch.pk)
    questions = list(batch.questionnaire.questions.all())
    codes = [q.code for q in questions]
    error = ""
    if request.method == "POST":
        rows = _grid_rows(request.POST, codes)
        try:
            forms = paper.save_entry(batch, request.user, entry, rows)
        except (InputError, paper.BatchError) as exc:
            error = exc.one_line() if isinstance(exc, InputError) else str(exc)
            grid = [values for _n, values in rows]
        else:
            if batch.double_entry:
                text = _("Entry %(entry)s saved: %(count)s forms.") % {
                    "entry": entry,
                    "count": format_number(len(forms)),
                }
            else:
                text = _("%(count)s paper forms saved.") % {"count": format_number(len(forms))}
            messages.success(request, text)
            return redirect("surveys:batch", pk=batch.pk)
    else:
        grid = [paper._as_row(e) for e in paper.entry_rows(batch, entry)]
    default_day = batch.created_at.date() if batch.created_at.year == batch.questionnaire.year else None
    rows_shown = max(GRID_ROWS, len(grid) + 3)
    grid = grid + [{} for _ in range(rows_shown - len(grid))]
    context = {
        "batch": batch,
        "entry": entry,
        "questions": questions,
        "grid": [
            (i, {**row, "answers": [(q, row.get(q.code, "")) for q in questions]}) for i, row in enumerate(grid, 1)
        ],
        "error": error,
        "default_day": default_day.strftime("%d/%m/%Y") if default_day else "",
        "action": reverse("surveys:batch_entry", args=[batch.pk, entry]),
    }
    return render(request, "surveys/batch_entry.html", context, status=400 if error else 200)


@require_POST
def batch_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Resolve a difference of a double entry, or save the batch."""
    batch = _batch(request, pk)
    action = request.POST.get("action", "")
    try:
        if action == "resolve":
            paper.resolve(
                batch,
                request.user,
                request.POST.get("serial", ""),
                request.POST.get("column", ""),
                request.POST.get("value", ""),
            )
            messages.success(request, _("Difference resolved."))
        elif action == "save":
            count = paper.save_batch(batch, request.user)
            messages.success(request, _("%(count)s paper forms saved.") % {"count": format_number(count)})
        else:
            raise Http404
    except InputError as error:
        messages.error(request, error.one_line())
    except paper.BatchError as error:
        messages.error(request, str(error))
    return redirect("surveys:batch", pk=batch.pk)
