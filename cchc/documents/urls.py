from django.urls import path

from cchc.accounts.roles import Role
from cchc.core.scope import require_role
from cchc.documents import views

app_name = "documents"
urlpatterns = [
    path("templates/", require_role(Role.COORDINATOR)(views.templates), name="templates"),
    path("templates/download/", require_role(Role.COORDINATOR)(views.template_download), name="template_download"),
]
