"""The Content Security Policy, with the two places that need a different one; and 503s while
the database is unavailable."""

import logging

from csp.middleware import CSPMiddleware, PolicyParts
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)
API_PREFIX = "/api/"

# Fact-card embeds (the web branch's /embed/ views) are meant to be framed by partner sites.
EMBED_PREFIX = "/embed/"
ADMIN_PREFIX = "/admin/"
CSP_REPORTS = "/csp-report/"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy from ``CONTENT_SECURITY_POLICY`` and:

    - ``/embed/``: any site may frame the page (``frame-ancestors *``);
    - ``/admin/``: inline ``style`` attributes, which Django's admin templates and widgets use.
      Scripts stay ``'self'`` only there too.
    """

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if "Content-Security-Policy" in response:  # where "report-to csp" sends reports
            response["Reporting-Endpoints"] = f'csp="{request.build_absolute_uri(CSP_REPORTS)}"'
        return response

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        path = request.path_info
        if path.startswith(EMBED_PREFIX):
            parts.replace = {**(parts.replace or {}), "frame-ancestors": ["*"]}
        elif path.startswith(ADMIN_PREFIX):
            parts.update = {**(parts.update or {}), "style-src": ["'unsafe-inline'"]}
        return parts


class DatabaseUnavailableMiddleware:
    """While the database is unreachable (a restart, a failover), answer 503 with Retry-After
    rather than a 500: readers see a calm page, partners a JSON error they can retry, and an
    editor's save is plainly not done. Cached pages are still served: they need no database."""

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning(
            "Database unavailable for %s: %s", request.path, exception.__class__.__name__
        )
        if request.path_info.startswith(API_PREFIX):
            response = JsonResponse(
                {
                    "detail": "The service is briefly unavailable; please retry shortly.",
                    "code": "unavailable",
                },
                status=503,
            )
        else:
            # No request context: context processors could need the database too.
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response


class AdminNullCharactersMiddleware:
    """An admin address whose query string holds a NUL character is answered 400: the admin
    passes list filters (``?status__exact=``) to the database as they come, and PostgreSQL
    refuses NUL in text (a 500). Only addresses: forms check their own fields, keeping what was
    typed. Public pages and the API validate their parameters themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if ("%00" in query or "\x00" in query) and request.path_info.startswith(ADMIN_PREFIX):
            return HttpResponse(
                "This address holds a null character, which no list or search takes. Go back "
                "and try again without it.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
