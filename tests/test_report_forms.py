"""Report forms (DESIGN §5.3): the rules' language, the form as an XLSX workbook, the default PAR form."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from cchc.core.models import AuditEntry
from cchc.core.tabular import InputError
from cchc.reports import defaults
from cchc.reports.defaults import default_definition, default_form
from cchc.reports.forms_io import definition_of, export_form, import_form, read_form
from cchc.reports.models import FormField, FormRule, FormSection, ReportForm
from cchc.reports.rules import (
    Violation,
    blocking,
    compile_rule,
    evaluate,
    invalid_numbers,
    missing_required,
    parse_number,
)
from tests.test_commands import cli, one_line_error
from tests.test_i18n import compiled_catalogue  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("compiled_catalogue")


@pytest.fixture
def english():
    """The messages in English, to read them here; the commands' tests read them in Vietnamese."""
    with translation.override("en"):
        yield


SAMPLE = Path(__file__).resolve().parents[1] / "docs" / "samples" / "report-form.xlsx"


@dataclass
class F:
    """A field as the rules see one."""

    code: str
    kind: str = "number"
    columns: list[dict[str, str]] = field(default_factory=list)


FIELDS = {
    f.code: f
    for f in (
        F("a"),
        F("b"),
        F("c"),
        F("note", "text"),
        F(
            "tasks",
            "table",
            [{"code": "n", "label": "N", "kind": "number"}, {"code": "t", "label": "T", "kind": "text"}],
        ),
    )
}


def holds(expression: str, **values: Any) -> bool | None:
    compiled = compile_rule(expression, FIELDS)
    prepared = {k: (parse_number(v) if FIELDS[k].kind == "number" else v) for k, v in values.items()}
    return compiled.holds(prepared)


# --- the rules' language ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("a = b + c", True),  # "=" is equality, as a person writes it
        ("a == b + c", True),
        ("a != b + c", False),
        ("a < b", False),
        ("a <= 10", True),
        ("a > b", True),
        ("b >= 3", True),
        ("a - b = c", True),
        ("b * 2 = 6", True),
        ("a / 2 = 5", True),
        ("(a - b) * 2 = c * 2", True),
        ("a = 10 and b = 3", True),
        ("a = 1 or b = 3", True),
        ("not a = 10", False),
        ("-a < 0", True),
        ("c / a = 0.7", True),  # decimal constants, exact arithmetic
        ("0 <= b <= a", True),  # chained
    ],
)
def test_every_operator(expression, expected):
    assert holds(expression, a="10", b="3", c="7") is expected


def test_numbers_as_people_type_them(english):
    assert parse_number("93.281") == 93281  # Vietnamese thousands
    assert parse_number("1.500") == 1500
    assert parse_number("1.073.260") == 1073260
    assert parse_number("12,5") == Decimal("12.5")
    assert parse_number("1.500,25") == Decimal("1500.25")
    assert parse_number("1500.5") == Decimal("1500.5")
    assert parse_number(" 83300 ") == 83300
    assert parse_number(42) == 42
    assert parse_number("") is None
    with pytest.raises(InputError, match="“12a” is not a number"):
        parse_number("12a")
    assert holds("a = b + c", a="1.500", b="1500", c="0") is True


def test_table_sums():
    rows = [{"n": "1.200", "t": "x"}, {"n": "300", "t": "y"}, {"n": "", "t": "an empty cell counts 0"}]
    assert holds("sum(tasks.n) = 1500", tasks=rows) is True
    assert holds("sum(tasks.n) > a", tasks=rows, a="2000") is False
    assert holds("sum(tasks.n) = 0", tasks=[]) is None  # no rows: an empty field


def test_an_empty_field_is_not_judged():
    assert holds("a = b + c", a="10", b="3", c="") is None
    assert holds("a = b + c", a="10", b="3") is None
    assert holds("a > 100 or b = 3", a=None, b="3") is None  # any empty field it reads, whatever the logic


def test_a_division_by_zero_is_not_judged():
    assert holds("a / b <= 0.01", a="5", b="0") is None
    assert holds("a / (b - 3) = 1", a="5", b="3") is None
    assert holds("a / b <= 1", a="0", b="4") is True


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("a = d + c", "the rule “a = d + c” names an unknown field “d”"),
        ("sum(nothing.n) = 1", "names an unknown field “nothing”"),
        ("sum(tasks.x) = 1", "unknown column “x” of the table “tasks”"),
        ("sum(tasks.t) = 1", "the column “t” of “tasks” is not a number"),
        ("sum(a.n) = 1", "sum() needs a table field, and “a” is not one"),
        ("note = 1", "the field “note” is not a number"),
        ("tasks = 1", "the field “tasks” is not a number"),
        ("a = (b + ", "cannot read the rule"),
        ("a === b", "cannot read the rule"),
        ("a + b", "is not a comparison"),
        ("a = (b < c)", "is a comparison where a number is expected"),
        ("a and b = 1", "is a number where a comparison is expected"),
        ("__import__('os').system('true') = 0", "a rule cannot use"),
        ("a.real = 1", "a rule cannot use"),
        ("a ** 2 = 4", "a rule cannot use"),
        ("a % 2 = 0", "a rule cannot use"),
        ("a = 'x'", "a rule cannot use"),
        ("a in (1, 2)", "a rule cannot use"),
        ("max(a, b) = 1", "a rule cannot use"),
        ("", "the rule is empty"),
    ],
)
def test_bad_rules_are_refused_with_what_is_wrong(english, expression, message):
    with pytest.raises(InputError) as caught:
        compile_rule(expression, FIELDS)
    assert message in str(caught.value)


def test_blocking_hard_and_unjustified_soft():
    hard = Violation("h", "hard", "…", ["a"])
    soft = Violation("s", "soft", "…", ["b"])
    other = Violation("s2", "soft", "…", ["c"])
    assert blocking([hard, soft, other], {"s": "Kiểm tra đột xuất theo chỉ đạo", "s2": "   ", "h": "a reason"}) == [
        hard,
        other,
    ]
    assert blocking([soft], {}) == [soft]
    assert blocking([], {}) == []


# --- the default PAR form ---------------------------------------------------------------------------

SEED_002 = {"received": "93.281", "resolved": "83.300", "early": "73.516", "on_time": "9.517", "late": "267"}


def test_the_default_form_follows_the_seeds_outline(db):
    form = default_form(2026)
    assert (form.year, form.code, form.version) == (2026, "par", 1)
    sections = list(form.sections.values_list("code", "level"))
    assert sections[:2] == [("direction", 1), ("results", 1)]
    assert [c for c, level in sections if level == 2] == [
        "institutions",
        "procedures",
        "organisation",
        "civil_service",
        "public_finance",
        "digital_government",
    ]
    assert sections[-2:] == [("assessment", 1), ("outlook", 1)]
    assert form.sections.get(code="direction").title == "I. Công tác chỉ đạo, điều hành CCHC"
    procedures = form.fields.filter(section__code="procedures")
    prefilled = dict(procedures.exclude(prefill="").values_list("code", "prefill"))
    for code in ("received", "carried_over", "resolved", "early", "on_time", "late", "pending", "pending_overdue"):
        assert prefilled[code] == f"dossiers.{code}"
    for area in ("institutions", "procedures", "organisation", "civil_service", "public_finance", "digital_government"):
        table = form.fields.get(code=f"{area}_tasks")
        assert (table.section.code, table.kind) == (area, "table")
        assert [c["code"] for c in table.columns] == ["task", "result", "status"]
        assert form.fields.get(code=f"{area}_results").kind == "text"
    assert set(form.fields.filter(section__code="assessment").values_list("code", flat=True)) == {
        "achievements",
        "limitations",
        "causes",
    }
    # Idempotent: the year's form is returned, not made again.
    assert default_form(2026) == form
    assert ReportForm.objects.filter(year=2026).count() == 1
    assert AuditEntry.objects.filter(object_id=str(form.pk), action=AuditEntry.Action.CREATE).count() == 1


def test_the_default_rules_hold_on_the_seeds_figures(db):
    form = default_form(2026)
    assert evaluate(form, SEED_002) == []
    # 003 (the year 2022): resolved 596.533 (on time 587.524, late 9.009), pending 18.512 (17.760 + 752),
    # received 633.464: the identities hold, and the late rate 1,59% is above the plan's 1%: a soft violation.
    seed_003 = {
        "received": "633.464",
        "carried_over": "0",
        "resolved": "596.533",
        "early": "0",
        "on_time": "587.524",
        "late": "9.009",
        "pending": "18.512",
        "pending_in_time": "17.760",
        "pending_overdue": "752",
        "online": "253.432",
    }
    violations = evaluate(form, seed_003)
    assert [(v.rule_code, v.strength) for v in violations] == [("late_rate_target", "soft")]
    assert violations[0].fields == ["late", "pending_overdue", "resolved", "pending"]
    assert blocking(violations, {"late_rate_target": "Hồ sơ đất đai tồn đọng từ năm trước"}) == []


def test_the_default_rules_fail_on_a_wrong_sum(db):
    form = default_form(2026)
    wrong = {**SEED_002, "late": "268"}
    [violation] = evaluate(form, wrong)
    assert violation.rule_code == "resolved_sum"
    assert violation.strength == "hard"
    assert violation.message.startswith("Số hồ sơ đã giải quyết phải bằng tổng")
    assert violation.fields == ["resolved", "early", "on_time", "late"]
    assert blocking([violation], {"resolved_sum": "any text"}) == [violation]


def test_the_dossier_flow_counts_returned_and_withdrawn(db):
    """DESIGN §6: returned and withdrawn dossiers are received but neither resolved nor pending."""
    form = default_form(2026)
    flow = {
        "carried_over": "100",
        "received": "1.000",
        "resolved": "900",
        "early": "600",
        "on_time": "290",
        "late": "10",
        "pending": "170",
        "pending_in_time": "160",
        "pending_overdue": "10",
        "returned": "20",
        "withdrawn": "10",
    }
    assert [v.rule_code for v in evaluate(form, flow)] == ["late_rate_target"]  # 20 of 1.070: 1,87%
    lost = {**flow, "withdrawn": "0"}  # ten dossiers unaccounted for
    assert "dossier_flow" in [v.rule_code for v in evaluate(form, lost)]
    over = {**flow, "pending": "270", "pending_in_time": "260"}
    assert {"dossier_balance", "dossier_flow"} <= {v.rule_code for v in evaluate(form, over)}


def test_prefilled_figures_are_read_over_the_typed_values(db):
    form = default_form(2026)
    typed = {**SEED_002, "late": "1"}  # a stale typed value under the system's figure
    assert evaluate(form, typed, prefilled={"late": {"value": 267, "text": "267"}}) == []
    assert evaluate(form, {"resolved": "83.300"}, prefilled={"early": {"value": 1}}) == []  # others empty


def test_the_soft_inspection_rule(db):
    form = default_form(2026)
    [violation] = evaluate(form, {"inspections_planned": "12", "inspections_done": "15"})
    assert (violation.rule_code, violation.strength) == ("inspections_within_plan", "soft")
    assert blocking([violation], {}) == [violation]
    assert blocking([violation], {"inspections_within_plan": "Kiểm tra đột xuất 03 đơn vị"}) == []


def test_required_and_bad_numbers(db):
    form = default_form(2026)
    required = set(form.fields.filter(required=True).values_list("code", flat=True))
    assert set(missing_required(form, {})) == required
    filled = dict.fromkeys(required, "Đã thực hiện")
    assert missing_required(form, {**filled, "plan": "  "}) == ["plan"]
    assert missing_required(form, filled) == []
    assert invalid_numbers(form, {"received": "12 hồ sơ", "late": "3", "procedures_tasks": [{"task": "x"}]}) == [
        "received"
    ]
    assert evaluate(form, {**SEED_002, "early": "nhiều"}) == []  # a wrong entry is the field's error, not a rule's


# --- the form as an XLSX workbook ---------------------------------------------------------------------


def test_export_then_import_gives_the_same_definition(db, tmp_path):
    form = default_form(2026)
    path = tmp_path / "form.xlsx"
    path.write_bytes(export_form(form))
    book = load_workbook(path)
    assert book.sheetnames == ["form", "sections", "fields", "rules"]
    # Edit-friendly: a title row, then the headers as the interface labels them.
    assert book["fields"]["A2"].value == "Mã"
    copy = import_form(path, 2027, user=None)
    assert (copy.year, copy.code, copy.version) == (2027, "par", 1)
    assert definition_of(copy) == definition_of(form) == default_definition()
    assert export_form(copy)  # and again
    entry = AuditEntry.objects.get(object_id=str(copy.pk), action=AuditEntry.Action.IMPORT)
    assert entry.changes["fields"] == [None, form.fields.count()]


def test_the_sample_in_the_docs_is_the_default_form(db):
    assert definition_of(import_form(SAMPLE, 2026, user=None)) == default_definition()


def test_importing_again_makes_the_next_version_and_keeps_the_old(db, tmp_path, personas):
    first = default_form(2026)
    book = load_workbook(io.BytesIO(export_form(first)))
    book["rules"].append(["tasks_ok", "plan_tasks >= 1", "hard", "Kế hoạch phải có ít nhất một nhiệm vụ."])
    path = tmp_path / "v2.xlsx"
    book.save(path)
    second = import_form(path, 2026, user=personas.coordinator)
    assert (second.version, second.created_by) == (2, personas.coordinator)
    assert second.rules.filter(code="tasks_ok").exists()
    first.refresh_from_db()
    assert first.version == 1 and not first.rules.filter(code="tasks_ok").exists()
    # The same workbook again: nothing new.
    assert import_form(path, 2026, user=personas.coordinator) == second
    assert ReportForm.objects.filter(year=2026, code="par").count() == 2
    assert default_form(2026) == second  # the year's latest
    with pytest.raises(PermissionDenied):
        import_form(path, 2026, user=personas.officer_a)


def workbook(tmp_path: Path, **changes: list[list[Any]]) -> Path:
    """A small valid form workbook; ``changes`` replaces a sheet's rows (header included)."""
    sheets = {
        "form": [["code", "name"], ["q", "Báo cáo quý"]],
        "sections": [["code", "title", "level", "order"], ["s1", "I. Chỉ đạo", 1, 1], ["s2", "II. Kết quả", 1, 2]],
        "fields": [
            ["code", "section", "label", "kind", "required", "unit", "prefill", "columns", "help"],
            ["received", "s2", "Tiếp nhận", "number", 0, "hồ sơ", "dossiers.received", "", ""],
            ["resolved", "s2", "Đã giải quyết", "number", 1, "hồ sơ", "", "", ""],
            ["tasks", "s1", "Nhiệm vụ", "table", 0, "", "", "task:Nhiệm vụ:text; done:Số đã xong:number", ""],
        ],
        "rules": [
            ["code", "expression", "strength", "message"],
            ["r1", "resolved <= received", "hard", "Không thể giải quyết nhiều hơn số tiếp nhận."],
            ["r2", "sum(tasks.done) >= 1", "soft", "Chưa hoàn thành nhiệm vụ nào."],
        ],
    }
    sheets.update(changes)
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "form.xlsx"
    book.save(path)
    return path


def test_a_small_workbook_imports(db, tmp_path):
    form = import_form(workbook(tmp_path), 2026, user=None)
    assert list(form.sections.values_list("code", flat=True)) == ["s1", "s2"]
    tasks = form.fields.get(code="tasks")
    assert tasks.columns == [
        {"code": "task", "label": "Nhiệm vụ", "kind": "text"},
        {"code": "done", "label": "Số đã xong", "kind": "number"},
    ]
    assert form.fields.get(code="resolved").required
    [violation] = evaluate(form, {"received": "5", "resolved": "6", "tasks": [{"task": "A", "done": "2"}]})
    assert violation.rule_code == "r1"
    assert [v.rule_code for v in evaluate(form, {"tasks": [{"task": "A", "done": "0"}]})] == ["r2"]


FIELD_HEADER = ["code", "section", "label", "kind", "required", "unit", "prefill", "columns", "help"]
RULE_HEADER = ["code", "expression", "strength", "message"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"rules": [RULE_HEADER, ["r1", "resolved <= receved", "hard", "…"]]},
            "Sheet “rules”, row 2, column “expression”: rule “r1”: the rule “resolved <= receved” names an unknown "
            "field “receved”",
        ),
        (
            {"fields": [FIELD_HEADER, ["received", "s2", "Tiếp nhận", "numbre", 0, "", "", "", ""]]},
            "Sheet “fields”, row 2, column “kind”: unknown value “numbre” (expected one of number, text, table)",
        ),
        (
            {
                "fields": [
                    FIELD_HEADER,
                    ["received", "s2", "Tiếp nhận", "number", 0, "", "", "", ""],
                    ["received", "s1", "Lần nữa", "number", 0, "", "", "", ""],
                ],
                "rules": [RULE_HEADER],
            },
            "Sheet “fields”, row 3, column “code”: “received” is repeated (already on row 2)",
        ),
        (
            {"sections": [["code", "title", "level", "order"], ["s1", "I", 1, 1], ["s1", "II", 1, 2]]},
            "Sheet “sections”, row 3, column “code”: “s1” is repeated (already on row 2)",
        ),
        (
            {"rules": [RULE_HEADER, ["r1", "resolved >= 0", "hard", "…"], ["r1", "received >= 0", "hard", "…"]]},
            "Sheet “rules”, row 3, column “code”: “r1” is repeated (already on row 2)",
        ),
        (
            {"fields": [FIELD_HEADER, ["tasks", "s1", "Nhiệm vụ", "table", 0, "", "", "", ""]], "rules": [RULE_HEADER]},
            "Sheet “fields”, row 2, column “columns”: a table field needs its columns (code:label:kind; …)",
        ),
        (
            {"fields": [FIELD_HEADER, ["x", "s9", "X", "text", 0, "", "", "", ""]], "rules": [RULE_HEADER]},
            "Sheet “fields”, row 2, column “section”: unknown section “s9”",
        ),
        (
            {"fields": [FIELD_HEADER, ["x", "s1", "X", "number", 2, "", "", "", ""]], "rules": [RULE_HEADER]},
            "Sheet “fields”, row 2, column “required”: unknown value “2” (expected one of 0, 1)",
        ),
        (
            {
                "fields": [FIELD_HEADER, ["x", "s1", "X", "number", 0, "", "dossiers.recieved", "", ""]],
                "rules": [RULE_HEADER],
            },
            "Sheet “fields”, row 2, column “prefill”: unknown figure “recieved” of dossiers",
        ),
        (
            {"fields": [FIELD_HEADER, ["1st", "s1", "X", "number", 0, "", "", "", ""]], "rules": [RULE_HEADER]},
            "Sheet “fields”, row 2, column “code”: “1st” is not a usable field code",
        ),
        (
            {"fields": [FIELD_HEADER, ["s1", "s1", "X", "number", 0, "", "", "", ""]], "rules": [RULE_HEADER]},
            "Sheet “fields”, row 2, column “code”: “s1” is already the code of a section",
        ),
        (
            {"sections": [["code", "title", "level", "order"], ["s1", "I", 2, 1], ["s2", "II", 1, 2]]},
            "Sheet “sections”, row 2, column “level”: a section of level 2 needs a section of level 1 above it",
        ),
        (
            {"rules": [RULE_HEADER, ["r1", "resolved <= received", "strong", "…"]]},
            "Sheet “rules”, row 2, column “strength”: unknown value “strong” (expected one of hard, soft)",
        ),
        (
            {"rules": [RULE_HEADER, ["r1", "resolved <= received", "hard", ""]]},
            "Sheet “rules”, row 2, column “message”: this column is empty",
        ),
        (
            {"rules": [["code", "expression", "message", "colour"], ["r1", "resolved >= 0", "…", "red"]]},
            "Sheet “rules”, row 1: unknown column(s): colour",
        ),
        ({"form": [["code", "name"]]}, "the sheet “form” holds one row: the form's code and name"),
    ],
)
def test_bad_workbooks_are_refused_in_one_line_and_nothing_is_written(english, db, tmp_path, changes, message):
    path = workbook(tmp_path, **changes)
    with pytest.raises(InputError) as caught:
        import_form(path, 2026, user=None)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    for model in (ReportForm, FormSection, FormField, FormRule, AuditEntry):
        assert not model.objects.exists(), model


def test_a_rule_failing_on_the_last_row_leaves_nothing_behind(english, db, tmp_path):
    """Atomic: the sections and fields were fine, the last rule is not, and the database stays empty."""
    rules = [RULE_HEADER, ["r1", "resolved <= received", "hard", "…"], ["r2", "sum(tasks.task) > 0", "hard", "…"]]
    with pytest.raises(InputError, match=r"row 3.*the column “task” of “tasks” is not a number"):
        import_form(workbook(tmp_path, rules=rules), 2026, user=None)
    assert not ReportForm.objects.exists() and not FormField.objects.exists()


def test_a_workbook_without_a_sheet_or_with_a_stranger(english, db, tmp_path):
    path = workbook(tmp_path)
    book = load_workbook(path)
    del book["fields"]
    book.save(path)
    with pytest.raises(InputError, match="the workbook has no sheet “fields”"):
        read_form(path)
    book.create_sheet("notes")
    book.save(path)
    with pytest.raises(InputError, match="unknown sheet “notes”"):
        read_form(path)
    with pytest.raises(InputError, match="a report form is an XLSX workbook"):
        read_form(tmp_path / "form.csv")


def test_sheets_and_headers_may_be_in_vietnamese(db, tmp_path):
    path = workbook(tmp_path)
    book = load_workbook(path)
    book["rules"].title = "quy tắc"
    book["fields"]["A1"] = "Mã"
    book.save(path)
    assert import_form(path, 2026, user=None).rules.count() == 2


# --- the commands -----------------------------------------------------------------------------------

COMMANDS = {"import_report_form": "cchc.reports", "export_report_form": "cchc.reports"}


@pytest.fixture
def report_cli(capsys, monkeypatch):
    from tests import test_commands

    monkeypatch.setattr(test_commands, "APPS", {**test_commands.APPS, **COMMANDS})
    return lambda *argv: cli(capsys, *argv)


def test_the_commands_import_and_export(db, tmp_path, report_cli):
    code, out, err = report_cli("import_report_form", "--default", "--year", "2026")
    assert (code, err) == (0, "")
    assert out.startswith("Đã nhập biểu mẫu báo cáo: ")
    assert "phiên bản 1" in out
    target = tmp_path / "par.xlsx"
    code, out, err = report_cli("export_report_form", "--year", "2026", "--code", "par", "--out", str(target))
    assert (code, err) == (0, "")
    assert definition_of(import_form(target, 2027, user=None)) == default_definition()
    # Import as a new version, then the same again (unchanged), then export an older version.
    book = load_workbook(target)
    book["form"]["B3"] = "Báo cáo CCHC (sửa đổi)"
    book.save(target)
    assert report_cli("import_report_form", str(target), "--year", "2026")[0] == 0
    code, out, err = report_cli("import_report_form", str(target), "--year", "2026")
    assert (code, err) == (0, "") and "Không thay đổi" in out
    old = tmp_path / "v1.xlsx"
    assert (
        report_cli("export_report_form", "--year", "2026", "--code", "par", "--version", "1", "--out", str(old))[0] == 0
    )
    assert read_form(old).name == defaults.NAME
    assert read_form(target).name == "Báo cáo CCHC (sửa đổi)"


def test_the_commands_refuse_in_one_vietnamese_line(db, tmp_path, report_cli):
    bad = workbook(tmp_path, rules=[RULE_HEADER, ["r1", "resolved <= receved", "hard", "…"]])
    cases = [
        (("import_report_form", str(bad), "--year", "2026"), "Lỗi: Trang tính “rules”, dòng 2, cột “expression”"),
        (("import_report_form", str(tmp_path / "none.xlsx"), "--year", "2026"), "Lỗi: không tìm thấy tệp"),
        (("import_report_form", "--year", "2026"), "Lỗi: "),
        (("export_report_form", "--year", "2030", "--code", "par", "--out", str(tmp_path / "x.xlsx")), "Lỗi: "),
        (("export_report_form", "--year", "2026", "--code", "par", "--out", str(tmp_path / "x.csv")), "Lỗi: "),
    ]
    for argv, start in cases:
        message = one_line_error(*report_cli(*argv))
        assert message.startswith(start), message
    assert not ReportForm.objects.exists()
    default_form(2026)
    message = one_line_error(
        *report_cli(
            "export_report_form", "--year", "2026", "--code", "par", "--version", "4", "--out", str(tmp_path / "x.xlsx")
        )
    )
    assert "4" in message


def test_call_command_from_code(db, tmp_path):
    call_command("import_report_form", "--default", "--year", "2026", stdout=io.StringIO())
    out = tmp_path / "f.xlsx"
    call_command("export_report_form", "--year", "2026", "--code", "par", "--out", str(out), stdout=io.StringIO())
    assert out.stat().st_size > 0
