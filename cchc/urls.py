from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from cchc import api_urls

urlpatterns = [
    path("", include("cchc.core.urls")),
    path("accounts/", include("cchc.accounts.urls")),
    path("agencies/", include("cchc.agencies.urls")),
    path("dossiers/", include("cchc.dossiers.urls")),
    path("scoring/", include("cchc.scoring.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("api/", include((api_urls.urlpatterns, "api"))),  # type: ignore[arg-type]
    path("admin/", admin.site.urls),
]
