from django.urls import path

from newsroom.core.pagecache import cache_public_page, lists_tags

from . import views
from .caching import story_page_tags

app_name = "explainers"
urlpatterns = [
    path(
        "explainers/<slug:slug>/",
        cache_public_page(story_page_tags)(views.explainer_detail),
        name="detail",
    ),
    path("topics/<slug:slug>/", cache_public_page(lists_tags)(views.topic_detail), name="topic"),
    path("preview/<int:pk>/", views.preview, name="preview"),
    path("preview/shared/<str:token>/", views.shared_preview, name="shared_preview"),
]
