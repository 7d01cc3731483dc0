from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from cchc.core import audit
from cchc.core.models import AuditEntry


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin edits go into the audit trail like every other change (old → new)."""

    def agency_of(self, obj: Any) -> Any:
        return getattr(obj, "agency", None)

    def _tracked(self, obj: models.Model) -> list[str]:
        return [f.name for f in obj._meta.concrete_fields if not f.primary_key and f.editable]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = self._tracked(obj)
        old = audit.snapshot(type(obj).objects.get(pk=obj.pk), fields) if change else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            self.after_save(obj)
            audit.record(
                user=request.user,
                obj=obj,
                action=AuditEntry.Action.UPDATE if change else AuditEntry.Action.CREATE,
                changes=audit.diff(old, audit.snapshot(obj, fields)),
                agency=self.agency_of(obj),
                reason="admin",
            )

    def after_save(self, obj: Any) -> None:
        """Hook for derived data to refresh inside the same transaction."""

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit.record(
                user=request.user,
                obj=obj,
                action=AuditEntry.Action.DELETE,
                agency=self.agency_of(obj),
                reason="admin",
            )
            super().delete_model(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "object_repr", "agency", "reason"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "user__username", "reason"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
