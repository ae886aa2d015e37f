"""A URLconf whose views fail, to see what the 500 and 503 pages show."""

from django.db import OperationalError
from django.urls import include, path

SECRET_IN_ERROR = "db-password-hunter2-in-a-traceback"


def failing(request):
    raise RuntimeError(SECRET_IN_ERROR)


def database_down(request):
    raise OperationalError(f"connection to server failed: {SECRET_IN_ERROR}")


urlpatterns = [
    path("boom/", failing),
    path("db-down/", database_down),
    path("api/v1/db-down/", database_down),
    path("", include("newsroom.urls")),
]
handler404 = "newsroom.api.not_found"
handler500 = "newsroom.api.server_error"
