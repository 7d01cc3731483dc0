from django.urls import path

from cchc.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("periods/new/", views.new_period, name="new_period"),
    path("periods/<int:pk>/", views.period_page, name="period"),
    path("r/<int:pk>/", views.report_page, name="report"),
    path("r/<int:pk>/save/", views.autosave, name="autosave"),
]
