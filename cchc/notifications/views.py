"""A person's notifications: the list (newest first) and marking them read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from cchc.notifications import services
from cchc.notifications.models import Notification


class NotificationListView(ListView):
    template_name = "notifications/list.html"
    paginate_by = 25
    context_object_name = "notifications"

    def get_queryset(self) -> Any:
        mine = services.for_user(self.request.user)
        return mine.filter(read_at__isnull=True) if self.request.GET.get("unread") == "1" else mine

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["unread_only"] = self.request.GET.get("unread") == "1"
        context["querystring"] = "unread=1" if context["unread_only"] else ""
        return context


@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification read and follow its link (``id``), or all of them (no ``id``)."""
    raw = request.POST.get("id", "")
    if not raw.isdigit():
        services.mark_read(request.user)
        return redirect("notifications:list")
    services.mark_read(request.user, [int(raw)])
    notification = services.for_user(request.user).filter(pk=int(raw)).first()
    return redirect(_target(request, notification))


def _target(request: HttpRequest, notification: Notification | None) -> str:
    link = notification.link if notification else ""
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return link
    return "notifications:list"
