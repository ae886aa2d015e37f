from django.urls import path

from . import views

app_name = "explainers"
urlpatterns = [
    path("explainers/<slug:slug>/", views.explainer_detail, name="detail"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("preview/<int:pk>/", views.preview, name="preview"),
    path("preview/shared/<str:token>/", views.shared_preview, name="shared_preview"),
]
