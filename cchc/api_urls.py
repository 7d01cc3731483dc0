"""The REST API under /api/: versioned routes, the OpenAPI schema and its browsable docs."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from cchc.accounts import api as accounts_api
from cchc.agencies import api as agencies_api
from cchc.dossiers import api as dossiers_api
from cchc.indices import api as indices_api
from cchc.inspections import api as inspections_api
from cchc.plans import api as plans_api
from cchc.reports import api as reports_api
from cchc.reports import completeness_api
from cchc.scoring import api as scoring_api
from cchc.surveys import api as surveys_api

router = DefaultRouter()
router.register("agencies", agencies_api.AgencyViewSet, basename="agency")
router.register("blocks", agencies_api.BlockViewSet, basename="block")
router.register("procedures", dossiers_api.ProcedureViewSet, basename="procedure")
router.register("dossiers", dossiers_api.DossierViewSet, basename="dossier")
router.register("assessments", scoring_api.AssessmentViewSet, basename="assessment")
router.register("scores", scoring_api.ScoreViewSet, basename="score")
router.register("plans", plans_api.PlanViewSet, basename="plan")
router.register("tasks", plans_api.TaskViewSet, basename="task")
router.register("task-updates", plans_api.TaskUpdateViewSet, basename="task-update")
router.register("inspection-plans", inspections_api.InspectionPlanViewSet, basename="inspection-plan")
router.register("inspections", inspections_api.InspectionViewSet, basename="inspection")
router.register("findings", inspections_api.FindingViewSet, basename="finding")
router.register("conclusions", inspections_api.ConclusionViewSet, basename="conclusion")
router.register("reporting-periods", reports_api.PeriodViewSet, basename="reporting-period")
router.register("reports", reports_api.ReportViewSet, basename="report")
router.register("provincial-indices", indices_api.ProvincialIndexViewSet, basename="provincial-index")
router.register("questionnaires", surveys_api.QuestionnaireViewSet, basename="questionnaire")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/scoring/actions/", scoring_api.WorkflowActionView.as_view(), name="scoring-action"),
    path("v1/reporting/actions/", reports_api.ReportActionView.as_view(), name="report-action"),
    path("v1/auth/token/", accounts_api.TokenView.as_view(), name="token"),
    path("v1/me/", accounts_api.me, name="me"),
    path("v1/dossier-stats/", dossiers_api.DossierStatsView.as_view(), name="dossier-stats"),
    path("v1/task-stats/", plans_api.TaskStatsView.as_view(), name="task-stats"),
    path("v1/inspection-stats/", inspections_api.InspectionStatsView.as_view(), name="inspection-stats"),
    path("v1/inspection-actions/", inspections_api.InspectionActionView.as_view(), name="inspection-action"),
    path("v1/directive-tasks/", inspections_api.DirectiveTasksView.as_view(), name="directive-tasks"),
    path("v1/survey-stats/", surveys_api.SurveyStatsView.as_view(), name="survey-stats"),
    path("v1/reporting/completeness/", completeness_api.CompletenessView.as_view(), name="report-completeness"),
    # drf-spectacular serves to anyone by default; like every other route, these need an account.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
]
