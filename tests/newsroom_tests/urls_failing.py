"""A URLconf whose only view fails, to see what the 500 page shows."""

from django.urls import include, path

SECRET_IN_ERROR = "db-password-hunter2-in-a-traceback"


def failing(request):
    raise RuntimeError(SECRET_IN_ERROR)


urlpatterns = [path("boom/", failing), path("", include("newsroom.urls"))]
handler404 = "newsroom.api.not_found"
handler500 = "newsroom.api.server_error"
