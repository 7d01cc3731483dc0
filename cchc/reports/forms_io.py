"""A report form's definition as an XLSX workbook: export, import (a new version), the checks of both.

The workbook has four sheets, each with a header row (a title row above it is skipped, as every
import of the project does; headers may be the column codes or their labels):

- ``form``: one row, ``code`` and ``name`` of the form;
- ``sections``: ``code, title, level, order`` (level 1 for "I. …", 2 for a part within the section above);
- ``fields``: ``code, section, label, kind, required, unit, prefill, columns, help``; ``kind`` is
  ``number``, ``text`` or ``table``; ``required`` is 0 or 1; ``prefill`` names a figure the system
  fills (``dossiers.received``); a table's ``columns`` are ``code:label:kind; code:label:kind``;
- ``rules``: ``code, expression, strength, message``, the expressions of ``cchc.reports.rules``.

Every row of every sheet is checked before anything is written; the first problem is one line naming
the sheet, row and column. The field codes are the names rules use, so they are identifiers, and they
never repeat a section's code (a return note points at either). Importing a form whose year and code
exist makes the next version: the earlier versions stay, and the periods that use them keep them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cchc.accounts.roles import Role
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.core.tabular import Column, InputError, Kind, header_keys, read_rows, write_sheets, xlsx_sheet_names
from cchc.reports import prefill
from cchc.reports.models import FieldKind, FormField, FormRule, FormSection, ReportForm, RuleStrength
from cchc.reports.rules import CODE, RESERVED, compile_rule

# The figures a field may be filled from: source → names, as ``cchc.reports.prefill`` declares them (one registry).
PREFILL_SOURCES: dict[str, tuple[str, ...]] = {key: tuple(sorted(s.names)) for key, s in prefill.SOURCES.items()}
SECTION_CODE = re.compile(r"^[A-Za-z0-9_.\-]+$")
MAX_LEVEL = 3

FORM_COLUMNS = (Column("code", gettext_lazy("Form code"), width=12), Column("name", gettext_lazy("Form"), width=60))
SECTION_COLUMNS = (
    Column("code", gettext_lazy("Code"), width=16),
    Column("title", gettext_lazy("Section title"), width=60),
    Column("level", gettext_lazy("Section level"), Kind.INTEGER),
    Column("order", gettext_lazy("Order"), Kind.INTEGER),
)
FIELD_COLUMNS = (
    Column("code", gettext_lazy("Code"), width=22),
    Column("section", gettext_lazy("Section"), width=16),
    Column("label", gettext_lazy("Label"), width=60),
    Column("kind", gettext_lazy("Field kind"), width=10),
    Column("required", gettext_lazy("Required"), Kind.INTEGER),
    Column("unit", gettext_lazy("Unit"), width=14),
    Column("prefill", gettext_lazy("Filled by the system from"), width=24),
    Column("columns", gettext_lazy("Table columns"), width=50),
    Column("help", gettext_lazy("Help"), width=50),
)
RULE_COLUMNS = (
    Column("code", gettext_lazy("Code"), width=22),
    Column("expression", gettext_lazy("Expression"), width=50),
    Column("strength", gettext_lazy("Strength"), width=10),
    Column("message", gettext_lazy("Message"), width=70),
)
# Sheet key → (its label, its columns, the columns it needs). The export names each sheet by its key;
# an import finds it by key or by its label in a language of the interface.
SHEETS: dict[str, tuple[Any, tuple[Column, ...], tuple[str, ...]]] = {
    "form": (pgettext_lazy("sheet", "form"), FORM_COLUMNS, ("code", "name")),
    "sections": (pgettext_lazy("sheet", "sections"), SECTION_COLUMNS, ("code", "title")),
    "fields": (pgettext_lazy("sheet", "fields"), FIELD_COLUMNS, ("code", "section", "label", "kind")),
    "rules": (pgettext_lazy("sheet", "rules"), RULE_COLUMNS, ("code", "expression", "message")),
}
OPTIONAL_SHEETS = frozenset({"rules"})


@dataclass
class SectionRow:
    code: str
    title: str
    level: int = 1
    order: int = 0
    row: int = field(default=0, compare=False)


@dataclass
class FieldRow:
    code: str
    section: str
    label: str
    kind: str = FieldKind.TEXT
    required: bool = False
    unit: str = ""
    prefill: str = ""
    columns: list[dict[str, str]] = field(default_factory=list)
    help: str = ""
    row: int = field(default=0, compare=False)

    @property
    def columns_text(self) -> str:
        return format_columns(self.columns)


@dataclass
class RuleRow:
    code: str
    expression: str
    message: str
    strength: str = RuleStrength.HARD
    row: int = field(default=0, compare=False)


@dataclass
class Definition:
    """A form as its workbook holds it: what export writes and import reads (equal when the same form)."""

    code: str
    name: str
    sections: list[SectionRow]
    fields: list[FieldRow]
    rules: list[RuleRow] = field(default_factory=list)


# Cells


class _Row:
    """One row of one sheet: its cells and the helpers that refuse them with sheet, row and column."""

    def __init__(self, sheet: str, number: int, values: dict[str, str]) -> None:
        self.sheet, self.number, self.values = sheet, number, values

    def error(self, message: str, column: str | None = None) -> InputError:
        return InputError(message, self.number, column, sheet=self.sheet)

    def text(self, column: str, model: type[models.Model], name: str = "", required: bool = False) -> str:
        value = self.values.get(column, "").strip()
        if required and not value:
            raise self.error(_("this column is empty"), column)
        limit = getattr(model._meta.get_field(name or column), "max_length", None)
        if limit and len(value) > limit:
            raise self.error(
                _("at most %(n)s characters (this has %(length)s)") % {"n": limit, "length": len(value)}, column
            )
        return value

    def integer(self, column: str, default: int, low: int, high: int) -> int:
        value = self.values.get(column, "").strip()
        if not value:
            return default
        if not re.fullmatch(r"\d+", value) or not low <= int(value) <= high:
            raise self.error(_("write a whole number from %(low)s to %(high)s") % {"low": low, "high": high}, column)
        return int(value)

    def choice(self, column: str, choices: Iterable[str], default: str) -> str:
        value = self.values.get(column, "").strip() or default
        allowed = list(choices)
        if value not in allowed:
            raise self.error(
                _("unknown value “%(value)s” (expected one of %(allowed)s)")
                % {"value": value, "allowed": ", ".join(allowed)},
                column,
            )
        return value


def format_columns(columns: Iterable[dict[str, str]]) -> str:
    return "; ".join(f"{c['code']}:{c['label']}:{c['kind']}" for c in columns)


def parse_columns(text: str, row: _Row) -> list[dict[str, str]]:
    """ "task:Nhiệm vụ:text; result:Kết quả:number" → [{"code", "label", "kind"}, …]."""
    columns, seen = [], set()
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        pieces = [p.strip() for p in part.split(":")]
        if len(pieces) < 3:
            raise row.error(_("write each column as code:label:kind (“%(part)s”)") % {"part": part}, "columns")
        code, label, kind = pieces[0], ":".join(pieces[1:-1]), pieces[-1]
        if not CODE.match(code) or code in RESERVED:
            raise row.error(
                _("“%(code)s” is not a usable column code (letters, digits, _)") % {"code": code}, "columns"
            )
        if kind not in (FieldKind.NUMBER, FieldKind.TEXT):
            raise row.error(
                _("the column “%(code)s” has the kind “%(kind)s”; a column is number or text")
                % {"code": code, "kind": kind},
                "columns",
            )
        if code in seen:
            raise row.error(_("the column “%(code)s” is named twice") % {"code": code}, "columns")
        seen.add(code)
        columns.append({"code": code, "label": label or code, "kind": kind})
    return columns


# Reading the workbook


def read_form(source: str | Path | IO[bytes], name: str = "") -> Definition:
    """The checked definition in an XLSX workbook; InputError naming sheet, row and column otherwise."""
    name = name or str(getattr(source, "name", source))
    if Path(name).suffix.lower() != ".xlsx":
        raise InputError(_("a report form is an XLSX workbook with the sheets form, sections, fields and rules"))
    data = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
    sheets = _find_sheets(xlsx_sheet_names(io.BytesIO(data)))

    def rows(key: str) -> Iterator[_Row]:
        if key not in sheets:
            return
        _label, columns, required = SHEETS[key]
        try:
            for number, values in read_rows(io.BytesIO(data), required, columns, name="form.xlsx", sheet=sheets[key]):
                yield _Row(sheets[key], number, values)
        except InputError as exc:
            if exc.sheet:
                raise
            raise InputError(exc.detail, exc.row, exc.field, sheet=sheets[key]) from None

    head = list(rows("form"))
    if len(head) != 1:
        raise InputError(_("the sheet “%(sheet)s” holds one row: the form's code and name") % {"sheet": sheets["form"]})
    definition = Definition(
        code=head[0].text("code", ReportForm, required=True),
        name=head[0].text("name", ReportForm, required=True),
        sections=sorted((_section(r, i) for i, r in enumerate(rows("sections"))), key=lambda s: s.order),
        fields=[_field(r) for r in rows("fields")],
        rules=[_rule(r) for r in rows("rules")],
    )
    return check_definition(definition, sheet_names=sheets)


def _find_sheets(names: list[str]) -> dict[str, str]:
    """Sheet key → the workbook's name for it (the key, or its label in a language of the interface)."""
    wanted: dict[str, str] = {}
    for sheet_key, (label, _columns, _required) in SHEETS.items():
        wanted.update(header_keys([Column(sheet_key, label)]))
    found: dict[str, str] = {}
    for name in names:
        key = wanted.get(name.strip().casefold())
        if key is None:
            raise InputError(
                _("unknown sheet “%(sheet)s” (expected %(sheets)s)") % {"sheet": name, "sheets": ", ".join(SHEETS)}
            )
        found[key] = name
    missing = [key for key in SHEETS if key not in found and key not in OPTIONAL_SHEETS]
    if missing:
        raise InputError(_("the workbook has no sheet “%(sheet)s”") % {"sheet": missing[0]})
    return found


def _section(row: _Row, position: int) -> SectionRow:
    code = row.text("code", FormSection, required=True)
    if not SECTION_CODE.match(code):
        raise row.error(_("“%(code)s” is not a usable code (letters, digits, _ . -)") % {"code": code}, "code")
    return SectionRow(
        code=code,
        title=row.text("title", FormSection, required=True),
        level=row.integer("level", 1, 1, MAX_LEVEL),
        order=row.integer("order", position, 0, 32767),
        row=row.number,
    )


def _field(row: _Row) -> FieldRow:
    code = row.text("code", FormField, required=True)
    if not CODE.match(code) or code in RESERVED:
        raise row.error(
            _("“%(code)s” is not a usable field code: letters, digits and _, not starting with a digit")
            % {"code": code},
            "code",
        )
    kind = row.choice("kind", FieldKind.values, FieldKind.TEXT)
    required = row.choice("required", ("0", "1"), "0") == "1"
    columns_text = row.values.get("columns", "").strip()
    if kind == FieldKind.TABLE and not columns_text:
        raise row.error(_("a table field needs its columns (code:label:kind; …)"), "columns")
    if kind != FieldKind.TABLE and columns_text:
        raise row.error(_("only a table field has columns"), "columns")
    prefill = row.text("prefill", FormField)
    if prefill:
        _check_prefill(prefill, kind, row)
    return FieldRow(
        code=code,
        section=row.text("section", FormSection, "code", required=True),
        label=row.text("label", FormField, required=True),
        kind=kind,
        required=required,
        unit=row.text("unit", FormField),
        prefill=prefill,
        columns=parse_columns(columns_text, row) if kind == FieldKind.TABLE else [],
        help=row.text("help", FormField, "help_text"),
        row=row.number,
    )


def _check_prefill(prefill: str, kind: str, row: _Row) -> None:
    source, _dot, indicator = prefill.partition(".")
    if source not in PREFILL_SOURCES:
        raise row.error(
            _("unknown source “%(source)s” (expected %(sources)s, as in dossiers.received)")
            % {"source": source, "sources": ", ".join(PREFILL_SOURCES)},
            "prefill",
        )
    if indicator not in PREFILL_SOURCES[source]:
        raise row.error(
            _("unknown figure “%(figure)s” of %(source)s (expected one of %(figures)s)")
            % {"figure": indicator, "source": source, "figures": ", ".join(PREFILL_SOURCES[source])},
            "prefill",
        )
    if kind != FieldKind.NUMBER:
        raise row.error(_("only a number field is filled by the system"), "prefill")


def _rule(row: _Row) -> RuleRow:
    code = row.text("code", FormRule, required=True)
    if not SECTION_CODE.match(code):
        raise row.error(_("“%(code)s” is not a usable code (letters, digits, _ . -)") % {"code": code}, "code")
    return RuleRow(
        code=code,
        expression=row.text("expression", FormRule, required=True),
        message=row.text("message", FormRule, required=True),
        strength=row.choice("strength", RuleStrength.values, RuleStrength.HARD),
        row=row.number,
    )


# Checks across rows


def check_definition(definition: Definition, sheet_names: dict[str, str] | None = None) -> Definition:
    """Refuse duplicates, unknown sections, a section level out of its outline and rules that do not
    compile against the fields; every message names the sheet, row and column."""
    sheet = {key: key for key in SHEETS} | (sheet_names or {})

    def error(key: str, row: int, column: str, message: str) -> InputError:
        return InputError(message, row or None, column, sheet=sheet[key])

    if not definition.sections:
        raise InputError(_("the form has no sections"), sheet=sheet["sections"])
    _unique(definition.sections, lambda r: r.code, lambda r, m: error("sections", r.row, "code", m))
    _unique(definition.sections, lambda r: r.order, lambda r, m: error("sections", r.row, "order", m))
    previous = 0
    for s in sorted(definition.sections, key=lambda s: s.order):
        if s.level > previous + 1:
            raise error(
                "sections",
                s.row,
                "level",
                _("a section of level %(level)s needs a section of level %(above)s above it")
                % {"level": s.level, "above": s.level - 1},
            )
        previous = s.level
    if not definition.fields:
        raise InputError(_("the form has no fields"), sheet=sheet["fields"])
    _unique(definition.fields, lambda r: r.code, lambda r, m: error("fields", r.row, "code", m))
    sections = {s.code for s in definition.sections}
    for f in definition.fields:
        if f.code in sections:
            raise error("fields", f.row, "code", _("“%(code)s” is already the code of a section") % {"code": f.code})
        if f.section not in sections:
            raise error("fields", f.row, "section", _("unknown section “%(code)s”") % {"code": f.section})
    _unique(definition.rules, lambda r: r.code, lambda r, m: error("rules", r.row, "code", m))
    fields = {f.code: f for f in definition.fields}
    for r in definition.rules:
        try:
            compile_rule(r.expression, fields)
        except InputError as exc:
            raise error(
                "rules",
                r.row,
                "expression",
                _("rule “%(code)s”: %(problem)s") % {"code": r.code, "problem": exc.detail},
            ) from None
    return definition


def _unique(rows: list[Any], key: Callable[[Any], Any], error: Callable[[Any, str], InputError]) -> None:
    first: dict[Any, Any] = {}
    for r in rows:
        value = key(r)
        if value in first:
            raise error(
                r,
                _("“%(value)s” is repeated (already on row %(first)s)") % {"value": value, "first": first[value].row},
            )
        first[value] = r


# The stored form


def definition_of(form: ReportForm) -> Definition:
    sections = list(form.sections.order_by("order", "pk"))
    codes = {s.pk: s.code for s in sections}
    return Definition(
        code=form.code,
        name=form.name,
        sections=[SectionRow(s.code, s.title, s.level, s.order, row=i + 2) for i, s in enumerate(sections)],
        fields=[
            FieldRow(
                f.code,
                codes[f.section_id],
                f.label,
                f.kind,
                f.required,
                f.unit,
                f.prefill,
                list(f.columns),
                f.help_text,
                row=i + 2,
            )
            for i, f in enumerate(form.fields.order_by("order", "pk"))
        ],
        rules=[
            RuleRow(r.code, r.expression, r.message, r.strength, row=i + 2)
            for i, r in enumerate(form.rules.order_by("order", "pk"))
        ],
    )


def export_form(form: ReportForm) -> bytes:
    """The form as the workbook ``import_form`` reads: form, sections, fields and rules."""
    d = definition_of(form)
    title = _("%(form)s — %(year)s, version %(version)s") % {
        "form": form.name,
        "year": form.year,
        "version": form.version,
    }
    return write_sheets(
        [
            ("form", FORM_COLUMNS, [[d.code, d.name]]),
            ("sections", SECTION_COLUMNS, [[s.code, s.title, s.level, s.order] for s in d.sections]),
            (
                "fields",
                FIELD_COLUMNS,
                [
                    [f.code, f.section, f.label, f.kind, int(f.required), f.unit, f.prefill, f.columns_text, f.help]
                    for f in d.fields
                ],
            ),
            ("rules", RULE_COLUMNS, [[r.code, r.expression, r.strength, r.message] for r in d.rules]),
        ],
        title=title,
    )


def import_form(source: str | Path | IO[bytes], year: int, *, user: Any, name: str = "") -> ReportForm:
    """The form in the workbook, as the year's next version of its code (the latest one when unchanged)."""
    return save_form(read_form(source, name=name), year, user=user, action=AuditEntry.Action.IMPORT)


def _require_coordinator(user: Any) -> None:
    """Forms are the province's configuration: a coordinator's or an administrator's (a command runs as nobody)."""
    if not getattr(user, "pk", None):
        return
    if not (user.is_superuser or user.grants.filter(role=Role.COORDINATOR).exists()):
        raise PermissionDenied(_("Only a PAR coordinator configures report forms."))


@transaction.atomic
def save_form(definition: Definition, year: int, *, user: Any, action: str = AuditEntry.Action.CREATE) -> ReportForm:
    """Write a checked definition as the next version of (year, code); an identical one is not written
    again, the latest version is returned instead."""
    _require_coordinator(user)
    check_definition(definition)
    latest = ReportForm.objects.select_for_update().filter(year=year, code=definition.code).order_by("-version").first()
    if latest is not None and definition_of(latest) == definition:
        return latest
    form = ReportForm.objects.create(
        year=year,
        code=definition.code,
        name=definition.name,
        version=latest.version + 1 if latest else 1,
        created_by=user if getattr(user, "pk", None) else None,
    )
    _write_parts(form, definition)
    audit.record(
        user=user,
        obj=form,
        action=action,
        changes={
            "version": [latest.version if latest else None, form.version],
            "sections": [None, len(definition.sections)],
            "fields": [None, len(definition.fields)],
            "rules": [None, len(definition.rules)],
        },
    )
    return form


def _write_parts(form: ReportForm, d: Definition) -> None:
    sections = FormSection.objects.bulk_create(
        [FormSection(form=form, code=s.code, title=s.title, level=s.level, order=s.order) for s in d.sections]
    )
    by_code = {s.code: s for s in sections}
    FormField.objects.bulk_create(
        [
            FormField(
                form=form,
                section=by_code[f.section],
                code=f.code,
                label=f.label,
                kind=f.kind,
                required=f.required,
                unit=f.unit,
                help_text=f.help,
                prefill=f.prefill,
                columns=f.columns,
                order=i,
            )
            for i, f in enumerate(d.fields)
        ]
    )
    FormRule.objects.bulk_create(
        [
            FormRule(form=form, code=r.code, expression=r.expression, strength=r.strength, message=r.message, order=i)
            for i, r in enumerate(d.rules)
        ]
    )
