"""Importing, exporting and editing the province's indices (``cchc import_indices``, ``cchc
export_indices``, the indices page's import and form for the province's coordinators).

Columns: ``index_code, year, score, rank, out_of, note``. Every row is checked before anything is
written; the first bad row stops the import with a one-line Vietnamese message naming its row and
column. A (index, year) already recorded is updated; every change is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.agencies.models import Agency, AgencyKind
from cchc.agencies.services import ImportSummary
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.core.scope import SYSTEM
from cchc.core.tabular import Column, InputError, Kind, read_rows, write_rows
from cchc.indices.changes import rank_change, rank_change_text, rank_sentence, score_change_text
from cchc.indices.models import IndexKind, ProvincialIndex

COLUMNS = [
    Column("index_code", gettext_lazy("Index"), width=12),
    Column("year", gettext_lazy("Year"), Kind.YEAR, width=8),
    Column("score", gettext_lazy("Score"), Kind.DECIMAL, width=10),
    Column("rank", gettext_lazy("Rank"), Kind.INTEGER, width=8),
    Column("out_of", gettext_lazy("Provinces ranked"), Kind.INTEGER, width=16),
    Column("note", gettext_lazy("Source and notes"), width=60),
]
REQUIRED = ["index_code", "year"]
FIELDS = ["score", "rank", "out_of", "note"]
FIRST_YEAR, LAST_YEAR = 2000, 2100
STORED = Decimal("0.0001")


@dataclass
class IndexRow:
    row: int | None
    kind: IndexKind
    year: int
    score: Decimal | None
    rank: int | None
    out_of: int | None
    note: str


# Who edits


def editable_province(user: Any) -> Agency | None:
    """The province whose indices ``user`` may change: one it coordinates (None for anyone else)."""
    provinces = Agency.objects.restrict(user, "coordinate").filter(kind=AgencyKind.PROVINCE)
    return provinces.order_by("path").first()


def the_province(code: str = "") -> Agency:
    """The province a command works on: ``code``, or the installation's one province."""
    provinces = Agency.objects.restrict(SYSTEM).filter(kind=AgencyKind.PROVINCE)
    if code:
        found = provinces.filter(code=code).first()
        if found is None:
            raise InputError(_("unknown province “%(code)s”") % {"code": code}, field="--province")
        return found
    found_all = list(provinces.order_by("code")[:2])
    if len(found_all) != 1:
        raise InputError(_("give the province's code (--province): there is not exactly one province"))
    return found_all[0]


# Reading a file


def import_indices_file(
    source: str | Path | IO[bytes], *, province: Agency, user: Any = None, reason: str = "", name: str = ""
) -> ImportSummary:
    """The indices of ``province`` from a CSV or XLSX file; all rows or none."""
    rows = read_rows(source, required=REQUIRED, optional=COLUMNS, name=name)
    return import_indices(rows, province=province, user=user, reason=reason or _("Import of provincial indices"))


def import_indices(
    rows: Iterable[tuple[int, dict[str, str]]], *, province: Agency, user: Any = None, reason: str = ""
) -> ImportSummary:
    kinds = {k.code.casefold(): k for k in IndexKind.objects.all()}
    parsed: list[IndexRow] = []
    seen: dict[tuple[int, int], int] = {}
    for number, values in rows:
        row = parse_row(number, values, kinds)
        key = (row.kind.pk, row.year)
        if key in seen:
            raise InputError(
                _("%(index)s of %(year)s is already on row %(row)s")
                % {"index": row.kind.code, "year": row.year, "row": seen[key]},
                number,
                "index_code",
            )
        seen[key] = number
        parsed.append(row)
    if not parsed:
        raise InputError(_("the file has no index rows"))
    with transaction.atomic():
        return _write(province, parsed, user, reason)


def parse_row(number: int | None, values: dict[str, str], kinds: dict[str, IndexKind]) -> IndexRow:
    """One row checked: a known index, a year, a score within the index's scale, a rank within out_of."""
    code = values.get("index_code", "").strip()
    if not code:
        raise InputError(_("this column is required"), number, "index_code")
    kind = kinds.get(code.casefold())
    if kind is None:
        known = ", ".join(k.code for k in sorted(kinds.values(), key=lambda k: (k.position, k.code)))
        raise InputError(
            _("unknown index “%(code)s” (one of %(known)s)") % {"code": code, "known": known}, number, "index_code"
        )
    year = _integer(values.get("year", ""), number, "year", required=True)
    assert year is not None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(_("“%(value)s” is not a year") % {"value": year}, number, "year")
    score = _decimal(values.get("score", ""), number, "score")
    if score is not None and (score < 0 or (kind.scale is not None and score > kind.scale)):
        raise InputError(
            _("the score must be between 0 and %(scale)s") % {"scale": _plain(kind.scale)}, number, "score"
        )
    rank = _integer(values.get("rank", ""), number, "rank")
    out_of = _integer(values.get("out_of", ""), number, "out_of")
    if rank is not None and out_of is None:
        raise InputError(_("a rank needs the number of provinces ranked"), number, "out_of")
    if rank is not None and out_of is not None and rank > out_of:
        raise InputError(
            _("rank %(rank)s is beyond the %(out_of)s provinces ranked") % {"rank": rank, "out_of": out_of},
            number,
            "rank",
        )
    if score is None and rank is None:
        raise InputError(_("give the score, the rank or both"), number, "score")
    return IndexRow(number, kind, year, score, rank, out_of, values.get("note", "").strip())


def _integer(text: str, row: int | None, field: str, required: bool = False) -> int | None:
    text = text.strip()
    if not text:
        if required:
            raise InputError(_("this column is required"), row, field)
        return None
    try:
        value = int(Decimal(text.replace(",", ".")))
        if value != Decimal(text.replace(",", ".")) or value < 1:
            raise ValueError
    except (InvalidOperation, ValueError):
        raise InputError(_("“%(value)s” is not a whole number of at least 1") % {"value": text}, row, field) from None
    return value


def _decimal(text: str, row: int | None, field: str) -> Decimal | None:
    """87.56 or 87,56 (a spreadsheet in Vietnamese); a trailing % is allowed for a percentage."""
    text = text.strip().rstrip("%").strip()
    if not text:
        return None
    normalised = text.replace(".", "").replace(",", ".") if "," in text else text
    try:
        value = Decimal(normalised)
    except InvalidOperation:
        raise InputError(_("“%(value)s” is not a number") % {"value": text}, row, field) from None
    if not value.is_finite() or value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise InputError(_("“%(value)s” has more than four decimals") % {"value": text}, row, field)
    return value.quantize(STORED)  # as the database keeps it, so that a file imported again changes nothing


def _shortest(value: Decimal | None) -> Decimal | None:
    """86.7100 → 86.71 (a CSV for machines writes the number as it was given); 100.0000 → 100."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _plain(value: Decimal | None) -> str:
    from cchc.core.formatting import format_number

    return "" if value is None else format_number(value, 0 if value == value.to_integral() else 2)


def _write(province: Agency, parsed: list[IndexRow], user: Any, reason: str) -> ImportSummary:
    existing = {(v.kind_id, v.year): v for v in ProvincialIndex.objects.filter(province=province)}
    summary, entries = ImportSummary(), []
    for row in parsed:
        value = existing.get((row.kind.pk, row.year))
        before = audit.snapshot(value, FIELDS) if value else {}
        value = value or ProvincialIndex(province=province, kind=row.kind, year=row.year)
        value.score, value.rank, value.out_of, value.note = row.score, row.rank, row.out_of, row.note
        after = audit.snapshot(value, FIELDS)
        changes = audit.diff(before, after)
        summary.created += not before
        summary.updated += bool(before and changes)
        summary.unchanged += bool(before and not changes)
        if changes or not before:
            value.save()
            if not before:  # a new result: which index and year too (the index named, as audit does)
                changes = audit.diff({}, audit.snapshot(value, ["kind", "year", *FIELDS]))
            action = AuditEntry.Action.IMPORT if row.row is not None else AuditEntry.Action.UPDATE
            entries.append(
                audit.entry(user=user, obj=value, action=action, changes=changes, reason=reason, agency=province)
            )
    audit.record_many(entries)
    return summary


def save_index(user: Any, values: dict[str, str], reason: str = "") -> ProvincialIndex:
    """One result entered on the page by a coordinator of the province (the file's checks, no row)."""
    province = editable_province(user)
    if province is None:
        raise PermissionDenied(_("Only the province's coordinators change its indices."))
    kinds = {k.code.casefold(): k for k in IndexKind.objects.all()}
    row = parse_row(None, values, kinds)
    with transaction.atomic():
        _write(province, [row], user, reason or _("Provincial index entered"))
    return ProvincialIndex.objects.get(province=province, kind=row.kind, year=row.year)


def import_for(user: Any, source: IO[bytes], name: str, reason: str = "") -> ImportSummary:
    """The page's import: refused unless ``user`` coordinates the province."""
    province = editable_province(user)
    if province is None:
        raise PermissionDenied(_("Only the province's coordinators change its indices."))
    return import_indices_file(source, province=province, user=user, reason=reason, name=name)


# Reading for pages, API and export


@dataclass
class Line:
    """One year of an index with its change since the previous result."""

    value: ProvincialIndex
    previous: ProvincialIndex | None

    @property
    def rank_change(self) -> int | None:
        return rank_change(self.value.rank, self.previous.rank if self.previous else None)

    @property
    def rank_change_text(self) -> str:
        return rank_change_text(self.value.rank, self.previous.rank if self.previous else None)

    @property
    def score_change(self) -> str:
        previous = self.previous.score if self.previous else None
        return score_change_text(self.value.score, previous, self.value.kind.unit, self.value.kind.places)

    @property
    def sentence(self) -> str:
        return rank_sentence(self.value.kind.short_name, self.value, self.previous)


def lines(values: Iterable[ProvincialIndex]) -> list[Line]:
    """Each result with the one before it (the latest earlier year of the same index and province)."""
    ordered = sorted(values, key=lambda v: (v.province_id, v.kind.position, v.kind.code, v.year))
    found: list[Line] = []
    last: dict[tuple[int, int], ProvincialIndex] = {}
    for v in ordered:
        key = (v.province_id, v.kind_id)
        found.append(Line(v, last.get(key)))
        last[key] = v
    return found


def indices_file(values: Iterable[ProvincialIndex], fmt: str, province: Agency | None) -> bytes:
    """The results in the import's columns (an exported file imports back as it is)."""
    rows = [
        [v.kind.code, v.year, _shortest(v.score), v.rank, v.out_of, v.note]
        for v in sorted(values, key=lambda v: (v.kind.position, v.kind.code, v.year))
    ]
    title = _("Provincial indices") + (f" — {province.name}" if province else "")
    return write_rows(COLUMNS, rows, fmt, title=title, sheet=_("Provincial indices"))
