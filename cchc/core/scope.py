"""Scope: what a user may see or change follows from their role grants, in one place.

Every page and API endpoint reads through ``ScopedQuerySet.restrict(user, action)`` (NetBox's
RestrictedQuerySet is the model). A model declares the path from itself to the agency it belongs
to (``scope_agency_field``) and which roles may take each action on it (``scope_roles``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models import Q

from cchc.accounts.roles import ALL_ROLES

if TYPE_CHECKING:
    from cchc.accounts.models import User

VIEW = "view"
CHANGE = "change"


def agency_q(user: Any, roles: Iterable[str], prefix: str = "") -> Q | None:
    """A Q on Agency (reached through ``prefix``) matching the agencies ``user`` holds one of ``roles`` on.

    Returns None for "everything" (system administrator) and an empty-match Q for nothing.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    roles = set(roles)
    lookup = f"{prefix}__" if prefix else ""
    condition = Q(pk__in=[])
    for grant in _grants(user):
        if grant.role not in roles:
            continue
        if grant.include_descendants:
            condition |= Q(**{f"{lookup}path__startswith": grant.agency.path})
        else:
            condition |= Q(**{f"{lookup}pk": grant.agency_id})
    return condition


def _grants(user: User) -> list[Any]:
    """The user's grants with their agencies, read once per user object (i.e. once per request)."""
    cached = getattr(user, "_scope_grants", None)
    if cached is None:
        cached = list(user.grants.select_related("agency"))
        user._scope_grants = cached  # type: ignore[attr-defined]
    return cached


def has_role(user: Any, roles: Iterable[str]) -> bool:
    """Whether the user holds any of ``roles`` anywhere (or is a system administrator)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles = set(roles)
    return any(g.role in roles for g in _grants(user))


class ScopedQuerySet(models.QuerySet):
    """A queryset that can be narrowed to what a user may see (``view``) or change (``change``)."""

    def restrict(self, user: Any, action: str = VIEW) -> Self:
        model = self.model
        roles = getattr(model, "scope_roles", {}).get(action, ALL_ROLES if action == VIEW else frozenset())
        prefix = getattr(model, "scope_agency_field", "")
        condition = agency_q(user, roles, prefix)
        if condition is None:
            return self
        # A row reached through several grants must appear once.
        return self.filter(condition).distinct() if prefix and "__" in prefix else self.filter(condition)


def require_role(*roles: str) -> Any:
    """View decorator: 403 unless the user holds one of ``roles`` somewhere (or is an administrator)."""
    from functools import wraps

    from django.core.exceptions import PermissionDenied

    def decorator(view: Any) -> Any:
        if isinstance(view, type):
            view = view.as_view()  # type: ignore[attr-defined]

        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
