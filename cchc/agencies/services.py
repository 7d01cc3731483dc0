"""Writes to the organisation: importing agencies, keeping their tree paths."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from cchc.agencies.models import Agency, AgencyKind
from cchc.core import audit
from cchc.core.models import AuditEntry
from cchc.core.tabular import InputError, parse_date, read_rows

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
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % vars(self)


def import_agencies_file(
    source: str | Path | IO[bytes], *, user: Any = None, reason: str = "", name: str = ""
) -> ImportSummary:
    """Import agencies from a CSV or XLSX file (DESIGN §8.1); all rows or none."""
    rows = read_rows(source, required=REQUIRED, optional=COLUMNS, name=name)
    return import_agencies(rows, user=user, reason=reason or _("Agency import"))


def import_agencies(rows: Iterable[tuple[int, dict[str, str]]], *, user: Any = None, reason: str = "") -> ImportSummary:
    parsed = _parse(rows)
    if not parsed:
        raise InputError(_("the file has no agency rows"))
    existing = {a.code: a for a in Agency.objects.all()}
    _check_references(parsed, existing)
    _check_cycles(parsed, existing)
    with transaction.atomic():
        return _write(parsed, existing, user, reason)


def _parse(rows: Iterable[tuple[int, dict[str, str]]]) -> list[AgencyRow]:
    parsed: list[AgencyRow] = []
    seen: dict[str, int] = {}
    kinds = set(AgencyKind.values)
    for number, values in rows:
        code = values.get("code", "").strip()
        if not code:
            raise InputError(_("the agency code is empty"), number, "code")
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


def _check_cycles(parsed: list[AgencyRow], existing: dict[str, Agency]) -> None:
    """Refuse a parent chain that comes back to where it started, naming the first row on the cycle."""
    by_id = {a.pk: a.code for a in existing.values()}
    parent_of = {a.code: by_id.get(a.parent_id) for a in existing.values() if a.parent_id}
    parent_of.update({r.code: r.parent_code or None for r in parsed})
    for r in parsed:
        seen = {r.code}
        current = parent_of.get(r.code)
        while current:
            if current in seen:
                raise InputError(
                    _("the parent chain of “%(code)s” comes back to “%(again)s” (cycle)")
                    % {"code": r.code, "again": current},
                    r.row,
                    "parent_code",
                )
            seen.add(current)
            current = parent_of.get(current)


def _write(parsed: list[AgencyRow], existing: dict[str, Agency], user: Any, reason: str) -> ImportSummary:
    summary = ImportSummary()
    before = {code: audit.snapshot(a, TRACKED) for code, a in existing.items()}
    agencies = dict(existing)
    for r in parsed:
        agency = agencies.get(r.code) or Agency(code=r.code)
        agency.name, agency.kind = r.name, r.kind
        agency.active_from, agency.active_to = r.active_from, r.active_to
        if agency.pk is None:
            agency.save()
        agencies[r.code] = agency
    for r in parsed:
        agencies[r.code].parent = agencies[r.parent_code] if r.parent_code else None
    Agency.objects.bulk_update([agencies[r.code] for r in parsed], fields=list(TRACKED), batch_size=500)
    for r in parsed:
        if r.successor_codes:
            agencies[r.code].successors.set([agencies[c] for c in r.successor_codes])
    rebuild_paths()
    entries: list[AuditEntry] = []
    for r in parsed:
        agency = agencies[r.code]
        after = audit.snapshot(agency, TRACKED)
        old = before.get(r.code)
        changes = audit.diff(old or {}, after)
        if old is None:
            summary.created += 1
        elif changes:
            summary.updated += 1
        else:
            summary.unchanged += 1
            continue
        entries.append(
            audit.entry(
                user=user,
                obj=agency,
                action=AuditEntry.Action.IMPORT,
                changes=changes,
                reason=reason,
                agency=agency,
            )
        )
    audit.record_many(entries)
    return summary


def rebuild_paths() -> int:
    """Recompute every agency's ``path`` and ``depth`` from the parent links; returns how many changed."""
    rows = list(Agency.objects.values_list("pk", "parent_id", "path", "depth"))
    parent_of = {pk: parent for pk, parent, _, _ in rows}
    paths: dict[int, str] = {}

    def path_of(pk: int) -> str:
        if pk not in paths:
            parent = parent_of[pk]
            paths[pk] = (path_of(parent) if parent else "/") + f"{pk}/"
        return paths[pk]

    changed = []
    for pk, _parent, old_path, old_depth in rows:
        new_path = path_of(pk)
        depth = new_path.count("/") - 2
        if (new_path, depth) != (old_path, old_depth):
            changed.append(Agency(pk=pk, path=new_path, depth=depth))
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
