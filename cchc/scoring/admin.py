"""Configuration of the PAR index a system administrator edits: band thresholds, appraiser
assignments, framework titles and deadlines. Criteria come from the framework import; scores only
through the workflow (services), never here."""

from typing import Any

from django.contrib import admin

from cchc.core.admin import AuditedModelAdmin
from cchc.scoring.models import AppraiserAssignment, BandConfig, Framework


@admin.register(BandConfig)
class BandConfigAdmin(AuditedModelAdmin):
    list_display = ["block", "good_min", "fair_min", "average_min", "late_rate_limit", "satisfaction_min"]
    list_filter = ["block__year"]
    autocomplete_fields = ["block"]

    def agency_of(self, obj: Any) -> Any:
        return obj.block.owner


@admin.register(AppraiserAssignment)
class AppraiserAssignmentAdmin(AuditedModelAdmin):
    list_display = ["appraiser", "framework", "agency", "criterion"]
    list_filter = ["framework__year"]
    raw_id_fields = ["agency", "criterion"]

    def agency_of(self, obj: Any) -> Any:
        return obj.agency or obj.framework.block.owner


@admin.register(Framework)
class FrameworkAdmin(AuditedModelAdmin):
    list_display = ["name", "block", "year", "max_points", "submission_deadline"]
    list_filter = ["year"]
    fields = ["name", "submission_deadline"]

    def has_add_permission(self, request: Any) -> bool:
        return False  # a framework is imported or copied (it needs its criteria)

    def agency_of(self, obj: Any) -> Any:
        return obj.block.owner
