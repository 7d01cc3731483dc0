"""Writing the audit trail: every service that changes data calls ``record``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from cchc.core.models import AuditEntry


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
    audit_entry.save()
    return audit_entry


def record_many(entries: list[AuditEntry]) -> None:
    """Bulk-write prepared entries (imports of many rows)."""
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
