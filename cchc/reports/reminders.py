"""Reminders of periodic reports (nhắc báo cáo): in the application and by e-mail, each exactly once.

For every opened period, each responsible unit (``cchc.reports.completeness``: the expected agencies
followed through merges) that has not submitted is reminded on its steps: ``CCHC_REPORT_REMINDER_DAYS``
days before the deadline (7 and 3 unless configured), on the day, one day after, then every 7 days.
Its focal officers and heads are told (their own grants on the agency); from the day after the
deadline, the coordinators of the period's owner too, in one message per period and step listing the
overdue agencies (rather than one mail per agency).

A run sends the latest step reached by ``today`` that has not been sent (a day the worker missed is
caught up with one reminder, not several). The notification's key names the period, the agency and
the step, so that a step is sent once however often the run is repeated, and by one of two runs that
overlap (``cchc.notifications.services.notify``). A submitted report stops its reminders by itself:
the unit is no longer missing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cchc.core.formatting import format_date
from cchc.core.scope import SYSTEM
from cchc.notifications.services import notify, send_unsent
from cchc.reports.calendar import period_text
from cchc.reports.completeness import Cell, Status, cells
from cchc.reports.models import ReportingPeriod
from cchc.reports.services import coordinators_of, officers_of

AFTER_EVERY = 7  # days between the reminders after the first one past the deadline


def step_of(deadline: date, today: date, days_before: list[int] | None = None) -> str | None:
    """The latest reminder step reached on ``today``: "before-7", "before-3", "due", "after-1", "after-8" …;
    None before the first."""
    days_before = settings.CCHC_REPORT_REMINDER_DAYS if days_before is None else days_before
    offset = (today - deadline).days
    if offset < 0:
        reached = [d for d in days_before if d >= -offset]
        return f"before-{min(reached)}" if reached else None
    if offset == 0:
        return "due"
    return f"after-{1 + (offset - 1) // AFTER_EVERY * AFTER_EVERY}"


def send_reminders(today: date) -> dict[str, int]:
    """Remind every responsible unit of every opened period that has not submitted; returns counts.

    Work no person asks for: it reads as ``SYSTEM``."""
    periods = list(ReportingPeriod.objects.restrict(SYSTEM).filter(opened_at__isnull=False).select_related("owner"))
    periods = [p for p in periods if step_of(p.deadline, today) is not None]
    missing: dict[int, list[Cell]] = defaultdict(list)
    for cell in cells(SYSTEM, periods, as_of=today):
        if cell.status == Status.MISSING:
            missing[cell.period_id].append(cell)
    officers = officers_of({c.agency.id for found in missing.values() for c in found})
    made = 0
    with translation.override("vi"):  # the mail and the notifications are in Vietnamese
        for period in periods:
            step = step_of(period.deadline, today)
            assert step is not None
            for cell in missing[period.pk]:
                made += len(_remind_unit(period, cell, step, today, officers.get(cell.agency.id, [])))
            if step.startswith("after") and missing[period.pk]:
                made += len(_remind_coordinators(period, missing[period.pk], step, today))
    retried = send_unsent()
    return {"periods": len(periods), "missing": sum(map(len, missing.values())), "made": made, "retried": retried}


def _facts(period: ReportingPeriod, today: date) -> dict[str, Any]:
    return {
        "period": period_text(period.year, period.kind),
        "owner": period.owner.name,
        "deadline": format_date(period.deadline),
        "days": abs((period.deadline - today).days),
    }


def _remind_unit(period: ReportingPeriod, cell: Cell, step: str, today: date, users: list[Any]) -> list[Any]:
    facts = {**_facts(period, today), "agency": cell.agency.name}
    if step == "due":
        subject = _("Report %(period)s of %(agency)s is due today (%(deadline)s)") % facts
        lead = _("Today, %(deadline)s, is the deadline of the report %(period)s of %(agency)s to %(owner)s.") % facts
    elif step.startswith("before"):
        subject = _("Report %(period)s of %(agency)s: deadline %(deadline)s") % facts
        lead = _("The report %(period)s of %(agency)s to %(owner)s is due on %(deadline)s, in %(days)s days.") % facts
    else:
        subject = _("Overdue: report %(period)s of %(agency)s (deadline %(deadline)s)") % facts
        lead = (
            _(
                "The report %(period)s of %(agency)s to %(owner)s is overdue: the deadline was %(deadline)s, %(days)s days ago."
            )
            % facts
        )
    text = f"{lead}\n" + _("It has not been submitted yet. The head of the agency submits it in the PAR system.")
    key = f"reports:{period.pk}:{cell.agency.id}:{step}"
    return notify(users, key, text, reverse("reports:owed", args=[period.pk, cell.agency.code]), subject=subject)


def _remind_coordinators(period: ReportingPeriod, overdue: list[Cell], step: str, today: date) -> list[Any]:
    facts = {**_facts(period, today), "count": len(overdue)}
    subject = _("%(count)s agencies have not submitted the report %(period)s (deadline %(deadline)s)") % facts
    names = "\n".join(f"- {c.agency.name} ({c.agency.code})" for c in overdue)
    text = (
        _("%(count)s agencies have not submitted the report %(period)s to %(owner)s; the deadline was %(deadline)s:")
        % facts
    )
    link = reverse("reports:completeness") + f"?year={period.year}"
    return notify(
        coordinators_of(period), f"reports:{period.pk}:overdue:{step}", f"{text}\n{names}", link, subject=subject
    )
