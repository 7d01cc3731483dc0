from django.urls import path

from cchc.accounts.roles import Role
from cchc.core import views
from cchc.core.scope import require_role

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", require_role(Role.COORDINATOR)(views.AuditListView), name="audit"),
]
