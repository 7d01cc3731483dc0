"""Pages of the PAR index: rankings per block, the agency scorecard, the assessment at each stage,
evidence downloads, the framework, the DOCX report and the public page. Every read goes through
``restrict``; every write is a function of ``services``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cchc.agencies.models import Agency, Block
from cchc.core.formatting import format_share
from cchc.core.scope import agency_q
from cchc.core.tabular import InputError
from cchc.core.views import download
from cchc.scoring import computed, frameworks, services
from cchc.scoring.models import (
    BAND_ORDER,
    AppraiserAssignment,
    Assessment,
    Band,
    Criterion,
    Evidence,
    Framework,
)
from cchc.scoring.report import band_sentence, mean_sentence, ranking_report, rules_sentence
from cchc.scoring.results import BlockRanking, previous_assessments, stored
from cchc.scoring.rules import rules_of
from cchc.scoring.sources import describe, is_computed, mapping_text, source_of

State = Assessment.State


def _year(request: HttpRequest, default: int | None) -> int | None:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return default


def _is_coordinator_of(user: Any, block: Block) -> bool:
    return Block.objects.restrict(user, "coordinate").filter(pk=block.pk).exists()


def _approved_only(request: HttpRequest) -> bool:
    """The reader's choice to leave out the results the council has not approved yet."""
    return request.GET.get("approved") == "1"


def chart_data(ranking: BlockRanking) -> dict[str, Any]:
    return {
        "labels": [str(Band(b).label) for b in BAND_ORDER],
        "counts": list(ranking.counts.values()),
        "label": _("Agencies"),
    }


# Index: the blocks in scope and one's own assessments


def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    frameworks_in_scope = Framework.objects.restrict(user).select_related("block", "block__owner")
    years = sorted({f.year for f in frameworks_in_scope}, reverse=True)
    visible = Assessment.objects.restrict(user)
    # The latest year with results opens first; next year's framework may exist before any score.
    scored = visible.filter(index__isnull=False).order_by("-year").values_list("year", flat=True).first()
    year = _year(request, scored or (years[0] if years else timezone.localdate().year))
    blocks = block_summaries(frameworks_in_scope.filter(year=year).order_by("block__code"), visible)
    condition = agency_q(user, {"focal", "head"})
    own = visible.filter(agency__in=Agency.objects.filter(condition)) if condition is not None else visible.none()
    context = {
        "years": years,
        "year": year,
        "blocks": blocks,
        "own": own.select_related("agency").order_by("-year", "agency__name"),
    }
    return render(request, "scoring/index.html", context)


def block_summaries(frameworks: Any, visible: Any) -> list[dict[str, Any]]:
    """Count and share of each band and the mean index per block, in two aggregate queries."""
    frameworks = list(frameworks)
    ids = [f.pk for f in frameworks]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = visible.filter(framework_id__in=ids).values_list("framework_id", "band").annotate(n=Count("pk")).order_by()
    for framework_id, band, n in rows:
        counts[framework_id][band] = n
    final = dict(
        visible.filter(framework_id__in=ids, frozen_at__isnull=False)
        .values_list("framework_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    means = dict(
        visible.filter(framework_id__in=ids, index__isnull=False)
        .values_list("framework_id")
        .annotate(mean=Avg("index"))
        .order_by()
    )
    summaries = []
    for f in frameworks:
        ranked = sum(n for band, n in counts[f.pk].items() if band)
        distribution = [
            {
                "label": Band(b).label,
                "count": counts[f.pk].get(b, 0),
                "share": format_share(counts[f.pk].get(b, 0), ranked),
            }
            for b in BAND_ORDER
        ]
        total = sum(counts[f.pk].values())
        summaries.append(
            {
                "framework": f,
                "total": total,
                "final": final.get(f.pk, 0),
                "preliminary": ranked - final.get(f.pk, 0),
                "distribution": distribution,
                "mean": means.get(f.pk),
            }
        )
    return summaries


# A block's ranking


def _block_page(request: HttpRequest, pk: int) -> tuple[Block, Framework | None, bool]:
    """A block in the user's scope, its framework, and whether the user coordinates it; a POST to
    the block's pages is for its coordinators only."""
    block = get_object_or_404(Block.objects.restrict(request.user).select_related("owner"), pk=pk)
    coordinator = _is_coordinator_of(request.user, block)
    if request.method == "POST" and not coordinator:
        raise PermissionDenied
    return block, Framework.objects.filter(block=block).first(), coordinator


@require_http_methods(["GET", "POST"])
def block_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    block, framework, coordinator = _block_page(request, pk)
    if request.method == "POST":
        return _block_action(request, block, framework)
    ranking = None
    state_counts: dict[str, int] = defaultdict(int)
    approved_only = _approved_only(request)
    if framework is not None:
        assessments = list(
            Assessment.objects.restrict(request.user).filter(framework=framework).select_related("agency")
        )
        ranking = stored(framework, assessments, approved_only=approved_only)
        for a in assessments:
            state_counts[a.get_state_display()] += 1
    context = {
        "approved_only": approved_only,
        "the_block": block,  # "block" is the template's own {% block %} inside one
        "framework": framework,
        "ranking": ranking,
        "chart": chart_data(ranking) if ranking else None,
        "sentences": [band_sentence(ranking), mean_sentence(ranking), rules_sentence(ranking)]
        if ranking and ranking.results
        else [],
        "states": dict(state_counts),
        "coordinator": coordinator,
    }
    return render(request, "scoring/block.html", context)


def _block_action(request: HttpRequest, block: Block, framework: Framework | None) -> HttpResponse:
    action = request.POST.get("action")
    try:
        if action == "open":
            n = services.open_assessments(request.user, block)
            messages.success(request, _("%(n)s assessments opened.") % {"n": n})
        elif action == "rank":
            services.rank_block(request.user, block, request.POST.get("reason", ""))
            messages.success(request, _("The preliminary results were recomputed; approved results stay as approved."))
        elif action == "publish":
            n = services.publish_block(request.user, block)
            messages.success(request, _("%(n)s assessments published.") % {"n": n})
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect("scoring:block", pk=block.pk)


def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking report of this block (DOCX), preliminary results marked or left out as the reader chose."""
    block = get_object_or_404(Block.objects.restrict(request.user).select_related("owner"), pk=pk)
    framework = Framework.objects.select_related("block").filter(block=block).first()
    rankings = []
    if framework is not None:
        visible = Assessment.objects.restrict(request.user).select_related("agency").filter(framework=framework)
        rankings.append(stored(framework, visible, approved_only=_approved_only(request)))
    content = ranking_report(block.owner, block.year, rankings, timezone.localdate())
    return download(content, f"bao-cao-xep-hang-cchc-{block.year}-{block.code}.docx")


# The framework of a block


@require_http_methods(["GET", "POST"])
def framework_detail(request: HttpRequest, pk: int) -> HttpResponse:
    block, framework, coordinator = _block_page(request, pk)
    if request.method == "POST":
        return _framework_action(request, block)
    if framework is not None and request.GET.get("format") in ("xlsx", "csv"):
        fmt = request.GET["format"]
        return download(frameworks.framework_file(framework, fmt), f"framework-{block.code}-{block.year}.{fmt}")
    criteria = list(framework.criteria.order_by("position")) if framework else []
    assignments = (
        framework.assignments.select_related("appraiser", "agency", "criterion").order_by("appraiser__username", "pk")
        if framework and coordinator
        else []
    )
    appraisers = services.appraisers_for(block).order_by("username") if coordinator else []
    context = {
        "the_block": block,
        "assignments": assignments,
        "appraisers": appraisers,
        "bands": rules_of(block),
        "framework": framework,
        "criteria": criteria,
        "coordinator": coordinator,
        "previous": frameworks.previous_framework(block),
        "in_use": framework is not None and framework.assessments.exists(),
    }
    return render(request, "scoring/framework.html", context)


def _assignment_action(request: HttpRequest, block: Block) -> None:
    framework = Framework.objects.filter(block=block).first()
    if framework is None:
        raise services.WorkflowError(_("This block has no framework yet."))
    if request.POST["action"] == "unassign":
        services.unassign_appraiser(request.user, int(request.POST.get("assignment") or 0))
        return
    chosen = request.POST.get("appraiser", "")
    appraiser = services.appraisers_for(block).filter(pk=int(chosen)).first() if chosen.isdigit() else None
    code, criterion_code = request.POST.get("agency", "").strip(), request.POST.get("criterion", "").strip()
    agency = Agency.objects.filter(code=code).first() if code else None
    criterion = framework.criteria.filter(code=criterion_code).first() if criterion_code else None
    if (code and agency is None) or (criterion_code and criterion is None):
        raise services.WorkflowError(_("Unknown agency or criterion code."))
    services.assign_appraiser(request.user, framework, appraiser, agency, criterion)


def _framework_action(request: HttpRequest, block: Block) -> HttpResponse:
    if request.POST.get("action") in ("assign", "unassign"):
        try:
            _assignment_action(request, block)
            messages.success(request, _("Saved."))
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
        return redirect("scoring:framework", pk=block.pk)
    if request.POST.get("action") == "bands":
        try:
            values: dict[str, Any] = {name: _required(request.POST.get(name, "")) for name in services.BAND_FIELDS[:-1]}
            values["officer_late_limit"] = _decimal(request.POST.get("officer_late_limit", ""))
            for name in ("late_rate_limit", "satisfaction_min", "officer_late_limit"):
                if values[name] is not None:
                    values[name] = values[name] / 100  # entered in %
            services.configure_bands(request.user, block, **values)
            messages.success(request, _("The bands were saved and the block re-ranked."))
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
        return redirect("scoring:framework", pk=block.pk)
    try:
        if request.POST.get("action") == "copy":
            source = frameworks.previous_framework(block)
            if source is None:
                raise InputError(_("There is no earlier framework of this block to copy."))
            frameworks.copy_framework(source, block, user=request.user)
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise InputError(_("Choose an XLSX or CSV file."))
            frameworks.import_framework(upload, block, user=request.user, name=upload.name or "")
        messages.success(request, _("The framework was saved."))
    except InputError as exc:
        messages.error(request, str(exc))
    return redirect("scoring:framework", pk=block.pk)


# An agency: scorecard and assessment


def _agency(request: HttpRequest, code: str) -> Agency:
    return get_object_or_404(Agency.objects.restrict(request.user), code=code)


def _assessment(request: HttpRequest, agency: Agency) -> tuple[Assessment | None, list[int]]:
    visible = (
        Assessment.objects.restrict(request.user).filter(agency=agency).select_related("framework__block", "agency")
    )
    years = list(visible.order_by("-year").values_list("year", flat=True))
    year = _year(request, years[0] if years else None)
    return visible.filter(year=year).first(), years


def scorecard(request: HttpRequest, code: str) -> HttpResponse:
    agency = _agency(request, code)
    assessment, years = _assessment(request, agency)
    context: dict[str, Any] = {"agency": agency, "assessment": assessment, "years": years}
    if assessment is not None and assessment.index is not None:
        before = previous_assessments(agency, assessment.year)
        areas = {c.code: c for c in Criterion.objects.filter(framework=assessment.framework, parent__isnull=True)}
        previous_areas: dict[str, list[float]] = defaultdict(list)
        for b in before:
            for area, value in b.area_indices.items():
                previous_areas[area].append(value)
        rows = [
            {
                "code": area,
                "name": areas[area].name if area in areas else area,
                "index": Decimal(str(value)),
                "previous": Decimal(str(sum(previous_areas[area]) / len(previous_areas[area])))
                if previous_areas.get(area)
                else None,
            }
            for area, value in assessment.area_indices.items()
        ]
        context.update(
            areas=rows,
            previous=before,
            previous_index=(sum((b.index for b in before if b.index is not None), Decimal(0)) / len(before))
            if before
            else None,
            chart={
                "labels": [f"{r['code']}. {r['name']}"[:40] for r in rows],
                "current": [float(r["index"]) for r in rows],
                "previous": [float(r["previous"]) if r["previous"] is not None else None for r in rows],
                "current_label": str(assessment.year),
                "previous_label": str(assessment.year - 1),
            },
        )
    return render(request, "scoring/scorecard.html", context)


@require_http_methods(["GET", "POST"])
def assessment_page(request: HttpRequest, code: str) -> HttpResponse:
    agency = _agency(request, code)
    assessment, years = _assessment(request, agency)
    if request.method == "POST":
        if assessment is None:
            raise Http404
        _assessment_action(request, assessment)
        return redirect(f"{request.path}?year={assessment.year}")
    context: dict[str, Any] = {"agency": agency, "assessment": assessment, "years": years}
    if assessment is not None:
        context.update(_assessment_context(request, assessment))
    return render(request, "scoring/assessment.html", context)


def _can(user: Any, assessment: Assessment, action: str) -> bool:
    return Assessment.objects.restrict(user, action).filter(pk=assessment.pk).exists()


def _appraisable(user: Any, assessment: Assessment, criteria: dict[int, Criterion]) -> set[int]:
    """Ids of the criteria ``user`` may appraise in this assessment."""
    if user.is_superuser:
        return set(criteria)
    if not _can(user, assessment, "appraise"):
        return set()
    assigned = [
        a.criterion_id
        for a in AppraiserAssignment.objects.filter(appraiser=user, framework_id=assessment.framework_id)
        if a.agency_id in (None, assessment.agency_id)
    ]
    if None in assigned:
        return set(criteria)
    found = set()
    for pk, c in criteria.items():
        current: Criterion | None = c
        while current is not None:
            if current.pk in assigned:
                found.add(pk)
                break
            current = criteria.get(current.parent_id) if current.parent_id else None
    return found


def _assessment_context(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    user = request.user
    computed.refresh([assessment], user)  # figures stay current while the agency self-assesses
    criteria = {c.pk: c for c in assessment.framework.criteria.order_by("position")}
    scores = {s.criterion_id: s for s in assessment.scores.prefetch_related("evidence")}
    appraisable = _appraisable(user, assessment, criteria)
    state = assessment.state
    can = {
        "self_assess": state == State.DRAFT and _can(user, assessment, "self_assess"),
        "submit": state == State.DRAFT and _can(user, assessment, "submit"),
        "explain": state == State.EXPLANATION and _can(user, assessment, "explain"),
        "coordinate": _can(user, assessment, "coordinate"),
        "appraise": state in (State.SUBMITTED, State.APPRAISAL) and bool(appraisable),
        "final": state == State.FINAL_APPRAISAL and bool(appraisable),
    }
    rows = [_row(c, scores.get(pk), pk in appraisable) for pk, c in criteria.items()]
    stages = [
        {"label": label, "done": i < State.values.index(state), "current": value == state}
        for i, (value, label) in enumerate(State.choices)
    ]
    return {
        "rows": rows,
        "can": can,
        "progress": services.progress(assessment),
        "stages": stages,
        "today": timezone.localdate(),
    }


def _row(criterion: Criterion, score: Any, appraisable: bool) -> dict[str, Any]:
    """A criterion's line on the assessment page; a computed one carries its figure, mapping and source."""
    row: dict[str, Any] = {"criterion": criterion, "score": score, "appraisable": appraisable}
    source = source_of(criterion)
    if criterion.is_leaf and source:
        row["computed"] = is_computed(criterion)
        row["figure"] = describe(
            source,
            score.figure if score else None,
            score.figure_source if score else "",
            score.figure_target if score else None,
        )
        row["mapping"] = mapping_text(criterion.mapping, criterion.max_points)
    return row


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip().rstrip("%").strip().replace(",", ".")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise services.WorkflowError(_("“%(value)s” is not a number.") % {"value": text}) from None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise services.WorkflowError(_("“%(value)s” is not a date.") % {"value": text}) from None


def _assessment_action(request: HttpRequest, assessment: Assessment) -> None:
    post, user = request.POST, request.user
    action = post.get("action", "")
    score_id = int(post.get("score") or 0)
    version = int(post["version"]) if post.get("version", "").isdigit() else None
    steps = {
        "self_score": lambda: services.self_assess(
            user, score_id, _decimal(post.get("value", "")), post.get("note", ""), version
        ),
        "evidence_file": lambda: services.add_evidence_file(user, score_id, _upload(request)),
        "evidence_reference": lambda: services.add_evidence_reference(
            user,
            score_id,
            post.get("number", ""),
            _date(post.get("date", "")),
            post.get("issuer", ""),
            post.get("title", ""),
        ),
        "remove_evidence": lambda: services.remove_evidence(user, int(post.get("evidence") or 0)),
        "submit": lambda: services.submit(user, assessment.pk, version),
        "appraise": lambda: services.appraise(
            user, score_id, _required(post.get("value", "")), post.get("reason", ""), version
        ),
        "open_explanation": lambda: services.open_explanation(
            user, assessment.pk, _required_date(post.get("deadline", ""))
        ),
        "explain": lambda: services.explain(user, score_id, post.get("text", ""), version),
        "final_appraisal": lambda: services.start_final_appraisal(user, assessment.pk),
        "final": lambda: services.final_appraise(
            user, score_id, _required(post.get("value", "")), post.get("reason", ""), version
        ),
        "approve": lambda: services.approve(user, assessment.pk),
        "reopen": lambda: services.reopen(user, assessment.pk, post.get("reason", "")),
        "publish": lambda: services.publish(user, assessment.pk),
        "rates": lambda: services.record_rates(
            user,
            assessment.pk,
            _percent(post.get("late_rate", "")),
            _percent(post.get("satisfaction", "")),
            post.get("reason", ""),
        ),
    }
    if action not in steps:
        raise Http404
    try:
        steps[action]()
        messages.success(request, _("Saved."))
    except services.WorkflowError as exc:
        messages.error(request, str(exc))


def _required(text: str) -> Decimal:
    value = _decimal(text)
    if value is None:
        raise services.WorkflowError(_("Enter the points."))
    return value


def _required_date(text: str) -> date:
    value = _date(text)
    if value is None:
        raise services.WorkflowError(_("Enter the deadline."))
    return value


def _percent(text: str) -> Decimal | None:
    value = _decimal(text)
    return None if value is None else value / 100


def _upload(request: HttpRequest) -> Any:
    upload = request.FILES.get("file")
    if upload is None:
        raise services.WorkflowError(_("Choose a file."))
    return upload


def evidence_file(request: HttpRequest) -> FileResponse:
    """An evidence file, always as an attachment, never rendered by the browser."""
    pk = request.GET.get("id", "")
    if not pk.isdigit():
        raise Http404
    evidence = get_object_or_404(Evidence.objects.restrict(request.user).exclude(file=""), pk=int(pk))
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Public page


@login_not_required
def public(request: HttpRequest) -> HttpResponse:
    """Published rankings only: agencies, indices and bands; no names of people, no scores in progress."""
    published = Assessment.objects.filter(state=State.PUBLISHED)
    years = sorted(set(published.values_list("year", flat=True)), reverse=True)
    year = _year(request, years[0] if years else None)
    rankings = []
    for framework in (
        Framework.objects.filter(year=year or 0, assessments__state=State.PUBLISHED)
        .distinct()
        .select_related("block")
        .order_by("block__code")
    ):
        ranking = stored(framework, published.filter(framework=framework).select_related("agency"), approved_only=True)
        ranking.members = Assessment.objects.filter(framework=framework).count()
        rankings.append({"ranking": ranking, "sentence": band_sentence(ranking), "chart": chart_data(ranking)})
    return render(request, "scoring/public.html", {"years": years, "year": year, "rankings": rankings})
