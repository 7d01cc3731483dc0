"""Writes to the organisation: importing agencies and blocks, keeping the agencies' tree paths.

Both master lists are read with ``cchc.core.tabular.read_rows`` and exported with ``write_rows``
in the same columns, so that an export can be edited and imported again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, AgencyKind, Block, BlockMembership
from cchc.core import audit
from cchc.core.formatting import format_date
from cchc.core.models import AuditEntry
from cchc.core.scope import agency_q
from cchc.core.tabular import (
    Column,
    InputError,
    Kind,
    cell_text,
    choice_value,
    import_summary,
    parse_date,
    read_rows,
    write_rows,
)

AGENCY_COLUMNS = (
    Column("code", gettext_lazy("Code"), width=14),
    Column("name", gettext_lazy("Name"), width=40),
    Column("kind", gettext_lazy("Kind"), width=26, choices=AgencyKind),
    Column("parent_code", gettext_lazy("Parent agency code"), width=14),
    Column("active_from", gettext_lazy("Active from"), Kind.DATE),
    Column("active_to", gettext_lazy("Active until"), Kind.DATE),
    Column("successor_code", gettext_lazy("Successor codes"), width=16),
)
COLUMNS = tuple(c.key for c in AGENCY_COLUMNS)
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
    rows = read_rows(source, required=REQUIRED, optional=AGENCY_COLUMNS, name=name)
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
            current = dict(zip(COLUMNS, map(cell_text, next(iter(export_rows([agency])))), strict=True))
            values = {**current, **values}
        yield number, values


def _parse(rows: Iterable[tuple[int, dict[str, str]]]) -> list[AgencyRow]:
    parsed: list[AgencyRow] = []
    seen: dict[str, int] = {}
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
        given = values.get("kind", "").strip()
        kind = choice_value(given, AgencyKind)
        if kind is None:
            raise InputError(
                _("unknown kind “%(kind)s” (expected one of %(kinds)s)")
                % {"kind": given, "kinds": ", ".join(AgencyKind.values)},
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


def _check_length(value: str, row: int, field: str, model: type[Agency | Block] = Agency, column: str = "") -> None:
    """Refuse what the database column cannot hold (PostgreSQL would fail mid-import, SQLite would not check)."""
    limit = getattr(model._meta.get_field(column or field), "max_length", None) or 0
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
            a.active_from,
            a.active_to,
            ";".join(s.code for s in a.successors.all()),
        ]


def scope_title(visible: QuerySet[Agency], limit: int = 3) -> str:
    """The agencies a scope starts from, for an export's title: "UBND tỉnh Hòa An", "Sở Tư pháp, Sở Y tế"."""
    tops = list(visible.exclude(parent__in=visible).order_by("path").values_list("name", flat=True)[: limit + 1])
    if not tops:
        return _("no agency")
    if len(tops) > limit:
        return _("%(names)s and others") % {"names": ", ".join(tops[:limit])}
    return ", ".join(tops)


# Blocks (khối) of a year: `cchc import_blocks FILE --year Y`, `cchc export_blocks --year Y --out FILE`.

BLOCK_COLUMNS = (
    Column("block_code", gettext_lazy("Block code"), width=14),
    Column("block_name", gettext_lazy("Block name"), width=36),
    Column("agency_code", gettext_lazy("Agency code"), width=18),
    Column("agency_name", gettext_lazy("Agency"), width=36),  # for the reader; the import ignores it
    Column("owner_code", gettext_lazy("Managing agency code"), width=18),
)
BLOCK_REQUIRED = ("block_code", "block_name", "agency_code")


@dataclass
class BlockPlan:
    """A block of the file: its name, owner and members, with the row each was read on."""

    row: int
    code: str
    name: str
    owner_code: str
    members: dict[str, int]  # agency code → row


def import_blocks_file(
    source: str | Path | IO[bytes], year: int, *, user: Any, reason: str = "", name: str = ""
) -> ImportSummary:
    """Import the blocks of ``year`` from a CSV or XLSX file (DESIGN §8.1); all rows or none.

    ``user`` is the person importing on the blocks page, or None for the command line (no limit)."""
    rows = read_rows(source, required=BLOCK_REQUIRED, optional=BLOCK_COLUMNS, name=name)
    return import_blocks(rows, year, user=user, reason=reason or _("Block import"))


def import_blocks(rows: Iterable[tuple[int, dict[str, str]]], year: int, *, user: Any, reason: str) -> ImportSummary:
    """Each block of the file gets exactly the file's members; the year's other blocks are left alone.

    A block keeps its owner unless the file's ``owner_code`` names another; a new block without
    one is the province's. With ``user`` (the blocks page), the user must coordinate every block's
    owner and every member. Everything is checked before anything is written.
    """
    plans = _block_plans(rows)
    with transaction.atomic():
        blocks = {
            b.code: b for b in Block.objects.select_for_update(of=("self",)).filter(year=year).select_related("owner")
        }
        agencies = _block_agencies(plans)
        members = _member_codes(blocks.values())
        _check_blocks(plans, blocks, agencies, year, user)
        _check_published(plans, blocks, members)
        return _write_blocks(plans, blocks, agencies, members, year, user, reason)


def _block_plans(rows: Iterable[tuple[int, dict[str, str]]]) -> list[BlockPlan]:
    plans: dict[str, BlockPlan] = {}
    seen: dict[str, tuple[str, int]] = {}  # agency code → (block code, row)
    for number, values in rows:
        code, name = values.get("block_code", "").strip(), values.get("block_name", "").strip()
        agency, owner = values.get("agency_code", "").strip(), values.get("owner_code", "").strip()
        if not code:
            raise InputError(_("the block code is empty"), number, "block_code")
        if not name:
            raise InputError(_("the block name is empty"), number, "block_name")
        _check_length(code, number, "block_code", Block, "code")
        _check_length(name, number, "block_name", Block, "name")
        plan = plans.setdefault(code, BlockPlan(number, code, name, owner, {}))
        _same_as_first(plan, number, "block_name", name, plan.name)
        _same_as_first(plan, number, "owner_code", owner, plan.owner_code)
        if agency in seen:
            other, first = seen[agency]
            raise InputError(
                _("agency “%(agency)s” is already in block “%(block)s” on row %(first)s: one block a year")
                % {"agency": agency, "block": other, "first": first},
                number,
                "agency_code",
            )
        if agency:  # a row without an agency declares a block without adding a member
            seen[agency] = (code, number)
            plan.members[agency] = number
    if not plans:
        raise InputError(_("the file has no block rows"))
    return list(plans.values())


def _same_as_first(plan: BlockPlan, row: int, field: str, value: str, first: str) -> None:
    if value != first:
        raise InputError(
            _("block “%(block)s” has “%(value)s” here but “%(first)s” on row %(row)s: one value per block")
            % {"block": plan.code, "value": value, "first": first, "row": plan.row},
            row,
            field,
        )


def _block_agencies(plans: list[BlockPlan]) -> dict[str, Agency]:
    """The agencies the file names (members and owners) and the province, by code."""
    codes = {c for p in plans for c in (*p.members, p.owner_code) if c}
    found = Agency.objects.filter(code__in=codes) | Agency.objects.filter(kind=AgencyKind.PROVINCE, parent=None)
    return {a.code: a for a in found}


def _check_blocks(
    plans: list[BlockPlan], blocks: dict[str, Block], agencies: dict[str, Agency], year: int, user: Any
) -> None:
    elsewhere = _members_elsewhere(year, {p.code for p in plans})
    coordinated = _coordinated(user)
    for plan in plans:
        block = blocks.get(plan.code)
        # On the page, the block must be the user's before and after: its owner now and the file's.
        for owner in (block.owner if block else None, _owner(plan, block, agencies)):
            if owner is not None and coordinated is not None and owner.pk not in coordinated:
                raise InputError(_("you do not coordinate “%(agency)s”") % {"agency": owner}, plan.row, "owner_code")
        for code, row in plan.members.items():
            _check_member(code, row, agencies, year, elsewhere, coordinated)


def _check_member(
    code: str,
    row: int,
    agencies: dict[str, Agency],
    year: int,
    elsewhere: dict[str, str],
    coordinated: set[int] | None,
) -> None:
    agency = agencies.get(code)
    if agency is None:
        raise InputError(_("unknown agency “%(code)s”") % {"code": code}, row, "agency_code")
    if agency.active_from > date(year, 12, 31) or (agency.active_to and agency.active_to < date(year, 1, 1)):
        raise InputError(
            _("agency “%(code)s” is not active in %(year)s") % {"code": code, "year": year}, row, "agency_code"
        )
    if code in elsewhere:
        raise InputError(
            _("agency “%(code)s” is already in block “%(block)s” of %(year)s, which the file does not list")
            % {"code": code, "block": elsewhere[code], "year": year},
            row,
            "agency_code",
        )
    if coordinated is not None and agency.pk not in coordinated:
        raise InputError(_("you do not coordinate “%(agency)s”") % {"agency": agency}, row, "agency_code")


def _owner(plan: BlockPlan, block: Block | None, agencies: dict[str, Agency]) -> Agency:
    """The file's owner, else the block's own, else the province (the one agency of that kind at the top)."""
    if plan.owner_code:
        if plan.owner_code not in agencies:
            raise InputError(_("unknown agency “%(code)s”") % {"code": plan.owner_code}, plan.row, "owner_code")
        return agencies[plan.owner_code]
    if block is not None:
        return block.owner
    provinces = [a for a in agencies.values() if a.kind == AgencyKind.PROVINCE and a.parent_id is None]
    if len(provinces) != 1:
        raise InputError(_("give the managing agency: there is no single province agency"), plan.row, "owner_code")
    return provinces[0]


def _members_elsewhere(year: int, codes: set[str]) -> dict[str, str]:
    """agency code → block code, for the members of the year's blocks the file leaves alone."""
    kept = BlockMembership.objects.filter(year=year).exclude(block__code__in=codes)
    return dict(kept.values_list("agency__code", "block__code"))


def _coordinated(user: Any) -> set[int] | None:
    """Ids of the agencies ``user`` coordinates; None for a command or a system administrator (all)."""
    if user is None:
        return None
    condition = agency_q(user, {Role.COORDINATOR})
    return None if condition is None else set(Agency.objects.filter(condition).values_list("pk", flat=True))


def _check_published(plans: list[BlockPlan], blocks: dict[str, Block], members: dict[str, set[str]]) -> None:
    """A block whose results are published keeps its members: the published ranking was made of them."""
    from cchc.scoring.models import Assessment  # scoring builds on agencies, not the other way round

    published = set(
        Assessment.objects.filter(framework__block__in=blocks.values(), state=Assessment.State.PUBLISHED)
        .values_list("framework__block__code", flat=True)
        .distinct()
    )
    for plan in plans:
        if plan.code in published and set(plan.members) != members[plan.code]:
            raise InputError(
                _("block “%(block)s” has published results: its members cannot change") % {"block": plan.code},
                plan.row,
                "agency_code",
            )


def _member_codes(blocks: Iterable[Block]) -> dict[str, set[str]]:
    """block code → its members' codes."""
    members: dict[str, set[str]] = {b.code: set() for b in blocks}
    for block, agency in BlockMembership.objects.filter(block__in=list(blocks)).values_list(
        "block__code", "agency__code"
    ):
        members[block].add(agency)
    return members


def _write_blocks(
    plans: list[BlockPlan],
    blocks: dict[str, Block],
    agencies: dict[str, Agency],
    members: dict[str, set[str]],
    year: int,
    user: Any,
    reason: str,
) -> ImportSummary:
    summary = ImportSummary()
    entries: list[AuditEntry] = []
    saved: list[tuple[BlockPlan, Block]] = []
    for plan in plans:
        old = blocks.get(plan.code)
        before = {"name": old.name, "owner": old.owner.code, "members": sorted(members[plan.code])} if old else {}
        owner = _owner(plan, old, agencies)
        block = _save_block(plan, old, owner, year)
        saved.append((plan, block))
        changes = audit.diff(before, {"name": plan.name, "owner": owner.code, "members": sorted(plan.members)})
        summary.created += not before
        summary.updated += bool(before and changes)
        summary.unchanged += bool(before and not changes)
        if changes:
            action = AuditEntry.Action.IMPORT
            entries.append(
                audit.entry(user=user, obj=block, action=action, changes=changes, reason=reason, agency=owner)
            )
    _replace_members(saved, agencies)
    audit.record_many(entries)
    return summary


def _save_block(plan: BlockPlan, block: Block | None, owner: Agency, year: int) -> Block:
    if block is None:
        return Block.objects.create(year=year, code=plan.code, name=plan.name, owner=owner)
    if (block.name, block.owner_id) != (plan.name, owner.pk):
        block.name, block.owner = plan.name, owner
        block.save(update_fields=["name", "owner"])
    return block


def _replace_members(saved: list[tuple[BlockPlan, Block]], agencies: dict[str, Agency]) -> None:
    """Members leave before others join, so that an agency may move between two blocks of the file."""
    wanted = {block.pk: {agencies[code].pk for code in plan.members} for plan, block in saved}
    for block_pk, ids in wanted.items():
        BlockMembership.objects.filter(block_id=block_pk).exclude(agency_id__in=ids).delete()
    kept = set(BlockMembership.objects.filter(block_id__in=wanted).values_list("block_id", "agency_id"))
    joining = [(block, pk) for _plan, block in saved for pk in sorted(wanted[block.pk]) if (block.pk, pk) not in kept]
    BlockMembership.objects.bulk_create(
        [BlockMembership(block=block, agency_id=pk, year=block.year) for block, pk in joining], batch_size=500
    )


def blocks_file(year: int, blocks: QuerySet[Block], members: QuerySet[Agency], fmt: str) -> bytes:
    """The blocks of ``year`` among ``blocks``, with their members among ``members`` (both already
    restricted to what the reader may see), in the import's columns."""
    title = _("Blocks of %(year)s — %(scope)s") % {"year": year, "scope": scope_title(members)}
    rows = export_block_rows(blocks.filter(year=year), members)
    return write_rows(BLOCK_COLUMNS, rows, fmt, title=title, sheet=_("Blocks %(year)s") % {"year": year})


def agencies_file(agencies: QuerySet[Agency], visible: QuerySet[Agency], fmt: str) -> bytes:
    """``agencies`` (a selection of ``visible``, the reader's scope) in the import's columns."""
    title = _("Agencies on %(day)s — %(scope)s") % {
        "day": format_date(timezone.localdate()),
        "scope": scope_title(visible),
    }
    return write_rows(AGENCY_COLUMNS, export_rows(agencies), fmt, title=title, sheet=_("Agencies"))


def export_block_rows(blocks: QuerySet[Block], members: QuerySet[Agency]) -> list[list[Any]]:
    """One row per member (of ``members``) in the import's columns; a block without one, a row without
    an agency, which the import reads back as the block with no member."""
    listed = (
        BlockMembership.objects.filter(block__in=blocks, agency__in=members)
        .select_related("agency")
        .order_by("agency__code")
    )
    by_block: dict[int, list[Agency]] = {}
    for membership in listed:
        by_block.setdefault(membership.block_id, []).append(membership.agency)
    rows = []
    for block in blocks.select_related("owner").order_by("code"):
        members_of = [(a.code, a.name) for a in by_block.get(block.pk, [])] or [("", "")]
        rows += [[block.code, block.name, code, name, block.owner.code] for code, name in members_of]
    return rows
