"""The navigation every page shows: what exists now, and the capabilities to come."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cchc.accounts.roles import Role
from cchc.core.scope import has_role

INSPECTION_READERS = {Role.FOCAL, Role.HEAD, Role.COORDINATOR, Role.INSPECTOR, Role.VIEWER}

# (label, url name or None for a capability still to come, roles that see it or None for all)
NAVIGATION: list[tuple[Any, str | None, frozenset[str] | None]] = [
    (_("Overview"), "core:home", None),
    (_("Agencies"), "agencies:list", None),
    (_("Agency tree"), "agencies:tree", None),
    (
        _("Blocks"),
        "agencies:blocks",
        frozenset({Role.COORDINATOR, Role.VIEWER, Role.APPRAISER, Role.INSPECTOR}),
    ),
    (_("Plans and tasks"), "plans:list", None),
    (_("My tasks"), "plans:my_tasks", frozenset({Role.FOCAL, Role.HEAD, Role.COORDINATOR})),
    (_("Dossier statistics"), "dossiers:index", None),
    (_("Periodic reports"), "reports:index", None),
    (
        _("Report completeness"),
        "reports:completeness",
        frozenset({Role.COORDINATOR, Role.VIEWER, Role.APPRAISER, Role.INSPECTOR}),
    ),
    (_("PAR index and ranking"), "scoring:index", None),
    (_("Provincial indices"), "indices:index", None),
    (_("Satisfaction surveys"), "surveys:index", None),
    (_("Inspections"), "inspections:index", frozenset(INSPECTION_READERS)),
    (_("Conclusion notices"), "inspections:conclusions", None),
    (_("Audit trail"), "core:audit", frozenset({Role.COORDINATOR})),
    (_("Document templates"), "documents:templates", frozenset({Role.COORDINATOR})),
    (_("API"), "api:docs", None),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = []
    for label, url_name, roles in NAVIGATION:
        if roles is not None and not has_role(user, roles):
            continue
        url = reverse(url_name) if url_name else None
        items.append({"label": label, "url": url, "active": bool(url) and request.path == url})
    return {"navigation": items}
