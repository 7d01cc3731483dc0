from django.urls import path

from cchc.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.PlanListView.as_view(), name="list"),
    path("appendix1/", views.appendix1, name="appendix1"),
    path("<int:pk>/", views.PlanDetailView.as_view(), name="detail"),
    path("<int:pk>/export/", views.plan_export, name="export"),
    path("my-tasks/", views.MyTasksView.as_view(), name="my_tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("files/<int:pk>/", views.task_file, name="file"),
]
