from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from cchc.accounts.roles import Role


class User(AbstractUser):
    """A person with an account. What they may see follows from their grants, never from defaults."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    # Empty until the user picks one: the interface then speaks the site's language (Vietnamese).
    language = models.CharField(_("interface language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_system_admin(self) -> bool:
        """Quản trị hệ thống: sees and configures everything."""
        return self.is_active and self.is_superuser


class RoleGrant(models.Model):
    """A role granted to a user on an agency, optionally with all its descendants."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="grants", verbose_name=_("agency")
    )
    include_descendants = models.BooleanField(_("including subordinate agencies"), default=False)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "agency"], name="unique_grant_per_agency"),
        ]

    def __str__(self) -> str:
        scope = _(" and subordinates") if self.include_descendants else ""
        return f"{self.get_role_display()} — {self.agency}{scope}"
