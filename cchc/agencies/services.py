"""Writes to the organisation: importing agencies, keeping their tree paths."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency, AgencyKind
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.core.tabular import InputError, import_summary, parse_date, read_rows

COLUMNS = ("code", "name", "kind", "parent_code", "active_from", "active_to", "successor_code")
REQUIRED = ("code", "name", "kind")
TRACKED = ("name", "kind", "parent", "active_from", "active_to")
DEFAULT_ACTIVE_FROM = date(2000, 1, 1)


@dataclass
class AgencyRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str
    active_from: date
    active_to: date | None
    successor_codes: list[str]


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return import_summary(self.created, self.updated, self.unchanged)


def import_agencies_file(
    source: str | Path | IO[bytes], *, user: Any = None, reason: str = "", name: str = ""
) -> ImportSummary:
    """Import agencies from a CSV or XLSX file (DESIGN §8.1); all rows or none."""
    rows = read_rows(source, required=REQUIRED, optional=COLUMNS, name=name)
    return import_agencies(rows, user=user, reason=reason or _("Agency import"))


def import_agencies(rows: Iterable[tuple[int, dict[str, str]]], *, user: Any = None, reason: str = "") -> ImportSummary:
    existing = {a.code: a for a in Agency.objects.select_related("parent").prefetch_related("successors")}
    parsed = _parse(_keep_absent_columns(rows, existing))
    if not parsed:
        raise InputError(_("the file has no agency rows"))
    _check_references(parsed, existing)
    _check_cycles(parsed, existing)
    with transaction.atomic():
        return _write(parsed, existing, user, reason)


def _keep_absent_columns(
    rows: Iterable[tuple[int, dict[str, str]]], existing: dict[str, Agency]
) -> Iterable[tuple[int, dict[str, str]]]:
    """A column the file does not have keeps the agency's current value instead of emptying it."""
    for number, values in rows:
        agency = existing.get(values.get("code", "").strip())
        if agency is not None and not set(COLUMNS) <= set(values):
            current = dict(zip(COLUMNS, next(iter(export_rows([agency]))), strict=True))
            values = {**current, **values}
        yield number, values


def _parse(rows: Iterable[tuple[int, dict[str, str]]]) -> list[AgencyRow]:
    parsed: list[AgencyRow] = []
    seen: dict[str, int] = {}
    kinds = set(AgencyKind.values)
    for number, values in rows:
        code = values.get("code", "").strip()
        if not code:
            raise InputError(_("the agency code is empty"), number, "code")
        if "/" in code:
            raise InputError(_("the agency code may not contain “/”"), number, "code")
        if code in seen:
            raise InputError(
                _("duplicate code “%(code)s” (already on row %(first)s)") % {"code": code, "first": seen[code]},
                number,
                "code",
            )
        seen[code] = number
        name = values.get("name", "").strip()
        if not name:
            raise InputError(_("the agency name is empty"), number, "name")
        _check_length(code, number, "code")
        _check_length(name, number, "name")
        kind = values.get("kind", "").strip()
        if kind not in kinds:
            raise InputError(
                _("unknown kind “%(kind)s” (expected one of %(kinds)s)") % {"kind": kind, "kinds": ", ".join(kinds)},
                number,
                "kind",
            )
        active_from = parse_date(values.get("active_from", ""), number, "active_from") or DEFAULT_ACTIVE_FROM
        active_to = parse_date(values.get("active_to", ""), number, "active_to")
        if active_to and active_to < active_from:
            raise InputError(_("the active period ends before it starts"), number, "active_to")
        successors = [c.strip() for c in values.get("successor_code", "").replace("|", ";").split(";") if c.strip()]
        parsed.append(
            AgencyRow(
                number,
                code,
                name,
                kind,
                values.get("parent_code", "").strip(),
                active_from,
                active_to,
                successors,
            )
        )
    return parsed


def _check_length(value: str, row: int, field: str) -> None:
    """Refuse what the database column cannot hold (PostgreSQL would fail mid-import, SQLite would not check)."""
    limit = getattr(Agency._meta.get_field(field), "max_length", None) or 0
    if len(value) > limit:
        raise InputError(_("longer than %(limit)s characters") % {"limit": limit}, row, field)


def _check_references(parsed: list[AgencyRow], existing: dict[str, Agency]) -> None:
    known = set(existing) | {r.code for r in parsed}
    for r in parsed:
        if r.parent_code == r.code:
            raise InputError(_("the agency is its own parent (cycle)"), r.row, "parent_code")
        if r.parent_code and r.parent_code not in known:
            raise InputError(_("unknown parent agency “%(code)s”") % {"code": r.parent_code}, r.row, "parent_code")
        for successor in r.successor_codes:
            if successor == r.code:
                raise InputError(_("the agency cannot succeed itself"), r.row, "successor_code")
            if successor not in known:
                raise InputError(
                    _("unknown successor agency “%(code)s”") % {"code": successor}, r.row, "successor_code"
                )


def _parent_codes(parsed: list[AgencyRow], existing: dict[str, Agency]) -> dict[str, str | None]:
    """code → parent code once the file is applied over what the database holds."""
    code_of = {a.pk: a.code for a in existing.values()}
    parent_of = {a.code: code_of[a.parent_id] if a.parent_id else None for a in existing.values()}
    parent_of.update({r.code: r.parent_code or None for r in parsed})
    return parent_of


def _check_cycles(parsed: list[AgencyRow], existing: dict[str, Agency]) -> None:
    """Refuse a parent chain that comes back to where it started, naming the first row on the cycle."""
    parent_of = _parent_codes(parsed, existing)
    for r in parsed:
        seen = {r.code}
        current = parent_of.get(r.code)
        # A row whose chain runs into a cycle it is not on is not the mistake: the rows on it are.
        while current and current not in seen:
            seen.add(current)
            current = parent_of.get(current)
        if current == r.code:
            raise InputError(
                _("the parent chain of “%(code)s” comes back to “%(again)s” (cycle)")
                % {"code": r.code, "again": current},
                r.row,
                "parent_code",
            )


def _write(parsed: list[AgencyRow], existing: dict[str, Agency], user: Any, reason: str) -> ImportSummary:
    """Write in a handful of bulk statements whatever the file size; rows that change nothing cost nothing."""
    before = {code: audit.snapshot(a, TRACKED) for code, a in existing.items()}
    agencies = dict(existing)
    paths = _paths(_parent_codes(parsed, existing))
    limit = Agency._meta.get_field("path").max_length or 0
    for r in parsed:
        if len(paths[r.code]) > limit:
            raise InputError(_("the chain of parent codes is too long"), r.row, "parent_code")
    # New agencies are created parents first, so that each level knows its parents' ids.
    new_rows = sorted((r for r in parsed if r.code not in existing), key=lambda r: paths[r.code].count("/"))
    for _depth, level in groupby(new_rows, key=lambda r: paths[r.code].count("/")):
        created = Agency.objects.bulk_create(
            [
                _apply(Agency(code=r.code, path=paths[r.code], depth=_depth_of(paths[r.code])), r, agencies)
                for r in level
            ],
            batch_size=500,
        )
        agencies.update({a.code: a for a in Agency.objects.filter(code__in=[a.code for a in created])})
    changed = [
        _apply(agencies[r.code], r, agencies)
        for r in parsed
        if r.code in existing and _differs(agencies[r.code], r, agencies)
    ]
    Agency.objects.bulk_update(changed, fields=list(TRACKED), batch_size=500)
    old_successors = _set_successors(parsed, agencies)
    if changed:
        rebuild_paths()
    summary = ImportSummary()
    entries: list[AuditEntry] = []
    for r in parsed:
        agency = agencies[r.code]
        old = before.get(r.code)
        changes = audit.diff(old or {}, audit.snapshot(agency, TRACKED))
        successors = old_successors.get(r.code, []), sorted(set(r.successor_codes))
        if successors[0] != successors[1]:
            changes["successors"] = list(successors)
        if old is None:
            summary.created += 1
        elif changes:
            summary.updated += 1
        else:
            summary.unchanged += 1
            continue
        entries.append(
            audit.entry(
                user=user, obj=agency, action=AuditEntry.Action.IMPORT, changes=changes, reason=reason, agency=agency
            )
        )
    audit.record_many(entries)
    return summary


def _apply(agency: Agency, r: AgencyRow, agencies: dict[str, Agency]) -> Agency:
    agency.name, agency.kind = r.name, r.kind
    agency.active_from, agency.active_to = r.active_from, r.active_to
    agency.parent = agencies[r.parent_code] if r.parent_code else None
    return agency


def _differs(agency: Agency, r: AgencyRow, agencies: dict[str, Agency]) -> bool:
    parent_id = agencies[r.parent_code].pk if r.parent_code else None
    return (agency.name, agency.kind, agency.active_from, agency.active_to, agency.parent_id) != (
        r.name,
        r.kind,
        r.active_from,
        r.active_to,
        parent_id,
    )


def _paths(parent_of: dict[str, str | None]) -> dict[str, str]:
    """code → "/ROOT/…/CODE/" from a code → parent code map (free of cycles)."""
    paths: dict[str, str] = {}

    def path_of(code: str) -> str:
        if code not in paths:
            parent = parent_of.get(code)
            paths[code] = (path_of(parent) if parent else "/") + f"{code}/"
        return paths[code]

    for code in parent_of:
        path_of(code)
    return paths


def _depth_of(path: str) -> int:
    return path.count("/") - 2


def _set_successors(parsed: list[AgencyRow], agencies: dict[str, Agency]) -> dict[str, list[str]]:
    """Make the successor links of the imported agencies exactly those of the file.

    Returns the successor codes each imported agency had before, for the audit trail.
    """
    link = Agency.successors.through
    ids = [agencies[r.code].pk for r in parsed]
    wanted = {(agencies[r.code].pk, agencies[c].pk) for r in parsed for c in r.successor_codes}
    current = set(link.objects.filter(from_agency_id__in=ids).values_list("from_agency_id", "to_agency_id"))
    for from_id, to_id in current - wanted:
        link.objects.filter(from_agency_id=from_id, to_agency_id=to_id).delete()
    link.objects.bulk_create([link(from_agency_id=f, to_agency_id=t) for f, t in wanted - current], batch_size=500)
    code_of = {a.pk: a.code for a in agencies.values()}
    before: dict[str, list[str]] = {}
    for from_id, to_id in current:
        before.setdefault(code_of[from_id], []).append(code_of[to_id])
    return {code: sorted(successors) for code, successors in before.items()}


def rebuild_paths() -> int:
    """Recompute every agency's ``path`` and ``depth`` from the parent links; returns how many changed."""
    rows = list(Agency.objects.values_list("pk", "parent_id", "code", "path", "depth"))
    code_of = {pk: code for pk, _parent, code, _path, _depth in rows}
    paths = _paths({code: code_of.get(parent) if parent else None for _pk, parent, code, _p, _d in rows})
    changed = [
        Agency(pk=pk, path=paths[code], depth=_depth_of(paths[code]))
        for pk, _parent, code, path, depth in rows
        if (paths[code], _depth_of(paths[code])) != (path, depth)
    ]
    Agency.objects.bulk_update(changed, ["path", "depth"], batch_size=500)
    return len(changed)


def export_rows(queryset: Iterable[Agency]) -> Iterable[list[Any]]:
    """Rows in the import format, so that an export can be edited and imported again."""
    for a in queryset:
        yield [
            a.code,
            a.name,
            a.kind,
            a.parent.code if a.parent else "",
            a.active_from.isoformat(),
            a.active_to.isoformat() if a.active_to else "",
            ";".join(s.code for s in a.successors.all()),
        ]
