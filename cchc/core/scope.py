"""Scope: what a user may see or change follows from their role grants, in one place.

Every page and API endpoint reads through ``ScopedQuerySet.restrict(user, action)`` (NetBox's
RestrictedQuerySet is the model). A model declares the path from itself to the agency it belongs
to (``scope_agency_field``) and which roles may take each action on it (``scope_roles``).

Scope fails closed: a function that reads agency data takes the reader (a user, or ``SYSTEM``) or a
queryset that went through ``restrict`` (``restricted()`` checks it), never an optional argument
that defaults to everything. Work no person asks for (a management command, the ranking) reads as
``SYSTEM``, and says so where it calls.
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


class SystemReader:
    """The reader of work no person asks for: ``cchc dossier_stats``, the ranking of a block, the
    benchmarks. It sees everything, like a system administrator, but is never a default: a caller
    passes ``SYSTEM`` where a page passes ``request.user``, so that reading everything is written
    down where it happens."""

    is_authenticated = True
    is_active = True
    is_superuser = True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemReader()


def agency_q(user: Any, roles: Iterable[str], prefix: str = "") -> Q | None:
    """A Q on Agency (reached through ``prefix``) matching the agencies ``user`` holds one of ``roles`` on.

    Returns None for "everything" (system administrator) and an empty-match Q for nothing.
    """
    if user is SYSTEM:
        return None
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
    if user is SYSTEM:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles = set(roles)
    return any(g.role in roles for g in _grants(user))


class ScopedQuerySet(models.QuerySet):
    """A queryset that can be narrowed to what a user may see (``view``) or change (``change``).

    A restricted queryset remembers it (``restricted_for``), through every filter, ``values()`` or
    ``none()`` taken from it, so that a function handed rows can check they went through ``restrict``.
    """

    restricted_for: tuple[Any, str] | None = None  # (reader, action) once restricted

    def restrict(self, user: Any, action: str = VIEW) -> Self:
        model = self.model
        roles = getattr(model, "scope_roles", {}).get(action, ALL_ROLES if action == VIEW else frozenset())
        prefix = getattr(model, "scope_agency_field", "")
        condition = agency_q(user, roles, prefix)
        if condition is None:
            narrowed = self.all()
        elif prefix and "__" in prefix:
            narrowed = self.filter(condition).distinct()  # a row reached through several grants appears once
        else:
            narrowed = self.filter(condition)
        narrowed.restricted_for = (user, action)
        return narrowed

    def _clone(self) -> Self:
        clone = super()._clone()  # type: ignore[misc]
        clone.restricted_for = self.restricted_for
        return clone


def restricted(rows: Any) -> Any:
    """``rows`` if they went through ``restrict`` (a reader's scope, or ``SYSTEM``'s); else TypeError.

    For the functions that are handed rows instead of a reader: a queryset straight from
    ``objects.all()`` or ``filter()`` would read every agency's."""
    if getattr(rows, "restricted_for", None) is None:
        raise TypeError(f"{rows.model.__name__} rows must be read through restrict(user) (or restrict(SYSTEM))")
    return rows


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
