from django.urls import path

from cchc.accounts.roles import Role
from cchc.agencies import views
from cchc.core.scope import require_role

BLOCK_ROLES = (Role.COORDINATOR, Role.VIEWER, Role.APPRAISER, Role.INSPECTOR)

app_name = "agencies"
urlpatterns = [
    path("", views.AgencyListView.as_view(), name="list"),
    path("tree/", views.agency_tree, name="tree"),
    path("export/", views.agency_export, name="export"),
    path("blocks/", require_role(*BLOCK_ROLES)(views.BlockListView), name="blocks"),
    path("blocks/export/", require_role(*BLOCK_ROLES)(views.block_export), name="block_export"),
    path("blocks/import/", require_role(Role.COORDINATOR)(views.block_import), name="block_import"),
    path("blocks/<int:pk>/", require_role(*BLOCK_ROLES)(views.block_detail), name="block"),
    path("<str:code>/", views.agency_detail, name="detail"),
]
