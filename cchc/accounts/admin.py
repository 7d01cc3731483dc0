from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cchc.accounts.models import RoleGrant, User
from cchc.core import audit
from cchc.core.models import AuditEntry

GRANT_FIELDS = ("user", "role", "agency", "include_descendants")


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    autocomplete_fields = ["agency"]
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Position"), {"fields": ("full_name", "position", "language")}))  # type: ignore[misc]
    list_display = ["username", "full_name", "email", "is_active", "is_superuser"]
    search_fields = ["username", "full_name", "email"]
    inlines = [RoleGrantInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Granting or withdrawing a role is a change like any other: it goes into the audit trail."""
        with transaction.atomic():
            before = {g.pk: audit.snapshot(g, GRANT_FIELDS) for g in formset.get_queryset()}
            deleted = list(formset.deleted_forms)
            for grant_form in deleted:
                grant = grant_form.instance
                if grant.pk:
                    audit.record(
                        user=request.user,
                        obj=grant,
                        action=AuditEntry.Action.DELETE,
                        changes={k: [v, None] for k, v in before.get(grant.pk, {}).items()},
                        agency=grant.agency,
                        reason="admin",
                    )
            super().save_formset(request, form, formset, change)
            for grant in formset.new_objects + [obj for obj, _fields in formset.changed_objects]:
                old = before.get(grant.pk, {})
                audit.record(
                    user=request.user,
                    obj=grant,
                    action=AuditEntry.Action.UPDATE if old else AuditEntry.Action.CREATE,
                    changes=audit.diff(old, audit.snapshot(grant, GRANT_FIELDS)),
                    agency=grant.agency,
                    reason="admin",
                )
