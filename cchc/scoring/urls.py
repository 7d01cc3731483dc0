from django.urls import path

from cchc.accounts.roles import Role
from cchc.core.scope import require_role
from cchc.scoring import views

BLOCK_ROLES = (Role.COORDINATOR, Role.VIEWER, Role.APPRAISER, Role.INSPECTOR)

app_name = "scoring"
urlpatterns = [
    path("", views.index, name="index"),
    path("public/", views.public, name="public"),
    path("blocks/<int:pk>/", require_role(*BLOCK_ROLES)(views.block_ranking), name="block"),
    path("blocks/<int:pk>/framework/", require_role(*BLOCK_ROLES)(views.framework_detail), name="framework"),
    path("blocks/<int:pk>/report.docx", require_role(Role.COORDINATOR, Role.VIEWER)(views.report), name="report"),
    path("agencies/<str:code>/", views.scorecard, name="agency"),
    path("agencies/<str:code>/assessment/", views.assessment_page, name="assessment"),
    path("evidence/", views.evidence_file, name="evidence"),
]
