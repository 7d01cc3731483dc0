from django.urls import path

from cchc.accounts.roles import Role
from cchc.core.scope import require_role
from cchc.reports import completeness_views, views

READER_ROLES = (Role.COORDINATOR, Role.VIEWER, Role.INSPECTOR, Role.APPRAISER)

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("periods/new/", views.new_period, name="new_period"),
    path("periods/<int:pk>/", views.period_page, name="period"),
    path("periods/<int:pk>/report.docx", views.province_document, name="province_document"),
    path("periods/<int:pk>/<str:code>/", views.owed_report, name="owed"),
    path("r/<int:pk>/", views.report_page, name="report"),
    path("r/<int:pk>/save/", views.autosave, name="autosave"),
    path("r/<int:pk>/report.docx", views.report_document, name="document"),
    # Completeness and timeliness (cchc/reports/completeness.py)
    path("completeness/", require_role(*READER_ROLES)(completeness_views.completeness_page), name="completeness"),
    path(
        "completeness/agencies/",
        require_role(*READER_ROLES)(completeness_views.completeness_agencies),
        name="completeness_agencies",
    ),
    path("completeness/matrix/", require_role(*READER_ROLES)(completeness_views.matrix_page), name="matrix"),
]
