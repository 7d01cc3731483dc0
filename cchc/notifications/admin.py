from django.contrib import admin

from cchc.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "text", "read_at", "emailed_at"]
    list_filter = ["read_at"]
    search_fields = ["key", "text", "recipient__username"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["created_at", "emailed_at"]
