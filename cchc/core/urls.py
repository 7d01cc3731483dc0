from django.urls import path

from cchc.accounts.roles import Role
from cchc.core import views
from cchc.core.scope import require_role

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/<uuid:pk>/", views.task_detail, name="task"),
    path("tasks/<uuid:pk>/progress/", views.task_progress, name="task_progress"),
    path("tasks/<uuid:pk>/restart/", views.task_restart, name="task_restart"),
    path("audit/", require_role(Role.COORDINATOR)(views.AuditListView), name="audit"),
    path("audit/export/", require_role(Role.COORDINATOR)(views.audit_export), name="audit_export"),
]
