from typing import Any

from django.contrib import admin

from cchc.core.admin import AuditedModelAdmin
from cchc.indices.models import IndexKind, ProvincialIndex


@admin.register(IndexKind)
class IndexKindAdmin(AuditedModelAdmin):
    list_display = ["code", "short_name", "name", "unit", "scale", "position"]


@admin.register(ProvincialIndex)
class ProvincialIndexAdmin(AuditedModelAdmin):
    list_display = ["kind", "year", "score", "rank", "out_of", "province"]
    list_filter = ["kind", "year"]

    def agency_of(self, obj: ProvincialIndex) -> Any:
        return obj.province
