from django.urls import path

from cchc.accounts.roles import Role
from cchc.core.scope import require_role
from cchc.reports import completeness_views as views

READER_ROLES = (Role.COORDINATOR, Role.VIEWER, Role.INSPECTOR, Role.APPRAISER)

app_name = "reports"
urlpatterns = [
    # --- Completeness and timeliness (cchc/reports/completeness.py) ---------------------------------
    path("completeness/", require_role(*READER_ROLES)(views.completeness_page), name="completeness"),
    path(
        "completeness/agencies/", require_role(*READER_ROLES)(views.completeness_agencies), name="completeness_agencies"
    ),
    path("completeness/matrix/", require_role(*READER_ROLES)(views.matrix_page), name="matrix"),
    # --- end of completeness ------------------------------------------------------------------------
]
