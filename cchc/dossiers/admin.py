from django.contrib import admin

from cchc.core.admin import AuditedModelAdmin
from cchc.dossiers.models import Procedure, Target


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "field", "level", "online_level"]
    list_filter = ["level", "online_level"]
    search_fields = ["code", "name", "field"]


@admin.register(Target)
class TargetAdmin(AuditedModelAdmin):
    list_display = ["year", "kind", "online_rate_min", "late_rate_max"]
    list_filter = ["year", "kind"]
