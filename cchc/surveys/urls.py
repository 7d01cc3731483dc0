from django.urls import path

from cchc.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("questionnaires/", views.questionnaire_list, name="questionnaires"),
    path("questionnaires/new/", views.questionnaire_create, name="questionnaire_create"),
    path("questionnaires/<int:year>/", views.questionnaire_detail, name="questionnaire"),
    path("questionnaires/<int:year>/export/", views.questionnaire_export, name="questionnaire_export"),
    path("questionnaires/<int:year>/edit/", views.questionnaire_action, name="questionnaire_action"),
    path("paper/", views.batch_list, name="batches"),
    path("paper/new/", views.batch_create, name="batch_create"),
    path("paper/<int:pk>/", views.batch_detail, name="batch"),
    path("paper/<int:pk>/entry/<int:entry>/", views.batch_entry, name="batch_entry"),
    path("paper/<int:pk>/action/", views.batch_action, name="batch_action"),
]
