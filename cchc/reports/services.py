"""The steps of periodic reporting, each one function used by the page and the API (DESIGN §5.3).

Every step checks permission and state, runs in a transaction, locks the report row (a period's rows in
agency order when several), writes the report's history and the audit trail.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.reports import calendar
from cchc.reports.models import ExpectedReport, Report, ReportForm, ReportingPeriod


class WorkflowError(ValueError):
    """A step refused for the report's state or bad input; the message is for the user."""


class ConflictError(WorkflowError):
    """Someone else changed what the user was editing since they read it."""


def _person(user: Any) -> Any:
    """The user to write in a "by" column: a signed-in person, not ``SYSTEM``."""
    return user if getattr(user, "pk", None) else None


# The calendar


def _require_coordinator_of(user: Any, owner: Agency) -> None:
    if not Agency.objects.restrict(user, "coordinate").filter(pk=owner.pk).exists():
        raise PermissionDenied(_("Only the coordinator of %(agency)s does this.") % {"agency": owner.name})


@transaction.atomic
def create_period(
    user: Any,
    owner: Agency,
    year: int,
    kind: str,
    form: ReportForm,
    *,
    cutoff_start: date | None = None,
    cutoff_end: date | None = None,
    deadline: date | None = None,
) -> ReportingPeriod:
    """A period of ``owner``'s calendar; cut-off and deadline default to the Ministry's regime."""
    _require_coordinator_of(user, owner)
    if form.year != year:
        raise WorkflowError(_("The form is of %(form)s, the period of %(year)s.") % {"form": form.year, "year": year})
    default = calendar.default_range(year, kind)
    start, end, due = (
        cutoff_start or default.cutoff_start,
        cutoff_end or default.cutoff_end,
        deadline or default.deadline,
    )
    calendar.check_range(start, end, due)
    if ReportingPeriod.objects.filter(owner=owner, year=year, kind=kind).exists():
        raise WorkflowError(_("%(owner)s already has this period.") % {"owner": owner.name})
    period = ReportingPeriod.objects.create(
        owner=owner, year=year, kind=kind, form=form, cutoff_start=start, cutoff_end=end, deadline=due
    )
    audit.record(
        user=user,
        obj=period,
        action=AuditEntry.Action.CREATE,
        changes=audit.diff({}, audit.snapshot(period, ["cutoff_start", "cutoff_end", "deadline", "form"])),
        agency=owner,
    )
    return period


@transaction.atomic
def open_period(user: Any, period_id: int, blocks: list[Block]) -> int:
    """Open the period for ``blocks``: every member agency active on the deadline is now owed a report.

    The expected set is frozen here (one ``ExpectedReport`` per agency, with its block) and each
    expected agency gets its draft report. Opening again for more blocks adds their members; returns
    how many agencies were added."""
    period = ReportingPeriod.objects.select_for_update().get(pk=period_id)
    _require_coordinator_of(user, period.owner)
    for block in blocks:
        if block.year != period.year or not Block.objects.restrict(user, "coordinate").filter(pk=block.pk).exists():
            raise PermissionDenied(_("You do not coordinate the block %(block)s.") % {"block": block.name})
    members = (
        BlockMembership.objects.filter(block__in=blocks)
        .filter(agency__in=Agency.objects.active_on(period.deadline))
        .exclude(agency__in=period.expected.values("agency"))
        .select_related("agency", "block")
    )
    added = [ExpectedReport(period=period, agency=m.agency, block=m.block) for m in members]
    ExpectedReport.objects.bulk_create(added)
    existing = set(period.reports.values_list("agency_id", flat=True))
    Report.objects.bulk_create([Report(period=period, agency=e.agency) for e in added if e.agency_id not in existing])
    period.blocks.add(*blocks)
    before = {"opened_at": audit._jsonable(period.opened_at)}
    if period.opened_at is None:
        period.opened_at, period.opened_by = timezone.now(), _person(user)
        period.save(update_fields=["opened_at", "opened_by"])
    audit.record(
        user=user,
        obj=period,
        action=AuditEntry.Action.UPDATE,
        changes={**audit.diff(before, {"opened_at": audit._jsonable(period.opened_at)}), "created": [0, len(added)]},
        reason=_("Opened for: %(blocks)s") % {"blocks": ", ".join(b.name for b in blocks)},
        agency=period.owner,
    )
    return len(added)
