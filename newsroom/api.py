"""The partner API's project-wide pieces: how the schema describes partner keys, and JSON
errors everywhere under /api/. The base classes resources are built on are in ``core/api.py``;
keys and throttling in ``api_auth.py``; the router in ``api_urls.py``."""

from django.http import JsonResponse
from django.views import defaults
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from .api_auth import KEY_HEADER, PartnerKeyAuthentication

# --- Partner keys (the classes themselves are in api_auth.py) -----------------------


class PartnerKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = PartnerKeyAuthentication
    name = "PartnerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": KEY_HEADER,
            "description": (
                "Your partner key, e.g. `X-Api-Key: AbCd1234.…`. "
                "`Authorization: Api-Key AbCd1234.…` works too."
            ),
        }


# --- JSON errors everywhere ----------------------------------------------------------------


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        errors = {
            name: [
                str(message) for message in (messages if isinstance(messages, list) else [messages])
            ]
            for name, messages in data.items()
        }
        detail = " ".join(
            f"Query parameter “{name}”: {' '.join(messages)}" for name, messages in errors.items()
        )
        response.data = {"detail": detail, "code": "invalid", "errors": errors}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        code = getattr(detail, "code", None) or "error"
        response.data = {"detail": str(detail), "code": str(code)}
    return response


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if is_api_request(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api_request(request):
        return JsonResponse(
            {"detail": "Something went wrong on our side.", "code": "server_error"}, status=500
        )
    return defaults.server_error(request)
