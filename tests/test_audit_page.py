"""The audit trail as a PAR officer reads it (issue 9, point 7): field labels, names not ids, Vietnamese
values, filters, pages, the XLSX export and its scope."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cchc.accounts.models import RoleGrant
from cchc.agencies.models import Agency
from cchc.agencies.services import import_agencies
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.scoring.models import BandConfig
from conftest import client_for

AUDIT, EXPORT = "/audit/", "/audit/export/"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def page(user: Any, query: str = "") -> str:
    response = client_for(user).get(AUDIT + query)
    assert response.status_code == 200
    return response.content.decode()


def changes_cell(content: str) -> str:
    """The text of the changes column, tags removed, so that what a person reads can be compared."""
    cells = re.findall(r"<td>(.*?)</td>", content, flags=re.S)
    return " | ".join(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in cells)


def record(obj: Any, changes: dict[str, list[Any]], **extra: Any) -> AuditEntry:
    extra.setdefault("agency", obj if isinstance(obj, Agency) else None)
    return audit.record(user=extra.pop("user", None), obj=obj, action="update", changes=changes, **extra)


def test_fields_show_as_the_interface_labels_them_with_their_values(personas: Any, province: Any) -> None:
    record(
        province.commune_1,
        {"kind": ["district", "commune"], "active_to": [None, "2025-06-30"], "name": ["Xã Một", "UBND xã Một"]},
    )
    text = changes_cell(page(personas.coordinator))
    assert "Loại hình: UBND cấp huyện → UBND cấp xã" in text
    assert "Hoạt động đến ngày: 30/06/2025" in text
    assert "Tên: Xã Một → UBND xã Một" in text
    for attname in ("active_to", "kind:", "2025-06-30"):
        assert attname not in text


def test_related_objects_show_by_name_and_code_never_by_id(personas: Any, province: Any) -> None:
    c1 = province.commune_1
    entry = record(c1, {"parent": [province.district.pk, province.other_district.pk], "successors": [[], ["C2", "C3"]]})
    # The names are kept beside the ids in the entry itself, as they were when it was written.
    assert entry.changes["parent"][1] == {"id": province.other_district.pk, "label": "UBND huyện Hai (D2)"}
    assert entry.changes["successors"][1] == [
        {"code": "C2", "label": "UBND xã Hai (C2)"},
        {"code": "C3", "label": "UBND xã Ba (C3)"},
    ]
    text = changes_cell(page(personas.coordinator))
    assert "Cơ quan cấp trên: UBND huyện Một (D1) → UBND huyện Hai (D2)" in text
    assert "Đơn vị kế thừa: UBND xã Hai (C2), UBND xã Ba (C3)" in text
    assert f"→ {province.other_district.pk}" not in text and "['C2'" not in text


def test_a_name_kept_at_write_time_outlives_the_object(personas: Any, province: Any) -> None:
    short_lived = Agency.objects.create(code="TMP", name="Ban quản lý tạm thời", kind="department")
    record(province.commune_2, {"parent": [province.district.pk, short_lived.pk]})
    short_lived.delete()
    text = changes_cell(page(personas.coordinator))
    assert "Cơ quan cấp trên: UBND huyện Một (D1) → Ban quản lý tạm thời (TMP)" in text


def test_an_entry_written_with_bare_ids_reads_with_names(personas: Any, province: Any) -> None:
    """Entries from before names were kept: ids are looked up; one gone since says so, without its id."""
    gone = Agency.objects.create(code="GONE", name="Đơn vị đã giải thể", kind="department")
    gone_pk = gone.pk
    gone.delete()
    AuditEntry.objects.create(
        action="import",
        agency=province.commune_1,
        content_type_id=audit.entry(
            user=None, obj=province.commune_1, action="", changes={}, reason="", agency=None
        ).content_type.pk,
        object_id=str(province.commune_1.pk),
        object_repr=province.commune_1.name,
        changes={"parent": [gone_pk, province.district.pk], "successors": [["GONE"], ["C2"]]},
    )
    text = changes_cell(page(personas.coordinator))
    assert "Cơ quan cấp trên: Cơ quan, đơn vị đã bị xóa → UBND huyện Một (D1)" in text
    assert "Đơn vị kế thừa: GONE (Cơ quan, đơn vị đã bị xóa) → UBND xã Hai (C2)" in text
    assert str(gone_pk) not in text.split("Cơ quan cấp trên:")[1].split("|")[0]


def test_numbers_rates_and_yes_no_are_written_the_vietnamese_way(personas: Any, province: Any) -> None:
    config = BandConfig.objects.create(block=province.block_departments)
    record(
        config,
        {"good_min": ["80.00", "82.50"], "late_rate_limit": ["0.0500", "0.0525"]},
        agency=province.province,
    )
    grant = RoleGrant.objects.get(user=personas.district_coordinator)
    record(grant, {"include_descendants": [True, False], "role": ["coordinator", "viewer"]}, agency=grant.agency)
    record(province.dept_a, {"created": [None, 1234]})
    text = changes_cell(page(personas.coordinator))
    assert "Tốt từ (chỉ số): 80,00 → 82,50" in text
    assert "Tỉ lệ hồ sơ trễ hạn không được xếp hạng Tốt: 5,00% → 5,25%" in text
    assert "Bao gồm các cơ quan, đơn vị trực thuộc: Có → Không" in text
    assert "Vai trò: Cơ quan quản lý CCHC → Lãnh đạo (xem)" in text
    assert "Số bản ghi tạo mới: 1.234" in text
    assert "82.50" not in text and "True" not in text


def test_an_import_is_one_row_per_entry_with_its_reason(personas: Any, province: Any) -> None:
    rows = [
        {"code": "XN1", "name": "UBND xã Nam Một", "kind": "commune", "parent_code": "D1", "successor_code": "C1"},
        {"code": "XN2", "name": "UBND xã Nam Hai", "kind": "commune", "parent_code": "D1", "successor_code": ""},
    ]
    import_agencies(enumerate(rows, start=2), reason="Quyết định 12/QĐ-UBND")
    content = page(personas.coordinator, "?agency=XN1")
    body = content.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 1
    text = changes_cell(body)
    assert "UBND xã Nam Một (XN1)" in text
    assert "Cơ quan cấp trên: UBND huyện Một (D1)" in text
    assert "Đơn vị kế thừa: UBND xã Một (C1)" in text
    assert "Quyết định 12/QĐ-UBND" in text


# --- filters, pages, export -------------------------------------------------------------------------


@pytest.fixture
def trail(personas: Any, province: Any) -> dict[str, AuditEntry]:
    """Entries by different people on different objects and days."""
    grant = RoleGrant.objects.get(user=personas.officer_a)
    entries = {
        "sa": record(province.dept_a, {"name": ["A", "B"]}, user=personas.coordinator),
        "c1": record(province.commune_1, {"name": ["C", "D"]}, user=personas.district_coordinator),
        "c3": record(province.other_commune, {"name": ["E", "F"]}, user=personas.coordinator),
        "grant": record(grant, {"role": ["head", "focal"]}, user=personas.admin, agency=province.dept_a),
    }
    days = {"sa": 3, "c1": 10, "c3": 20, "grant": 25}
    for key, day in days.items():
        AuditEntry.objects.filter(pk=entries[key].pk).update(at=datetime(2026, 3, day, 23, 30, tzinfo=HANOI))
    return entries


def shown(user: Any, query: str = "") -> set[int]:
    response = client_for(user).get(AUDIT + query)
    assert response.status_code == 200
    return {row.entry.pk for row in response.context["rows"]}


def keys(trail: dict[str, AuditEntry], *names: str) -> set[int]:
    return {trail[n].pk for n in names}


def test_filter_by_agency_code_or_name(personas: Any, trail: dict[str, AuditEntry]) -> None:
    assert shown(personas.coordinator, "?agency=sa") == keys(trail, "sa", "grant")
    assert shown(personas.coordinator, "?agency=xã+Ba") == keys(trail, "c3")


def test_filter_by_user_name_or_login(personas: Any, trail: dict[str, AuditEntry]) -> None:
    assert shown(personas.coordinator, "?user=district_coordinator") == keys(trail, "c1")
    assert shown(personas.coordinator, "?user=Admin") == keys(trail, "grant")


def test_filter_by_kind_of_object_lists_the_kinds_by_name(personas: Any, trail: dict[str, AuditEntry]) -> None:
    response = client_for(personas.coordinator).get(AUDIT)
    choices = dict(response.context["filter"].form.fields["kind"].choices)
    grant_kind = str(trail["grant"].content_type_id)
    assert choices[grant_kind] == "Phân quyền"
    assert shown(personas.coordinator, f"?kind={grant_kind}") == keys(trail, "grant")


def test_filter_by_period_counts_days_in_the_province_time_zone(personas: Any, trail: dict[str, AuditEntry]) -> None:
    # 23:30 on 3 March in Hanoi is 16:30 UTC: the entry belongs to the 3rd.
    assert shown(personas.coordinator, "?since=2026-03-03&until=2026-03-10") == keys(trail, "sa", "c1")
    assert shown(personas.coordinator, "?since=2026-03-11") == keys(trail, "c3", "grant")


def test_the_page_is_paginated_and_keeps_its_filters(personas: Any, province: Any) -> None:
    for n in range(30):
        record(province.dept_b, {"name": [f"Tên {n}", f"Tên {n + 1}"]})
    record(province.dept_a, {"name": ["Khác", "Khác nữa"]})
    client = client_for(personas.coordinator)
    first = client.get(AUDIT + "?agency=SB")
    assert len(first.context["rows"]) == 25
    assert 'href="?agency=SB&amp;page=2"' in first.content.decode()
    second = client.get(AUDIT + "?agency=SB&page=2")
    assert len(second.context["rows"]) == 5


def test_the_list_does_not_query_per_entry(
    personas: Any, province: Any, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    """Bare references (old entries) are looked up per page, not per row."""
    ct = audit.entry(user=None, obj=province.commune_1, action="", changes={}, reason="", agency=None).content_type

    def old_entries(n: int) -> None:
        AuditEntry.objects.bulk_create(
            AuditEntry(
                action="update",
                user=personas.officer_a,
                agency=province.commune_1,
                content_type=ct,
                object_id=str(province.commune_1.pk),
                object_repr="x",
                changes={"parent": [province.district.pk, province.other_district.pk], "successors": [[], ["C2"]]},
            )
            for _ in range(n)
        )

    old_entries(2)
    client = client_for(personas.coordinator)
    client.get(AUDIT)
    with CaptureQueriesContext(connection) as before:
        client.get(AUDIT)
    old_entries(20)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(AUDIT)
    assert len(response.context["rows"]) == 22
    assert "UBND huyện Hai (D2)" in response.content.decode()


def workbook_rows(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_export_has_the_page_columns_and_readable_changes(personas: Any, trail: dict[str, AuditEntry]) -> None:
    rows = workbook_rows(client_for(personas.coordinator).get(EXPORT + "?agency=SA"))
    header = next(r for r in rows if r and r[0] == "Thời gian")
    body = rows[rows.index(header) + 1 :]
    assert header == (
        "Thời gian",
        "Người thực hiện",
        "Cơ quan, đơn vị liên quan",
        "Thao tác",
        "Loại đối tượng",
        "Đối tượng",
        "Thay đổi (cũ → mới)",
        "Lý do",
    )
    by_object = {r[4]: r for r in body}
    assert set(by_object) == {"Cơ quan, đơn vị", "Phân quyền"}
    assert by_object["Cơ quan, đơn vị"][:2] == (datetime(2026, 3, 3, 23, 30), "Coordinator (coordinator)")
    assert by_object["Cơ quan, đơn vị"][2] == "Sở Tư pháp (SA)"
    assert by_object["Cơ quan, đơn vị"][6] == "Tên: A → B"
    assert by_object["Phân quyền"][6] == "Vai trò: Thủ trưởng cơ quan → Cán bộ đầu mối"


def test_the_export_keeps_to_the_coordinators_scope(personas: Any, trail: dict[str, AuditEntry]) -> None:
    client = client_for(personas.district_coordinator)
    agencies = {r[2] for r in workbook_rows(client.get(EXPORT)) if r and isinstance(r[0], datetime)}
    assert agencies == {"UBND xã Một (C1)"}
    assert not any(isinstance(r[0], datetime) for r in workbook_rows(client.get(EXPORT + "?agency=SA")))


@pytest.mark.parametrize("persona", ["officer_a", "head", "appraiser", "viewer"])
def test_the_export_is_refused_to_non_coordinators(personas: Any, trail: dict[str, AuditEntry], persona: str) -> None:
    assert client_for(getattr(personas, persona)).get(EXPORT).status_code == 403


def test_an_export_with_a_filter_that_does_not_read_says_so(personas: Any, trail: dict[str, AuditEntry]) -> None:
    response = client_for(personas.coordinator).get(EXPORT + "?since=03/2026")
    assert response.status_code == 400
    assert "Từ ngày" in response.content.decode()
