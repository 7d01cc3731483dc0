from django.urls import path

from cchc.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.PlanListView.as_view(), name="list"),
    path("appendix1/", views.appendix1, name="appendix1"),
    path("<int:pk>/", views.PlanDetailView.as_view(), name="detail"),
    path("<int:pk>/export/", views.plan_export, name="export"),
]
