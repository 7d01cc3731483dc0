from typing import Any

from django.contrib import admin

from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.agencies.services import rebuild_paths
from cchc.core.admin import AuditedModelAdmin


@admin.register(Agency)
class AgencyAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "kind", "parent", "active_from", "active_to"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "successors"]
    ordering = ["path"]

    def agency_of(self, obj: Any) -> Any:
        return obj

    def after_save(self, obj: Any) -> None:
        rebuild_paths()


class BlockMembershipInline(admin.TabularInline):
    model = BlockMembership
    autocomplete_fields = ["agency"]
    extra = 1


@admin.register(Block)
class BlockAdmin(AuditedModelAdmin):
    list_display = ["year", "code", "name", "owner"]
    list_filter = ["year"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["owner"]
    inlines = [BlockMembershipInline]

    def agency_of(self, obj: Any) -> Any:
        return obj.owner
