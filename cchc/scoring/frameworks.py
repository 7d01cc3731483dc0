"""Frameworks (bộ tiêu chí): import and export as XLSX/CSV, the sums check, copying last year's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.agencies.models import Block
from cchc.core import audit
from cchc.core.formatting import format_number
from cchc.core.models import AuditEntry
from cchc.core.tabular import Column, InputError, Kind, choice_value, read_rows, write_rows
from cchc.scoring.models import Criterion, Framework, Method, Source

FRAMEWORK_COLUMNS = (
    Column("code", gettext_lazy("Code"), width=12),
    Column("parent_code", gettext_lazy("Parent criterion code"), width=12),
    Column("name", gettext_lazy("Criterion"), width=60),
    Column("max_points", gettext_lazy("Maximum points"), Kind.DECIMAL),
    Column("method", gettext_lazy("Scoring method"), width=30, choices=Method),
    Column("source", gettext_lazy("Data source"), width=26, choices=Source),
    Column("mapping", gettext_lazy("Mapping"), width=20),
)
COLUMNS = tuple(c.key for c in FRAMEWORK_COLUMNS)
REQUIRED = ("code", "name", "max_points")


@dataclass
class CriterionRow:
    row: int
    code: str
    parent_code: str
    name: str
    max_points: Decimal
    method: str
    source: str
    mapping: list[list[float]]
    children: list[CriterionRow] = field(default_factory=list)


def parse_decimal(text: str, row: int, column: str) -> Decimal | None:
    """ "12,5" or "12.5" → Decimal("12.5"); empty → None."""
    text = text.strip().replace(" ", "")
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except InvalidOperation:
        raise InputError(_("“%(value)s” is not a number") % {"value": text}, row, column) from None
    if not value.is_finite():
        raise InputError(_("“%(value)s” is not a number") % {"value": text}, row, column)
    return value


def parse_mapping(text: str, row: int) -> list[list[float]]:
    """ "0.02:2; 0.05:1" → [[0.02, 2.0], [0.05, 1.0]]."""
    pairs = []
    for part in (p.strip() for p in text.replace("|", ";").split(";")):
        if not part:
            continue
        threshold, sep, points = part.partition(":")
        if not sep:
            raise InputError(_("write the mapping as threshold:points; threshold:points"), row, "mapping")
        t, p = parse_decimal(threshold, row, "mapping"), parse_decimal(points, row, "mapping")
        pairs.append([float(t or 0), float(p or 0)])
    return pairs


def format_mapping(mapping: Iterable[Iterable[float]]) -> str:
    return "; ".join(f"{t:g}:{p:g}" for t, p in mapping)


def read_framework(source: str | Path | IO[bytes], name: str = "") -> list[CriterionRow]:
    rows = read_rows(source, required=REQUIRED, optional=FRAMEWORK_COLUMNS, name=name)
    return check_tree(list(_parse(rows)))


def _parse(rows: Iterable[tuple[int, dict[str, str]]]) -> Iterable[CriterionRow]:
    for number, values in rows:
        code = values.get("code", "").strip()
        if not code:
            raise InputError(_("the criterion code is empty"), number, "code")
        name = values.get("name", "").strip()
        if not name:
            raise InputError(_("the criterion name is empty"), number, "name")
        points = parse_decimal(values.get("max_points", ""), number, "max_points")
        if points is None or points < 0:
            raise InputError(_("the maximum points must be a number of zero or more"), number, "max_points")
        given = values.get("method", "").strip() or Method.MANUAL
        method = choice_value(given, Method)
        if method is None:
            raise InputError(
                _("unknown scoring method “%(method)s” (expected one of %(methods)s)")
                % {"method": given, "methods": ", ".join(Method.values)},
                number,
                "method",
            )
        given = values.get("source", "").strip()
        source = (choice_value(given, Source) or "") if given else ""
        if given and not source:
            raise InputError(
                _("unknown data source “%(source)s” (expected one of %(sources)s)")
                % {"source": given, "sources": ", ".join(Source.values)},
                number,
                "source",
            )
        if method == Method.COMPUTED and not source:
            raise InputError(_("a computed criterion needs a data source"), number, "source")
        mapping = parse_mapping(values.get("mapping", ""), number)
        yield CriterionRow(number, code, values.get("parent_code", "").strip(), name, points, method, source, mapping)


def check_tree(rows: list[CriterionRow]) -> list[CriterionRow]:
    """Link children to parents and refuse duplicates, unknown parents, and sums that do not add up."""
    by_code: dict[str, CriterionRow] = {}
    for r in rows:
        if r.code in by_code:
            raise InputError(
                _("duplicate code “%(code)s” (already on row %(first)s)")
                % {"code": r.code, "first": by_code[r.code].row},
                r.row,
                "code",
            )
        by_code[r.code] = r
    if not rows:
        raise InputError(_("the file has no criteria"))
    for r in rows:
        if not r.parent_code:
            continue
        parent = by_code.get(r.parent_code)
        if parent is None or parent.row > r.row:
            raise InputError(
                _("unknown parent “%(code)s” (a parent must come on an earlier row)") % {"code": r.parent_code},
                r.row,
                "parent_code",
            )
        parent.children.append(r)
    for r in rows:
        _check_sum(r)
    return rows


def _check_sum(r: CriterionRow) -> None:
    if not r.children:
        return
    if r.method == Method.DEDUCTION and all(c.method == Method.DEDUCTION for c in r.children):
        return
    total = sum((c.max_points for c in r.children if c.method != Method.DEDUCTION), Decimal(0))
    if total != r.max_points:
        raise InputError(
            _("the children of “%(code)s” add up to %(total)s points, not its %(max)s")
            % {"code": r.code, "total": format_number(total, 2), "max": format_number(r.max_points, 2)},
            r.row,
            "max_points",
        )


def framework_total(rows: Iterable[CriterionRow]) -> Decimal:
    return sum((r.max_points for r in rows if not r.parent_code and r.method != Method.DEDUCTION), Decimal(0))


@transaction.atomic
def import_framework(
    source: str | Path | IO[bytes], block: Block, *, user: Any = None, name: str = "", title: str = ""
) -> Framework:
    """Create or replace the framework of ``block`` from a file; refused once assessments use it."""
    rows = read_framework(source, name=name)
    return save_framework(rows, block, user=user, title=title, action=AuditEntry.Action.IMPORT)


@transaction.atomic
def save_framework(
    rows: list[CriterionRow], block: Block, *, user: Any, title: str = "", action: str = AuditEntry.Action.CREATE
) -> Framework:
    framework = Framework.objects.select_for_update().filter(block=block).first()
    old_total = None
    if framework is not None:
        if framework.assessments.exists():
            raise InputError(_("the framework of %(block)s is already used by assessments") % {"block": block})
        old_total = str(framework.max_points)
        framework.criteria.all().delete()
    else:
        framework = Framework(block=block)
    framework.name = title or framework.name or _("PAR index framework %(year)s") % {"year": block.year}
    framework.max_points = framework_total(rows)
    framework.save()
    _write_criteria(framework, rows)
    audit.record(
        user=user,
        obj=framework,
        action=action,
        changes={"max_points": [old_total, str(framework.max_points)], "criteria": [None, len(rows)]},
        agency=block.owner,
    )
    return framework


def _write_criteria(framework: Framework, rows: list[CriterionRow]) -> None:
    saved: dict[str, Criterion] = {}
    for position, r in enumerate(rows):
        parent = saved.get(r.parent_code) if r.parent_code else None
        criterion = Criterion.objects.create(
            framework=framework,
            parent=parent,
            area=parent.area if parent else None,
            code=r.code,
            name=r.name,
            position=position,
            max_points=r.max_points,
            method=r.method,
            source=r.source,
            mapping=r.mapping,
            is_leaf=not r.children,
        )
        if parent is None:
            criterion.area = criterion
            criterion.save(update_fields=["area"])
        saved[r.code] = criterion


def framework_rows(framework: Framework) -> list[CriterionRow]:
    criteria = list(framework.criteria.select_related("parent").order_by("position"))
    return [
        CriterionRow(
            i + 2,
            c.code,
            c.parent.code if c.parent else "",
            c.name,
            c.max_points,
            c.method,
            c.source,
            c.mapping,
        )
        for i, c in enumerate(criteria)
    ]


def export_rows(framework: Framework) -> Iterable[list[Any]]:
    for r in framework_rows(framework):
        yield [r.code, r.parent_code, r.name, float(r.max_points), r.method, r.source, format_mapping(r.mapping)]


def framework_file(framework: Framework, fmt: str) -> bytes:
    """The framework in the import format: XLSX with its title and the page's headers, or CSV."""
    block = framework.block
    title = _("%(framework)s — %(block)s, %(year)s") % {
        "framework": framework.name,
        "block": block.name,
        "year": block.year,
    }
    return write_rows(
        FRAMEWORK_COLUMNS,
        export_rows(framework),
        fmt,
        title=title,
        sheet=_("Framework %(code)s") % {"code": block.code},
    )


@transaction.atomic
def copy_framework(source: Framework, block: Block, *, user: Any = None) -> Framework:
    """Start ``block``'s framework from last year's (or any other): same tree, codes and maxima."""
    rows = check_tree(framework_rows(source))
    title = source.name.replace(str(source.year), str(block.year))
    framework = save_framework(rows, block, user=user, title=title)
    if source.submission_deadline:
        try:
            framework.submission_deadline = source.submission_deadline.replace(year=block.year + 1)
        except ValueError:  # 29 February
            framework.submission_deadline = source.submission_deadline.replace(year=block.year + 1, day=28)
        framework.save(update_fields=["submission_deadline"])
    return framework


def previous_framework(block: Block) -> Framework | None:
    """Last year's framework of the block with the same code."""
    return (
        Framework.objects.filter(block__code=block.code, block__year__lt=block.year)
        .select_related("block")
        .order_by("-block__year")
        .first()
    )
