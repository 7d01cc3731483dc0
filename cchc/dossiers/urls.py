from django.urls import path

from cchc.core.scope import require_role
from cchc.dossiers import views
from cchc.dossiers.models import IMPORT_ROLES

app_name = "dossiers"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("procedures/", views.ProcedureListView.as_view(), name="procedures"),
    path("upload/", require_role(*IMPORT_ROLES)(views.upload), name="upload"),
    path("upload/template/", require_role(*IMPORT_ROLES)(views.upload_template), name="upload_template"),
    path("targets/", views.targets, name="targets"),
    path("service-index/", views.service_index_page, name="service_index"),
    path("lookup/", views.lookup, name="lookup"),
    path("agency/<str:code>/", views.agency_detail, name="agency"),
    path("agency/<str:code>/dossiers/", views.dossier_export, name="agency_dossiers"),
    path("block/<int:pk>/", require_role(*views.BLOCK_ROLES)(views.block_detail), name="block"),
]
