"""The province's national indices (issue 12 point 7, DESIGN §5.7): the change in rank written as the seeds
write it, XLSX import and export checked row by row, the page and API read by every signed-in person and
changed by the province's coordinators only, the import audited."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from cchc.core.models import AuditEntry
from cchc.core.tabular import InputError
from cchc.indices import demo
from cchc.indices.changes import Standing, rank_change_text, rank_sentence, score_change_text
from cchc.indices.models import IndexKind, ProvincialIndex
from cchc.indices.services import import_indices_file, indices_file
from conftest import client_for

HEADER = ["index_code", "year", "score", "rank", "out_of", "note"]


def standing(year: int, rank: int, out_of: int = 63, score: str | None = None) -> Standing:
    return Standing(year, None if score is None else Decimal(score), rank, out_of)


# The sentence, with the seeds' figures


@pytest.mark.parametrize(
    ("name", "before", "after", "sentence"),
    [
        # seeds/000: the province's indices of 2022 against 2021
        ("PAR-Index", standing(2021, 48), standing(2022, 25), "Chỉ số PAR-Index xếp hạng 25/63, tăng 23 bậc"),
        ("PCI", standing(2021, 44), standing(2022, 16), "Chỉ số PCI xếp hạng 16/63, tăng 28 bậc"),
        ("PAPI", standing(2021, 40, 61), standing(2022, 16, 61), "Chỉ số PAPI xếp hạng 16/61, tăng 24 bậc"),
        ("PACA", standing(2021, 63), standing(2022, 11), "Chỉ số PACA xếp hạng 11/63, tăng 52 bậc"),
        # seeds/004: 2023 against 2022
        ("SIPAS", standing(2022, 7), standing(2023, 4), "Chỉ số SIPAS xếp hạng 4/63, tăng 3 bậc"),
        ("PAPI", standing(2022, 8), standing(2023, 7), "Chỉ số PAPI xếp hạng 7/63, tăng 1 bậc"),
        ("PAR-Index", standing(2022, 28), standing(2023, 18), "Chỉ số PAR-Index xếp hạng 18/63, tăng 10 bậc"),
        # the other ways a rank moves
        ("PCI", standing(2022, 16), standing(2023, 21), "Chỉ số PCI xếp hạng 21/63, giảm 5 bậc"),
        ("PACA", standing(2023, 15), standing(2024, 15), "Chỉ số PACA xếp hạng 15/63, giữ nguyên"),
        ("DTI", None, standing(2020, 35), "Chỉ số DTI xếp hạng 35/63"),
        # among a different number of provinces (the 2025 merger): the earlier standing beside the change
        ("PCI", standing(2024, 15), standing(2025, 8, 34), "Chỉ số PCI xếp hạng 8/34, tăng 7 bậc (năm 2024: 15/63)"),
    ],
)
def test_the_rank_sentence_is_written_as_the_seeds_write_it(name, before, after, sentence):
    assert rank_sentence(name, after, before) == sentence


def test_rank_and_score_changes_in_points_and_percentage_points():
    assert rank_change_text(25, 48) == "tăng 23 bậc"
    assert rank_change_text(21, 16) == "giảm 5 bậc"
    assert rank_change_text(15, 15) == "giữ nguyên"
    assert rank_change_text(15, None) == ""
    assert score_change_text(Decimal("67.45"), Decimal("63.90"), "points") == "tăng 3,55 điểm"
    assert score_change_text(Decimal("66.80"), Decimal("67.45"), "points") == "giảm 0,65 điểm"
    # Between two percentages: the difference in percentage points, written "3,51%" as the seeds do.
    assert score_change_text(Decimal("87.56"), Decimal("84.05"), "percent") == "tăng 3,51%"
    assert score_change_text(Decimal("0.5231"), Decimal("0.4868"), "points", 4) == "tăng 0,0363 điểm"
    assert score_change_text(Decimal("80.004"), Decimal("80.001"), "percent") == "không thay đổi"
    assert score_change_text(Decimal("44.20"), Decimal("44.2"), "points") == "không thay đổi"
    assert score_change_text(None, Decimal(1), "points") == ""


# Import and export


def xlsx(tmp_path: Path, rows: list[list[Any]], header: list[str] = HEADER, name: str = "indices.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


GOOD = [
    ["PAR_INDEX", 2021, 80.92, 48, 63, "Bộ Nội vụ công bố 2022"],
    ["PAR_INDEX", 2022, 86.71, 25, 63, ""],
    ["PCI", 2022, "67,45", 16, 63, "VCCI"],
    ["DTI", 2022, 0.4868, 24, 63, ""],
    ["PAPI", 2025, None, 6, 34, "chỉ có thứ hạng"],
]


def test_a_good_file_is_imported_audited_and_exported_back(province, personas, tmp_path):
    summary = import_indices_file(xlsx(tmp_path, GOOD), province=province.province, user=personas.coordinator)
    assert (summary.created, summary.updated, summary.unchanged) == (5, 0, 0)
    par = ProvincialIndex.objects.get(kind__code="PAR_INDEX", year=2022)
    assert (par.score, par.rank, par.out_of, par.province) == (Decimal("86.71"), 25, 63, province.province)
    assert ProvincialIndex.objects.get(kind__code="PCI").score == Decimal("67.45")  # a Vietnamese decimal comma
    assert ProvincialIndex.objects.get(kind__code="PAPI").score is None
    entries = AuditEntry.objects.filter(content_type__model="provincialindex")
    assert entries.count() == 5 and {e.action for e in entries} == {AuditEntry.Action.IMPORT}
    assert {e.agency for e in entries} == {province.province} and entries[0].user == personas.coordinator
    created = entries.get(object_id=str(ProvincialIndex.objects.get(kind__code="DTI").pk))
    assert created.changes["kind"][1]["label"] == "Chỉ số chuyển đổi số cấp tỉnh (DTI)" and created.changes["year"] == [
        None,
        2022,
    ]
    trail = client_for(personas.coordinator).get("/audit/").content.decode()
    assert "DTI" in trail and "0,4868" in trail

    exported = tmp_path / "out.xlsx"
    exported.write_bytes(indices_file(ProvincialIndex.objects.select_related("kind"), "xlsx", province.province))
    sheet = load_workbook(exported).active
    assert "Chỉ số của tỉnh" in str(sheet.cell(1, 1).value)
    assert [c.value for c in sheet[2]] == [
        "Chỉ số",
        "Năm",
        "Điểm",
        "Thứ hạng",
        "Số tỉnh, thành xếp hạng",
        "Nguồn, ghi chú",
    ]
    again = import_indices_file(exported, province=province.province)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)

    changed = [["PAR_INDEX", 2022, 86.71, 24, 63, "đính chính"]]
    summary = import_indices_file(xlsx(tmp_path, changed, name="c.xlsx"), province=province.province)
    assert (summary.created, summary.updated) == (0, 1)
    entry = AuditEntry.objects.filter(object_id=str(par.pk)).latest("id")
    assert entry.changes["rank"] == [25, 24]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["PAR", 2022, 80, 10, 63, ""], "Dòng 3, cột “index_code”: không có chỉ số “PAR” (một trong PAR_INDEX, SIPAS"),
        (["PCI", "năm", 80, 10, 63, ""], "Dòng 3, cột “year”: “năm” không phải là số nguyên từ 1 trở lên"),
        (["PCI", 1990, 80, 10, 63, ""], "Dòng 3, cột “year”: “1990” không phải là một năm"),
        (["PCI", 2022, 120, 10, 63, ""], "Dòng 3, cột “score”: điểm phải từ 0 đến 100"),
        (["DTI", 2022, 48.68, 10, 63, ""], "Dòng 3, cột “score”: điểm phải từ 0 đến 1"),
        (["PCI", 2022, "cao", 10, 63, ""], "Dòng 3, cột “score”: “cao” không phải là số"),
        (["PCI", 2022, 80, 70, 63, ""], "Dòng 3, cột “rank”: thứ hạng 70 vượt quá 63 tỉnh, thành được xếp hạng"),
        (["PCI", 2022, 80, 10, None, ""], "Dòng 3, cột “out_of”: có thứ hạng thì cần số tỉnh, thành được xếp hạng"),
        (["PCI", 2022, 80, 0, 63, ""], "Dòng 3, cột “rank”: “0” không phải là số nguyên từ 1 trở lên"),
        (["PCI", 2022, None, None, None, ""], "Dòng 3, cột “score”: cần điểm, thứ hạng hoặc cả hai"),
        (["PAR_INDEX", 2021, 81, 47, 63, ""], "Dòng 3, cột “index_code”: PAR_INDEX năm 2021 đã có ở dòng 2"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(province, tmp_path, row, message):
    import_indices_file(
        xlsx(tmp_path, [["PCI", 2021, 63.9, 44, 63, ""]], name="before.xlsx"), province=province.province
    )
    before = list(ProvincialIndex.objects.values_list())
    audited = AuditEntry.objects.count()
    with pytest.raises(InputError) as error:
        import_indices_file(xlsx(tmp_path, [["PAR_INDEX", 2021, 80.92, 48, 63, ""], row]), province=province.province)
    assert str(error.value).startswith(message), str(error.value)
    assert "\n" not in str(error.value)
    assert list(ProvincialIndex.objects.values_list()) == before and AuditEntry.objects.count() == audited


def test_a_misspelt_column_is_refused(province, tmp_path):
    with pytest.raises(InputError, match="cột không xác định: rang"):
        import_indices_file(xlsx(tmp_path, [], header=["index_code", "year", "rang"]), province=province.province)


def test_the_commands_import_and_export(province, tmp_path):
    call_command("import_indices", str(xlsx(tmp_path, GOOD)), stdout=io.StringIO())
    assert ProvincialIndex.objects.count() == 5
    out = tmp_path / "export.csv"
    stdout = io.StringIO()
    call_command("export_indices", "--out", str(out), stdout=stdout)
    assert "5" in stdout.getvalue()
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ",".join(HEADER) and "PAR_INDEX,2022,86.71,25,63," in lines


def test_a_province_may_add_its_own_index(province, tmp_path):
    IndexKind.objects.create(code="PGI", short_name="PGI", name="Chỉ số xanh cấp tỉnh", unit="points", scale=100)
    import_indices_file(xlsx(tmp_path, [["pgi", 2023, 20.5, 30, 63, ""]]), province=province.province)
    assert ProvincialIndex.objects.get(kind__code="PGI").rank == 30


# Pages and API


@pytest.fixture
def recorded(province: Any, tmp_path: Path) -> None:
    rows = [
        [code, year, score, rank, out_of, ""]
        for code, figures in demo.FIGURES.items()
        for year, score, rank, out_of in figures
    ]
    import_indices_file(xlsx(tmp_path, rows, name="demo.xlsx"), province=province.province)


@pytest.mark.parametrize("persona", ["officer_a", "head", "district_coordinator", "viewer", "coordinator"])
def test_every_signed_in_person_reads_the_table_and_the_chart(recorded, personas, persona):
    page = client_for(getattr(personas, persona)).get("/indices/").content.decode()
    assert "2022: Chỉ số PAR-Index xếp hạng 25/63, tăng 23 bậc" not in page  # the latest year is the sentence
    assert "2025: Chỉ số PAR-Index xếp hạng 9/34, tăng 5 bậc (năm 2024: 14/63)." in page
    assert "tăng 23 bậc" in page and "giữ nguyên" in page and "giảm 5 bậc" in page
    assert 'data-chart="index"' in page and 'id="chart-PAR_INDEX"' in page
    assert "vendor/chart.js/chart.umd.js" in page and "https://" not in page.split("<main")[1]
    assert "86,71%" in page and "0,4868" in page
    can_edit = persona == "coordinator"
    assert ('action="/indices/import/"' in page) is can_edit
    assert ('action="/indices/save/"' in page) is can_edit


def test_the_page_filters_by_index_and_years(recorded, personas):
    page = client_for(personas.viewer).get("/indices/?kind=PCI&year_from=2022").content.decode()
    assert 'id="chart-PCI"' in page and 'id="chart-PAR_INDEX"' not in page
    assert '<th scope="row" class="fw-normal">2021</th>' not in page
    # The change of 2022 is still counted from 2021, which the filter hides.
    assert "tăng 28 bậc" in page


@pytest.mark.parametrize("persona", ["officer_a", "head", "district_coordinator", "viewer", "appraiser"])
def test_only_the_province_s_coordinators_import_or_enter(recorded, personas, persona, tmp_path):
    before = list(ProvincialIndex.objects.order_by("pk").values_list())
    client = client_for(getattr(personas, persona))
    with xlsx(tmp_path, [["PCI", 2026, 70, 5, 34, ""]], name="new.xlsx").open("rb") as upload:
        assert client.post("/indices/import/", {"file": upload}).status_code == 403
    form = {"index_code": "PCI", "year": "2026", "score": "70", "rank": "5", "out_of": "34"}
    assert client.post("/indices/save/", form).status_code == 403
    assert list(ProvincialIndex.objects.order_by("pk").values_list()) == before


def test_a_coordinator_imports_and_enters_on_the_page(recorded, personas, tmp_path):
    client = client_for(personas.coordinator)
    with xlsx(tmp_path, [["PCI", 2026, 70, 5, 34, ""]], name="new.xlsx").open("rb") as upload:
        response = client.post("/indices/import/", {"file": upload, "reason": "Kết quả mới"}, follow=True)
    assert "Đã nhập chỉ số của tỉnh: 1 thêm mới" in response.content.decode()
    assert AuditEntry.objects.filter(content_type__model="provincialindex", reason="Kết quả mới").count() == 1
    with xlsx(tmp_path, [["PCI", 2026, 170, 5, 34, ""]], name="bad.xlsx").open("rb") as upload:
        response = client.post("/indices/import/", {"file": upload}, follow=True)
    assert "Dòng 2, cột “score”: điểm phải từ 0 đến 100" in response.content.decode()
    form = {"index_code": "SIPAS", "year": "2026", "score": "89,5", "rank": "5", "out_of": "34", "note": "BNV"}
    response = client.post("/indices/save/", form, follow=True)
    assert "Đã lưu SIPAS năm 2026." in response.content.decode()
    assert ProvincialIndex.objects.get(kind__code="SIPAS", year=2026).score == Decimal("89.5")
    response = client.post("/indices/save/", {**form, "rank": "50"}, follow=True)
    assert "cột “rank”: thứ hạng 50 vượt quá 34 tỉnh, thành được xếp hạng" in response.content.decode()
    assert ProvincialIndex.objects.get(kind__code="SIPAS", year=2026).rank == 5


def test_the_export_holds_the_page_s_selection(recorded, personas):
    response = client_for(personas.officer_a).get("/indices/export/?format=csv&kind=PACA")
    assert response["Content-Disposition"].startswith("attachment")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 4 and all(line.startswith("PACA,") for line in lines[1:])
    # As a workbook a year is written 2021, not 2,021 or 2.021 (no thousands separator).
    book = load_workbook(
        io.BytesIO(client_for(personas.officer_a).get("/indices/export/?format=xlsx&kind=PACA").content)
    )
    sheet = book[book.sheetnames[0]]
    header = [c.value for c in sheet[2]]
    year = sheet.cell(3, header.index("Năm") + 1)
    assert isinstance(year.value, int) and year.number_format == "0"


def test_the_api_lists_the_results_with_their_change(recorded, personas):
    data = client_for(personas.officer_b).get("/api/v1/provincial-indices/?kind=PAR_INDEX&limit=100").json()
    results = data["results"]
    assert [r["year"] for r in results] == [2020, 2021, 2022, 2023, 2024, 2025]
    par_2022 = results[2]
    assert par_2022["score"] == "86.7100" and par_2022["rank"] == 25 and par_2022["out_of"] == 63
    assert par_2022["rank_change"] == 23 and par_2022["rank_text"] == "Chỉ số PAR-Index xếp hạng 25/63, tăng 23 bậc"
    assert results[0]["rank_change"] is None
    assert client_for(None).get("/api/v1/provincial-indices/").status_code == 401


def test_the_demo_tells_the_seed_s_story(province):
    demo.extend(1)
    (line,) = demo.story()
    assert "năm 2025: Chỉ số PAR-Index xếp hạng 9/34" in line
    kinds = set(ProvincialIndex.objects.values_list("kind__code", flat=True))
    assert kinds == {"PAR_INDEX", "SIPAS", "PAPI", "PCI", "PACA", "DTI", "ICT_INDEX"}
