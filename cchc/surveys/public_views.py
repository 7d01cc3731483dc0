"""The public survey form (no login) and the officers' pages around it (issue 13 points 3 and 4).

The form is one server-rendered page with its own small stylesheet and script
(``static/surveys/public.css``, ``public.js``), not the site's layout: the whole page stays under
50 KB compressed for a phone on a slow network. It works without the script (a plain POST); with it,
an answer that cannot be sent is kept in the browser and sent when the network is back, and the
client's random ``client_token`` makes a second arrival of the same answer harmless.

Officers' pages: the counters of their agencies and each counter's QR (PNG, SVG), the QR of a
dossier's receipt, the held answers' review (coordinators) and the agency's held and reviewed counts.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency
from cchc.core.scope import agency_q, has_role, require_role
from cchc.core.tabular import InputError
from cchc.core.views import download
from cchc.dossiers.models import Dossier, Procedure
from cchc.surveys import checks, codes
from cchc.surveys.models import ENTRY_ROLES, Channel, Counter, Element, Question, Questionnaire, Response, Status, Trust
from cchc.surveys.services import DuplicateForm, ReviewError, review_many

SCALE_LABELS = (
    (1, gettext_lazy("Very dissatisfied")),
    (2, gettext_lazy("Dissatisfied")),
    (3, gettext_lazy("Neither satisfied nor dissatisfied")),
    (4, gettext_lazy("Satisfied")),
    (5, gettext_lazy("Very satisfied")),
)
COMMENT_MAX = 2000
TOKEN_MAX = 64
REASON_LABELS = {
    checks.RATE_LIMIT: gettext_lazy("many answers from one device"),
    checks.DUPLICATE: gettext_lazy("the same answers again from one device"),
    checks.BURST: gettext_lazy("many answers through one counter within minutes"),
    checks.PATTERN: gettext_lazy("one identical set of answers many times"),
}


# The public form


@dataclass
class Survey:
    """What one form is for: the agency, how it was reached, and the questionnaire of the day."""

    agency: Agency
    channel: str
    questionnaire: Questionnaire | None
    counter: Counter | None = None
    claim: codes.Claim | None = None
    code: str = ""
    questions: list[Question] = field(default_factory=list)

    @property
    def trust(self) -> str:
        return Trust.LOW if self.channel == Channel.COUNTER else Trust.NORMAL


def current_questionnaire() -> Questionnaire | None:
    """The questionnaire of this year, else the latest before it."""
    year = timezone.localdate().year
    return Questionnaire.objects.filter(year__lte=year).order_by("-year").first()


def _public_agency(code: str) -> Agency:
    # The public form names its agency (a public fact); it reads nothing else of it.
    agency = Agency.objects.filter(code=code).first()
    if agency is None or not agency.is_active_on(timezone.localdate()):
        raise Http404
    return agency


def _survey(agency: Agency, channel: str, **kwargs: Any) -> Survey:
    survey = Survey(agency=agency, channel=channel, questionnaire=current_questionnaire(), **kwargs)
    if survey.questionnaire is not None:
        # One read of the questions, which services.questions_of finds again on the questionnaire.
        survey.questions = list(survey.questionnaire.questions_by_code.values())
    return survey


@login_not_required
@csrf_exempt  # anonymous and sessionless: nothing of a signed-in user is used; the checks guard it
def agency_form(request: HttpRequest, code: str) -> HttpResponse:
    """``/khao-sat/<agency code>/?c=<one-time code>``: the form reached through a dossier receipt."""
    agency = _public_agency(code)
    one_time = (request.POST.get("c") or request.GET.get("c") or "").strip()
    if not one_time:
        return _page(request, "surveys/public/no_code.html", {"agency": agency})
    try:
        claim = codes.read_code(one_time, agency.code)
    except codes.InvalidCode:
        return _message(request, agency, _("This survey code is not valid. Please scan the QR code again."), 400)
    return _form(request, _survey(agency, Channel.CODE, claim=claim, code=one_time))


@login_not_required
@csrf_exempt  # as agency_form
def counter_form(request: HttpRequest, token: str) -> HttpResponse:
    """``/khao-sat/q/<token>/``: the form reached through a counter's generic QR (lower trust)."""
    counter = Counter.objects.select_related("agency").filter(token=token, active=True).first()
    if counter is None or not counter.agency.is_active_on(timezone.localdate()):
        raise Http404
    return _form(request, _survey(counter.agency, Channel.COUNTER, counter=counter))


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Survey-Client") == "js"


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, context, status=status)


def _message(request: HttpRequest, agency: Agency, text: str, status: int, kind: str = "error") -> HttpResponse:
    if _wants_json(request) and request.method == "POST":
        return JsonResponse({"status": kind, "message": text}, status=status)
    return _page(request, "surveys/public/message.html", {"agency": agency, "text": text, "kind": kind}, status)


def _already_answered(survey: Survey) -> bool:
    return (
        survey.claim is not None
        and survey.questionnaire is not None
        and Response.objects.filter(questionnaire=survey.questionnaire, dossier_digest=survey.claim.digest).exists()
    )


def _form(request: HttpRequest, survey: Survey) -> HttpResponse:
    if survey.questionnaire is None or not survey.questions:
        return _message(request, survey.agency, _("The survey is not open yet. Thank you for your interest."), 200)
    if _already_answered(survey):
        return _answered(request, survey)
    if request.method == "POST":
        return _submit(request, survey)
    return _render_form(request, survey, {}, {})


def _answered(request: HttpRequest, survey: Survey) -> HttpResponse:
    text = _("This dossier has already been rated. Thank you: one answer per dossier is counted.")
    return _message(request, survey.agency, text, 409, kind="answered")


def _thanks(request: HttpRequest, survey: Survey) -> HttpResponse:
    text = _("Thank you! Your answer has been received.")
    return _message(request, survey.agency, text, 200, kind="sent")


def _render_form(
    request: HttpRequest, survey: Survey, values: dict[str, int], errors: dict[str, str], status: int = 200
) -> HttpResponse:
    assert survey.questionnaire is not None
    sections: list[dict[str, Any]] = []
    for question in survey.questions:
        if not sections or sections[-1]["element"] != question.element:
            sections.append({"element": question.element, "label": Element(question.element).label, "questions": []})
        sections[-1]["questions"].append(
            {"q": question, "value": values.get(question.code), "error": errors.get(question.code, "")}
        )
    context = {
        "survey": survey,
        "agency": survey.agency,
        "questionnaire": survey.questionnaire,
        "sections": sections,
        "scale": SCALE_LABELS,
        "errors": errors,
        "token": request.POST.get("client_token") or secrets.token_urlsafe(16),
        "comment": request.POST.get("comment", ""),
        "comment_max": COMMENT_MAX,
    }
    return _page(request, "surveys/public/form.html", context, status)


def _read_answers(request: HttpRequest, survey: Survey) -> tuple[dict[str, int], dict[str, str]]:
    values: dict[str, int] = {}
    errors: dict[str, str] = {}
    for question in survey.questions:
        raw = request.POST.get(f"q_{question.code}", "").strip()
        if not raw:
            continue
        if raw.isdigit() and 1 <= int(raw) <= 5:
            values[question.code] = int(raw)
        else:
            errors[question.code] = _("Choose an answer from 1 to 5.")
    if not values and not errors:
        errors["__all__"] = _("Please answer at least one question.")
    if len(request.POST.get("comment", "")) > COMMENT_MAX:
        errors["comment"] = _("The comment is too long: at most %(max)s characters.") % {"max": COMMENT_MAX}
    return values, errors


def _submit(request: HttpRequest, survey: Survey) -> HttpResponse:
    token = request.POST.get("client_token", "").strip()[:TOKEN_MAX] or None
    if token and Response.objects.filter(client_token=token).exists():
        return _thanks(request, survey)  # the same answer arriving again (a retry): received once
    values, errors = _read_answers(request, survey)
    if errors:
        if _wants_json(request):
            return JsonResponse({"status": "invalid", "errors": errors}, status=400)
        return _render_form(request, survey, values, errors, status=400)
    client = checks.client_hash(checks.client_address(request))
    counter_id = survey.counter.pk if survey.counter else None
    comment = request.POST.get("comment", "")
    try:
        with transaction.atomic():  # the checks' counts and the answer, together
            verdict = checks.check(client=client, agency_id=survey.agency.pk, answers=values, counter_id=counter_id)
            record(survey, values, verdict, client=client, token=token, comment=comment)
    except checks.RateLimited:
        text = _("Too many answers have been sent from this device. Please try again later.")
        return _message(request, survey.agency, text, 429)
    except DuplicateForm:
        return _answered(request, survey)
    except IntegrityError:
        return _thanks(request, survey)  # the same client token stored meanwhile by a concurrent retry
    except InputError as error:
        return _message(request, survey.agency, error.detail, 400)
    return _thanks(request, survey)


def record(
    survey: Survey, values: dict[str, int], verdict: checks.Verdict, *, client: str, token: str | None, comment: str
) -> Response:
    """Store an answer of the public form with the checks' verdict (atomic, one per client token)."""
    assert survey.questionnaire is not None
    procedure = None
    if survey.claim is not None and survey.claim.procedure_code:
        procedure = Procedure.objects.filter(code=survey.claim.procedure_code).first()  # the catalogue
    with transaction.atomic():
        form = _record_response(survey, values, verdict, procedure, client, comment)
        if token:
            Response.objects.filter(pk=form.pk).update(client_token=token)
            form.client_token = token
    return form


def _record_response(
    survey: Survey, values: dict[str, int], verdict: checks.Verdict, procedure: Any, client: str, comment: str
) -> Response:
    from cchc.surveys.services import record_response

    assert survey.questionnaire is not None
    return record_response(
        survey.questionnaire,
        survey.agency,
        values,
        channel=survey.channel,
        trust=survey.trust,
        status=Status.HELD if verdict.held else Status.COUNTED,
        held_reasons=verdict.reasons,
        procedure=procedure,
        dossier_digest=survey.claim.digest if survey.claim else None,
        counter=survey.counter,
        client_hash=client,
        comment=comment[:COMMENT_MAX],
    )


# QR codes


def qr_image(url: str, kind: str) -> bytes:
    """The QR of ``url`` as PNG or SVG (segno), with the quiet zone a phone's camera needs."""
    out = io.BytesIO()
    qr = segno.make(url, error="m")
    if kind == "svg":
        qr.save(out, kind="svg", scale=8, border=4, xmldecl=False, title=url)
    else:
        qr.save(out, kind="png", scale=10, border=4)
    return out.getvalue()


def site_url(path: str) -> str:
    return settings.CCHC_SITE_URL.rstrip("/") + path


def counter_url(counter: Counter) -> str:
    return site_url(reverse("survey_form:counter", args=[counter.token]))


def receipt_url(code: str, agency_code: str) -> str:
    return site_url(reverse("survey_form:agency", args=[agency_code]) + f"?c={code}")


def _managed_agencies(user: Any) -> QuerySet[Agency]:
    """The agencies whose counters and receipt codes ``user`` manages (officers, heads, coordinators)."""
    condition = agency_q(user, ENTRY_ROLES)  # None: a system administrator's, every agency
    return (Agency.objects.all() if condition is None else Agency.objects.filter(condition)).order_by("code")


@require_role(*ENTRY_ROLES)
def counters(request: HttpRequest) -> HttpResponse:
    """The counters of one's agencies, their QR codes; a new counter, a counter turned off or on."""
    rows = Counter.objects.restrict(request.user, "change").select_related("agency")
    agencies = _managed_agencies(request.user)
    if request.method == "POST":
        return _change_counter(request, rows, agencies)
    listed = [{"counter": c, "url": counter_url(c)} for c in rows.order_by("agency__code", "name")]
    return render(request, "surveys/public/counters.html", {"rows": listed, "agencies": agencies})


def _change_counter(request: HttpRequest, rows: QuerySet[Counter], agencies: QuerySet[Agency]) -> HttpResponse:
    if request.POST.get("action") == "toggle":
        counter = get_object_or_404(rows, pk=request.POST.get("counter") or 0)
        counter.active = not counter.active
        counter.save(update_fields=["active"])
        messages.success(request, _("Counter “%(name)s” updated.") % {"name": counter.name})
        return redirect("survey_public:counters")
    agency = agencies.filter(code=request.POST.get("agency", "")).first()
    name = request.POST.get("name", "").strip()[:200]
    if agency is None or not name:
        messages.error(request, _("Choose the agency and give the counter a name."))
        return redirect("survey_public:counters")
    counter = Counter.objects.create(agency=agency, name=name)
    messages.success(request, _("Counter “%(name)s” added.") % {"name": counter.name})
    return redirect("survey_public:counters")


@require_role(*ENTRY_ROLES)
def counter_qr(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    counter = get_object_or_404(Counter.objects.restrict(request.user, "change"), pk=pk)
    return download(qr_image(counter_url(counter), kind), f"qr-quay-{counter.agency.code}-{counter.pk}.{kind}")


@require_role(*ENTRY_ROLES)
def receipt_qr(request: HttpRequest) -> HttpResponse:
    """A dossier code → the one-time code and its QR for the receipt (``?format=png|svg`` downloads it)."""
    agencies = _managed_agencies(request.user)
    agency = agencies.filter(code=request.GET.get("agency", "")).first()
    dossier_code = request.GET.get("dossier", "").strip()[:80]
    procedure_code = request.GET.get("procedure", "").strip()[:60]
    error = ""
    code = url = ""
    if request.GET and (agency is None or not dossier_code):
        error = _("Choose the agency and type the dossier code.")
    elif agency is not None:
        dossier = Dossier.objects.restrict(request.user).filter(dossier_code=dossier_code, agency=agency).first()
        if dossier is not None and not procedure_code:
            procedure_code = dossier.procedure_code
        if "|" in procedure_code:
            error = _("The procedure code cannot hold “|”.")
        else:
            code = codes.make_code(agency_code=agency.code, dossier_code=dossier_code, procedure_code=procedure_code)
            url = receipt_url(code, agency.code)
    kind = request.GET.get("format", "")
    if url and kind in ("png", "svg"):
        return download(qr_image(url, kind), f"qr-ho-so-{agency.code}-{_safe(dossier_code)}.{kind}")  # type: ignore[union-attr]
    context = {
        "agencies": agencies,
        "agency": agency,
        "dossier_code": dossier_code,
        "procedure_code": procedure_code,
        "code": code,
        "url": url,
        "error": error,
        "query": request.GET.urlencode(),
    }
    return render(request, "surveys/public/receipt_qr.html", context, status=400 if error else 200)


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)[:60]


# Review of held answers (coordinators) and the agency's counts


def with_reason(rows: QuerySet[Response], reason: str) -> QuerySet[Response]:
    """The rows held for ``reason`` (the JSON list read as text, on SQLite and PostgreSQL alike)."""
    if reason not in checks.REASONS:
        return rows
    return rows.annotate(reasons_text=Cast("held_reasons", TextField())).filter(reasons_text__contains=f'"{reason}"')


@require_role(Role.COORDINATOR)
def review_list(request: HttpRequest) -> HttpResponse:
    """Held answers of the agencies one coordinates, with their reasons; each decided or many at once."""
    scope = Response.objects.restrict(request.user, "review")
    if request.method == "POST":
        return _decide(request, scope)
    held: QuerySet[Response] = scope.filter(status=Status.HELD).select_related("agency", "counter")
    agency_code = request.GET.get("agency", "")
    if agency_code:
        held = held.filter(agency__code=agency_code)
    reason = request.GET.get("reason", "")
    held = with_reason(held, reason)
    agencies = Agency.objects.filter(pk__in=scope.filter(status=Status.HELD).values("agency")).order_by("code")
    rows = [
        {"form": form, "reasons": [REASON_LABELS.get(r, r) for r in form.held_reasons]}
        for form in held.prefetch_related("answers__question")[:200]
    ]
    context = {
        "rows": rows,
        "count": held.count(),
        "agencies": agencies,
        "agency_code": agency_code,
        "reasons": list(REASON_LABELS.items()),
        "reason": reason,
    }
    return render(request, "surveys/public/review.html", context)


def _decide(request: HttpRequest, scope: QuerySet[Response]) -> HttpResponse:
    decision = request.POST.get("decision", "")
    ids = [int(pk) for pk in request.POST.getlist("form") if pk.isdigit()]
    forms = list(scope.filter(pk__in=ids, status=Status.HELD))
    if decision not in (Status.COUNTED, Status.REJECTED) or not forms:
        messages.error(request, _("Choose the held answers and a decision."))
        return redirect(request.get_full_path())
    note = request.POST.get("note", "").strip()[:1000]
    try:
        review_many(forms, request.user, decision, note)
    except (PermissionDenied, ReviewError) as error:
        messages.error(request, str(error))
        return redirect(request.get_full_path())
    label = Status(decision).label
    messages.success(request, _("%(count)s answers: %(decision)s.") % {"count": len(forms), "decision": label})
    return redirect(request.get_full_path())


def held_counts(request: HttpRequest) -> HttpResponse:
    """An agency's online answers by status, and the latest decisions on its held ones."""
    online = Response.objects.restrict(request.user).exclude(channel=Channel.PAPER)
    counts = (
        online.values("agency__code", "agency__name")
        .annotate(
            held=Count("pk", filter=Q(status=Status.HELD)),
            counted=Count("pk", filter=Q(status=Status.COUNTED, reviewed_at__isnull=False)),
            rejected=Count("pk", filter=Q(status=Status.REJECTED)),
            reviewed=Count("pk", filter=Q(reviewed_at__isnull=False)),
        )
        .filter(Q(held__gt=0) | Q(reviewed__gt=0))
        .order_by("agency__code")
    )
    decisions = online.filter(reviewed_at__isnull=False).select_related("agency").order_by("-reviewed_at")[:50]
    rows = [{"form": f, "reasons": [REASON_LABELS.get(r, r) for r in f.held_reasons]} for f in decisions]
    context = {"counts": counts, "rows": rows, "can_review": has_role(request.user, {Role.COORDINATOR})}
    return render(request, "surveys/public/held.html", context)
