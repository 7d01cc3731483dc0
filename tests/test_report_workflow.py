"""The workflow of a periodic report: draft (autosaved, merged, never silently overwritten), submitted by
the head, returned with reasons, resubmitted showing what changed, accepted and locked, reopened."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from cchc.core.models import AuditEntry
from cchc.reports import services
from cchc.reports.models import ExpectedReport, Report, ReportEvent, ReportState
from cchc.reports.services import ConflictError, WorkflowError
from tests.report_helpers import open_period, report_of, small_form


@pytest.fixture
def period(personas: Any, province: Any) -> Any:
    return open_period(personas, province)


@pytest.fixture
def report(period: Any, province: Any) -> Report:
    return report_of(period, province.dept_a)


def test_a_period_takes_the_ministrys_cutoff_and_deadline_and_opening_freezes_the_expected_set(
    period: Any, province: Any
) -> None:
    assert (period.cutoff_start, period.cutoff_end, period.deadline) == (
        date(2024, 12, 15),
        date(2025, 3, 14),
        date(2025, 3, 20),
    )
    expected = set(ExpectedReport.objects.filter(period=period).values_list("agency__code", flat=True))
    assert expected == {"SA", "SB"}
    assert set(period.reports.values_list("agency__code", "state")) == {("SA", "draft"), ("SB", "draft")}
    assert period.opened_at is not None


def test_a_period_whose_cutoff_ends_before_it_starts_is_refused(personas: Any, province: Any) -> None:
    from cchc.core.tabular import InputError
    from cchc.reports.models import ReportingPeriod

    with pytest.raises(InputError, match="15/03/2025"):
        services.create_period(
            personas.coordinator,
            province.province,
            2025,
            "Q2",
            small_form(),
            cutoff_start=date(2025, 6, 14),
            cutoff_end=date(2025, 3, 15),
        )
    assert not ReportingPeriod.objects.exists()


def test_only_the_coordinator_opens_a_period(personas: Any, province: Any) -> None:
    form = small_form()
    for user in (personas.officer_a, personas.head, personas.viewer, personas.district_coordinator):
        with pytest.raises(PermissionDenied):
            services.create_period(user, province.province, 2025, "Q1", form)


def test_autosave_writes_the_changed_fields_normalises_numbers_and_audits(personas: Any, report: Report) -> None:
    saved = services.save_values(personas.officer_a, report.pk, {"plans": "1.500", "direction": " Đã ban hành "}, 0)
    assert saved.saved == ["plans", "direction"] and not saved.conflicts
    report.refresh_from_db()
    assert report.values == {"plans": "1500", "direction": "Đã ban hành"}
    assert report.version == saved.version == 1
    entry = AuditEntry.objects.filter(object_id=str(report.pk), content_type__model="report").get()
    assert entry.changes["plans"] == [None, "1500"]


def test_two_tabs_editing_different_fields_merge_and_the_same_field_is_never_silently_overwritten(
    personas: Any, report: Report
) -> None:
    # Both open the report at version 0.
    services.save_values(personas.officer_a, report.pk, {"direction": "Bản của cán bộ"}, 0)
    merged = services.save_values(personas.head, report.pk, {"plans": "3"}, 0)
    assert merged.saved == ["plans"] and not merged.conflicts
    clash = services.save_values(personas.head, report.pk, {"direction": "Bản của thủ trưởng"}, 0)
    assert clash.saved == [] and [c.code for c in clash.conflicts] == ["direction"]
    assert clash.conflicts[0].value == "Bản của cán bộ"
    report.refresh_from_db()
    assert report.values == {"direction": "Bản của cán bộ", "plans": "3"}
    # Having seen the other version (the current version), the head may overwrite it knowingly.
    again = services.save_values(personas.head, report.pk, {"direction": "Bản của thủ trưởng"}, clash.version)
    assert again.saved == ["direction"]


def test_bad_values_name_the_field_and_write_nothing(personas: Any, report: Report) -> None:
    with pytest.raises(WorkflowError, match="Số kế hoạch đã ban hành"):
        services.save_values(personas.officer_a, report.pk, {"direction": "x", "plans": "mười"}, 0)
    with pytest.raises(WorkflowError, match="Nhiệm vụ, 1, Số"):
        services.save_values(personas.officer_a, report.pk, {"tasks": [{"task": "A", "done": "?"}]}, 0)
    with pytest.raises(WorkflowError, match="nope"):
        services.save_values(personas.officer_a, report.pk, {"nope": "1"}, 0)
    report.refresh_from_db()
    assert report.values == {} and report.version == 0


def test_a_table_field_keeps_its_rows_and_drops_empty_ones(personas: Any, report: Report) -> None:
    rows = [{"task": "Rà soát TTHC", "done": "12"}, {"task": "", "done": ""}]
    services.save_values(personas.officer_a, report.pk, {"tasks": rows}, 0)
    report.refresh_from_db()
    assert report.values["tasks"] == [{"task": "Rà soát TTHC", "done": "12"}]


def test_nobody_outside_the_agency_edits_it(personas: Any, report: Report) -> None:
    for user in (personas.officer_b, personas.viewer, personas.coordinator, personas.appraiser, None):
        with pytest.raises(PermissionDenied):
            services.save_values(user, report.pk, {"plans": "1"}, 0)


def test_the_head_submits_and_the_officer_cannot(personas: Any, report: Report) -> None:
    with pytest.raises(PermissionDenied):
        services.submit(personas.officer_a, report.pk)
    with pytest.raises(WorkflowError, match="Công tác chỉ đạo, điều hành"):
        services.submit(personas.head, report.pk)  # a required field is empty
    services.save_values(personas.officer_a, report.pk, {"direction": "Đã ban hành kế hoạch"}, 0)
    submitted = services.submit(personas.head, report.pk)
    assert submitted.state == ReportState.SUBMITTED and submitted.first_submitted_at is not None
    with pytest.raises(WorkflowError):
        services.save_values(personas.officer_a, report.pk, {"plans": "2"}, submitted.version)


def test_submitting_with_a_stale_version_is_refused(personas: Any, report: Report) -> None:
    services.save_values(personas.officer_a, report.pk, {"direction": "a"}, 0)
    with pytest.raises(ConflictError):
        services.submit(personas.head, report.pk, version=0)


def _submitted(personas: Any, report: Report, text: str = "Đã ban hành kế hoạch") -> Report:
    fresh = Report.objects.get(pk=report.pk)
    services.save_values(personas.officer_a, report.pk, {"direction": text}, fresh.version)
    return services.submit(personas.head, report.pk)


def test_return_names_fields_then_resubmission_shows_what_changed(personas: Any, report: Report) -> None:
    _submitted(personas, report)
    with pytest.raises(WorkflowError):
        services.return_report(personas.coordinator, report.pk, [("direction", " ")])
    with pytest.raises(WorkflowError, match="zzz"):
        services.return_report(personas.coordinator, report.pk, [("zzz", "Sai")])
    with pytest.raises(PermissionDenied):
        services.return_report(personas.head, report.pk, [("direction", "Bổ sung")])
    services.return_report(personas.coordinator, report.pk, [("direction", "Bổ sung số liệu"), ("II", "Thiếu")])
    returned = Report.objects.get(pk=report.pk)
    assert returned.state == ReportState.RETURNED
    event = returned.events.get(action="return")
    assert list(event.notes.values_list("target", "reason")) == [("direction", "Bổ sung số liệu"), ("II", "Thiếu")]
    services.save_values(personas.officer_a, report.pk, {"direction": "Đã bổ sung"}, returned.version)
    changes = services.changes_since_return(Report.objects.get(pk=report.pk))
    assert [(c.code, c.before, c.after) for c in changes] == [("direction", "Đã ban hành kế hoạch", "Đã bổ sung")]
    services.submit(personas.head, report.pk)
    actions = list(Report.objects.get(pk=report.pk).events.values_list("action", "from_state", "to_state"))
    assert actions == [
        ("submit", "draft", "submitted"),
        ("return", "submitted", "returned"),
        ("resubmit", "returned", "submitted"),
    ]


def test_accepted_reports_are_locked_several_accepted_at_once_and_reopened_with_a_reason(
    personas: Any, period: Any, province: Any, report: Report
) -> None:
    other = report_of(period, province.dept_b)
    _submitted(personas, report)
    with pytest.raises(WorkflowError, match="Sở Y tế"):
        services.accept(personas.coordinator, [report.pk, other.pk])  # Sở Y tế has not submitted
    assert Report.objects.get(pk=report.pk).state == ReportState.SUBMITTED  # nothing half-done
    head_b = __import__("conftest").make_user("head_b", "head", province.dept_b)
    services.save_values(personas.officer_b, other.pk, {"direction": "B"}, 0)
    services.submit(head_b, other.pk)
    assert services.accept(personas.coordinator, [report.pk, other.pk]) == 2
    with pytest.raises(WorkflowError):
        services.submit(personas.head, report.pk)  # a submission to an accepted report
    with pytest.raises(WorkflowError):
        services.save_values(personas.officer_a, report.pk, {"plans": "9"}, 99)
    with pytest.raises(WorkflowError):
        services.reopen(personas.coordinator, report.pk, " ")
    with pytest.raises(PermissionDenied):
        services.reopen(personas.head, report.pk, "Sửa")
    services.reopen(personas.coordinator, report.pk, "Số liệu quý I cần điều chỉnh")
    reopened = Report.objects.get(pk=report.pk)
    assert reopened.state == ReportState.RETURNED and reopened.accepted_at is None
    last = reopened.events.last()
    assert last is not None and (last.action, last.reason) == ("reopen", "Số liệu quý I cần điều chỉnh")
    assert ReportEvent.objects.filter(report=reopened).count() == 3
    assert AuditEntry.objects.filter(content_type__model="report", object_id=str(report.pk), reason__contains="quý I")


def test_a_district_coordinator_cannot_accept_a_department_report(personas: Any, report: Report) -> None:
    _submitted(personas, report)
    with pytest.raises(PermissionDenied):
        services.accept(personas.district_coordinator, [report.pk])


def test_each_step_tells_the_other_side_in_the_application_and_by_mail(
    personas: Any, report: Report, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from cchc.notifications.models import Notification
    from tests.test_report_reminders import body

    for user in (personas.officer_a, personas.head, personas.coordinator):
        user.email = f"{user.username}@hoaan.example"
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        _submitted(personas, report)
    assert Notification.objects.filter(recipient=personas.coordinator, link=f"/reports/r/{report.pk}/").count() == 1
    (mail,) = smtp.to("coordinator@hoaan.example")
    assert body(mail).startswith("Báo cáo quý I năm 2025 của Sở Tư pháp")
    assert not smtp.to("officer_a@hoaan.example")
    with django_capture_on_commit_callbacks(execute=True):
        services.return_report(personas.coordinator, report.pk, [("direction", "Bổ sung số liệu")])
    for address in ("officer_a@hoaan.example", "head@hoaan.example"):
        (mail,) = smtp.to(address)
        assert "Bổ sung số liệu" in body(mail)
    assert Notification.objects.filter(recipient=personas.head, read_at__isnull=True).count() == 1


def test_a_step_that_fails_tells_nobody(personas: Any, report: Report, django_capture_on_commit_callbacks: Any) -> None:
    from cchc.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkflowError):
        services.submit(personas.head, report.pk)  # a required field is empty
    assert not Notification.objects.exists()
