"""The unread count every page's header shows."""

from typing import Any

from django.http import HttpRequest

from cchc.notifications.services import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
