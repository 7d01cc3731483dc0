"""Roles a user is granted on an agency (DESIGN §4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("PAR coordinator")
    FOCAL = "focal", _("Agency focal officer")
    HEAD = "head", _("Agency head")
    APPRAISER = "appraiser", _("Appraiser")
    INSPECTOR = "inspector", _("Inspector")
    VIEWER = "viewer", _("Leadership viewer")


ALL_ROLES: frozenset[str] = frozenset(Role.values)
