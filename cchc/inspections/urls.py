from django.urls import path

from cchc.inspections import views

app_name = "inspections"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.inspection_page, name="inspection"),
    path("findings/<int:pk>/", views.finding_page, name="finding"),
    path("evidence/", views.evidence_file, name="evidence"),
    path("conclusions/", views.conclusion_list, name="conclusions"),
    path("conclusions/<int:pk>/", views.conclusion_page, name="conclusion"),
]
