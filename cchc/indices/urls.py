from django.urls import path

from cchc.indices import views

app_name = "indices"
urlpatterns = [
    path("", views.IndexListView.as_view(), name="index"),
    path("export/", views.export, name="export"),
    path("import/", views.import_view, name="import"),
    path("save/", views.save_view, name="save"),
]
