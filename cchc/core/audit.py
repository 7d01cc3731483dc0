"""The audit trail (nhật ký thay đổi): every service that changes data calls ``record``; the page and
its export read entries through ``readable``.

``changes`` is ``{field: [old, new]}`` with JSON values as ``snapshot`` gives them. A reference to
another object (a foreign key's id, the codes of a many-to-many) is written with the object's name
beside it, ``{"id": 72, "label": "Sở Tư pháp (STP)"}`` or ``{"code": "XM040", "label": …}``, so
that an entry still reads when the object has since been deleted or renamed. Entries written before
that carry bare ids and codes: ``readable`` looks them up, a page at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import islice
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.core.formatting import DASH, format_date, format_number, format_percent
from cchc.core.models import AuditEntry

# Keys of ``changes`` that are no field of the object: counts and descriptions some services record.
EXTRA_LABELS = {
    "created": gettext_lazy("records created"),
    "updated": gettext_lazy("records updated"),
    "document": gettext_lazy("document"),
    "evidence": gettext_lazy("evidence"),
    "assignment": gettext_lazy("assignment"),
    "results_changed": gettext_lazy("results changed"),
    "results_frozen": gettext_lazy("results kept as approved"),
}
# Reasons written as codes rather than words.
REASON_LABELS = {
    "admin": gettext_lazy("Edited in the administration pages"),
    "demo_data": gettext_lazy("Demo data"),
}


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The given fields of ``obj`` as JSON-ready values (foreign keys by their ``attname``)."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = _jsonable(getattr(obj, getattr(field, "attname", name)))
    return values


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def changes(names: Iterable[str], old: Iterable[Any], new: Iterable[Any]) -> dict[str, list[Any]]:
    """field → [old, new] (JSON-ready) for the values that differ, given as parallel sequences.

    For bulk writes that already hold both lists: cheaper than two ``snapshot`` calls per row.
    """
    return {
        name: [_jsonable(before), _jsonable(after)]
        for name, before, after in zip(names, old, new, strict=True)
        if before != after
    }


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """field → [old, new] for the fields whose value changed."""
    return {k: [old.get(k), new.get(k)] for k in new if old.get(k) != new.get(k)}


def record(
    *,
    user: Any,
    obj: models.Model,
    action: str,
    changes: Mapping[str, list[Any]] | None = None,
    reason: str = "",
    agency: Any = None,
) -> AuditEntry:
    audit_entry = entry(user=user, obj=obj, action=action, changes=changes or {}, reason=reason, agency=agency)
    _name_references([audit_entry])
    audit_entry.save()
    return audit_entry


def record_many(entries: list[AuditEntry]) -> None:
    """Bulk-write prepared entries (imports of many rows); their references are named in a few queries."""
    _name_references(entries)
    AuditEntry.objects.bulk_create(entries, batch_size=500)


def entry(
    *, user: Any, obj: models.Model, action: str, changes: Mapping[str, list[Any]], reason: str, agency: Any
) -> AuditEntry:
    """An unsaved entry, for ``record_many``."""
    return AuditEntry(
        user=user if getattr(user, "is_authenticated", False) else None,
        agency=agency,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        changes=dict(changes),
        reason=reason,
    )


# --- references to other objects --------------------------------------------------------------------


def label(obj: models.Model) -> str:
    """How the interface names an object: "Sở Tư pháp (STP)", "Nguyễn Văn An (sonoivu)"."""
    name = getattr(obj, "name", "") or getattr(obj, "full_name", "")
    code = getattr(obj, "code", "") or getattr(obj, "username", "")
    return f"{name} ({code})" if name and code else str(obj)


@cache
def _field(model: type[models.Model] | None, key: str) -> Any:
    """The model's field named ``key`` (a key of ``changes``), or None; asked once per model and key."""
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _target(field: Any) -> type[models.Model] | None:
    """The model a forward relation (foreign key, many-to-many) points to; None for anything else."""
    if field is None or not field.is_relation or field.auto_created:
        return None
    return field.related_model


def _ref_key(model: type[models.Model], value: Any) -> tuple[str, Any] | None:
    """How a stored reference finds its object: by primary key, or by code (the successors' codes)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return ("id", value)
    if isinstance(value, str) and _field(model, "code") is not None:
        return ("code", value)
    return None


class _Lookup:
    """Bare references found in entries, fetched with one query per model and kind of key."""

    def __init__(self) -> None:
        self.wanted: dict[tuple[type[models.Model], str], set[Any]] = defaultdict(set)
        self.found: dict[tuple[type[models.Model], str, Any], str] = {}

    def want(self, model: type[models.Model], value: Any) -> None:
        """Note the bare references in ``value``: one, or a list (of pairs, of many-to-many codes)."""
        if isinstance(value, list):
            for item in value:
                self.want(model, item)
            return
        key = _ref_key(model, value)
        if key is not None:
            self.wanted[(model, key[0])].add(key[1])

    def fetch(self) -> None:
        for (model, kind), values in self.wanted.items():
            column = "pk" if kind == "id" else kind
            for obj in model._default_manager.filter(**{f"{column}__in": values}):
                self.found[(model, kind, getattr(obj, column))] = label(obj)

    def label(self, model: type[models.Model], item: Any) -> str | None:
        key = _ref_key(model, item)
        return None if key is None else self.found.get((model, *key))


def _relations(entries: Iterable[AuditEntry]) -> Iterator[tuple[AuditEntry, str, type[models.Model]]]:
    """(entry, key, target model) for each change of a reference to another object."""
    by_type: dict[int, dict[str, type[models.Model]]] = {}  # an import's thousands of entries share a type
    for audit_entry in entries:
        kind = audit_entry.content_type_id
        if kind not in by_type:
            by_type[kind] = _references_of(audit_entry.content_type.model_class())
        references = by_type[kind]
        for key in references.keys() & audit_entry.changes.keys():
            yield audit_entry, key, references[key]


@cache
def _references_of(model: type[models.Model] | None) -> dict[str, type[models.Model]]:
    """The model's forward relations by name (and attname): the keys of ``changes`` that refer to objects."""
    if model is None:
        return {}
    targets = {f: _target(f) for f in model._meta.get_fields()}
    return {
        name: target
        for f, target in targets.items()
        if target is not None
        for name in {f.name, getattr(f, "attname", f.name)}
    }


def _name_references(entries: Sequence[AuditEntry]) -> None:
    """Write each reference's name beside it, so that the entry reads without its objects."""
    lookup = _Lookup()
    relations = list(_relations(entries))
    for audit_entry, key, target in relations:
        lookup.want(target, audit_entry.changes[key])
    lookup.fetch()
    for audit_entry, key, target in relations:
        audit_entry.changes[key] = _named(lookup, target, audit_entry.changes[key])


def _named(lookup: _Lookup, model: type[models.Model], value: Any) -> Any:
    if isinstance(value, list):
        return [_named(lookup, model, item) for item in value]
    key, name = _ref_key(model, value), lookup.label(model, value)
    return value if key is None or name is None else {key[0]: key[1], "label": name}


# --- reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One field of an entry as a person reads it: "Cơ quan cấp trên: — → Sở Tư pháp (STP)"."""

    field: str
    old: str
    new: str

    @property
    def added(self) -> bool:
        """A value where there was none: shown as the new value alone."""
        return self.old == DASH

    def __str__(self) -> str:
        return f"{self.field}: {self.new}" if self.added else f"{self.field}: {self.old} → {self.new}"


@dataclass(frozen=True)
class ReadableEntry:
    entry: AuditEntry
    changes: list[Change]

    @property
    def kind(self) -> str:
        """The kind of object, as its model names it ("Cơ quan, đơn vị")."""
        model = self.entry.content_type.model_class()
        return str(capfirst(model._meta.verbose_name if model else self.entry.content_type.model))

    @property
    def reason(self) -> str:
        return str(REASON_LABELS.get(self.entry.reason, self.entry.reason))

    @property
    def is_the_agency(self) -> bool:
        """The object is the agency concerned itself (an agency's own change)."""
        e = self.entry
        return (
            e.agency is not None and e.content_type.model_class() is type(e.agency) and e.object_id == str(e.agency.pk)
        )

    @property
    def object(self) -> str:
        """The object by name and code while it exists as the agency concerned, else as it was named."""
        agency = self.entry.agency
        return label(agency) if agency is not None and self.is_the_agency else self.entry.object_repr

    @property
    def agency(self) -> str:
        """The agency concerned, where the object is another one (a score, an assessment)."""
        agency = self.entry.agency
        return label(agency) if agency is not None and not self.is_the_agency else ""

    @property
    def all_added(self) -> bool:
        """Values set where there were none (a creation): read as one line rather than a list of arrows."""
        return all(c.added for c in self.changes)


def readable(entries: Sequence[AuditEntry]) -> list[ReadableEntry]:
    """The entries with their changes labelled and formatted; one query per kind of bare reference."""
    lookup = _Lookup()
    for audit_entry, key, target in _relations(entries):
        lookup.want(target, audit_entry.changes[key])
    lookup.fetch()
    return [ReadableEntry(e, _changes(e, lookup)) for e in entries]


def _changes(audit_entry: AuditEntry, lookup: _Lookup) -> list[Change]:
    model = audit_entry.content_type.model_class()
    result = []
    for key, pair in audit_entry.changes.items():
        old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        field = _field(model, key)
        result.append(Change(_field_label(field, key), _show(lookup, field, old), _show(lookup, field, new)))
    return result


def _show(lookup: _Lookup, field: Any, value: Any) -> str:
    target = _target(field)
    return _reference(lookup, target, value) if target else _value(field, value)


def _field_label(field: Any, key: str) -> str:
    """The field's name as the interface labels it (its verbose name, translated)."""
    if field is None:
        name = EXTRA_LABELS.get(key, key.replace("_", " "))
    elif field.auto_created and field.is_relation:  # a reverse relation: a count of related objects
        name = field.related_model._meta.verbose_name_plural
    else:
        name = field.verbose_name
    return str(capfirst(str(name)))


def _reference(lookup: _Lookup, model: type[models.Model], value: Any) -> str:
    if value in (None, "", []):
        return DASH
    if isinstance(value, list):
        return ", ".join(_reference(lookup, model, item) for item in value)
    if isinstance(value, dict):
        return str(value.get("label") or DASH)
    found = lookup.label(model, value)
    if found is not None:
        return found
    # Gone before its name was kept: say so, with its code where it had one (never a database id).
    gone = _("%(kind)s deleted") % {"kind": capfirst(str(model._meta.verbose_name))}
    return f"{value} ({gone})" if isinstance(value, str) else gone


def _value(field: Any, value: Any) -> str:
    """A stored value formatted as everywhere else: Vietnamese numbers and dates, Có/Không, choice labels."""
    if value in (None, "", []):
        return DASH
    if isinstance(value, list):
        return ", ".join(_value(field, item) for item in value)
    if isinstance(value, dict):  # a JSON field (indices by area): each part as a number where it is one
        return "; ".join(f"{k}: {_value(None, _number(v))}" for k, v in value.items())
    if isinstance(value, bool) or isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    try:
        return _typed(field, value)
    except (ValueError, TypeError, InvalidOperation):  # an entry older than the field's type
        return str(value)


def _typed(field: Any, value: Any) -> str:
    if isinstance(field, models.DecimalField):
        number = Decimal(str(value))
        return format_percent(number) if _is_fraction(field) else format_number(number, field.decimal_places)
    if isinstance(field, models.DateTimeField):
        moment = datetime.fromisoformat(str(value))
        moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
        return f"{format_date(moment)} {moment:%H:%M}"
    if isinstance(field, models.DateField):
        return format_date(date.fromisoformat(str(value)))
    if isinstance(value, int | float | Decimal):
        return format_number(value, 0 if isinstance(value, int) else 2)
    return str(value)


def _number(value: Any) -> Any:
    """A number written as text in JSON ("85.2500") as a number, anything else as it is."""
    try:
        return Decimal(value) if isinstance(value, str) else value
    except InvalidOperation:
        return value


def _is_fraction(field: models.Field) -> bool:
    """Rates and satisfaction are stored as fractions (0.0525) and shown as percentages (5,25%)."""
    return bool({"rate", "satisfaction"} & set(field.name.split("_")))


# --- export -------------------------------------------------------------------------------------------


def export_columns() -> list[str]:
    """The page's columns, split where a spreadsheet wants them apart."""
    return [
        _("Time"),
        _("By"),
        _("Agency concerned"),
        _("Action"),
        _("Object type"),
        _("Object"),
        _("Changes (old → new)"),
        _("Reason"),
    ]


def export_rows(entries: models.QuerySet[AuditEntry], chunk: int = 2000) -> Iterator[list[Any]]:
    """One row per entry, its changes one per line; read ``chunk`` entries at a time."""
    stream = entries.iterator(chunk_size=chunk)
    while part := list(islice(stream, chunk)):
        for row in readable(part):
            e = row.entry
            yield [
                timezone.localtime(e.at).replace(tzinfo=None, microsecond=0),
                label(e.user) if e.user else _("System"),
                label(e.agency) if e.agency else "",
                capfirst(e.get_action_display()),
                row.kind,
                row.object,
                "\n".join(str(c) for c in row.changes),
                row.reason,
            ]
