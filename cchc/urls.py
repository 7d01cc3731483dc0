from django.contrib import admin
from django.urls import include, path

from cchc import api_urls
from cchc.accounts.views import set_language

urlpatterns = [
    path("", include("cchc.core.urls")),
    path("accounts/", include("cchc.accounts.urls")),
    path("agencies/", include("cchc.agencies.urls")),
    path("dossiers/", include("cchc.dossiers.urls")),
    path("scoring/", include("cchc.scoring.urls")),
    path("plans/", include("cchc.plans.urls")),
    path("reports/", include("cchc.reports.urls")),
    path("inspections/", include("cchc.inspections.urls")),
    path("surveys/", include("cchc.surveys.urls")),
    path("documents/", include("cchc.documents.urls")),
    path("notifications/", include("cchc.notifications.urls")),
    path("indices/", include("cchc.indices.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include((api_urls.urlpatterns, "api"))),  # type: ignore[arg-type]
    path("admin/", admin.site.urls),
]

# Error pages in the site's layout and in Vietnamese; JSON under /api/ (cchc/core/errors.py).
handler400 = "cchc.core.errors.bad_request"
handler403 = "cchc.core.errors.permission_denied"
handler404 = "cchc.core.errors.page_not_found"
handler500 = "cchc.core.errors.server_error"
