"""Where browsers send Content Security Policy violations (``report-uri`` and ``report-to``).

Anyone can post here, so it takes little and trusts nothing: at most ``MAX_BYTES`` a report,
``NEWSROOM_CSP_REPORTS_PER_MINUTE`` a minute from one address (counted in the shared cache), and
only the fields we show, cut to length. The same violation again only counts up (``CspReport.fingerprint``).
Administrators read them in the admin.
"""

import hashlib
import json
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import CspReport

MAX_BYTES = 16 * 1024
TYPES = {"application/csp-report", "application/reports+json", "application/json"}


def _client(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _limited(request) -> bool:
    key = f"csp-report:{_client(request)}"
    cache.add(key, 0, timeout=60)
    try:
        return cache.incr(key) > settings.NEWSROOM_CSP_REPORTS_PER_MINUTE
    except ValueError:  # evicted in between
        cache.set(key, 1, timeout=60)
        return False


def _without_query(uri: str) -> str:
    """Reports may carry tokens in query strings (a shared preview's, say): keep the page."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return uri[:200]
    return parts._replace(query="", fragment="").geturl()


def _reports(data) -> list[dict]:
    """The violations in a legacy ``{"csp-report": {...}}`` or a Reporting API list."""
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        report = data["csp-report"]
        return [
            {
                "directive": report.get("effective-directive") or report.get("violated-directive"),
                "blocked": report.get("blocked-uri"),
                "document": report.get("document-uri"),
                "source": report.get("source-file"),
                "line": report.get("line-number"),
                "sample": report.get("script-sample"),
                "disposition": report.get("disposition"),
            }
        ]
    if isinstance(data, list):
        found = []
        for item in data[:20]:
            body = item.get("body") if isinstance(item, dict) else None
            if (
                isinstance(item, dict)
                and item.get("type") == "csp-violation"
                and isinstance(body, dict)
            ):
                found.append(
                    {
                        "directive": body.get("effectiveDirective"),
                        "blocked": body.get("blockedURL"),
                        "document": body.get("documentURL"),
                        "source": body.get("sourceFile"),
                        "line": body.get("lineNumber"),
                        "sample": body.get("sample"),
                        "disposition": body.get("disposition"),
                    }
                )
        return found
    return []


def _text(value, limit: int) -> str:
    return value.replace("\x00", "")[:limit] if isinstance(value, str) else ""


def _store(report: dict) -> None:
    fields = {
        "directive": _text(report["directive"], 100) or "unknown",
        "blocked_uri": _without_query(_text(report["blocked"], 500))[:500],
        "document_uri": _without_query(_text(report["document"], 500))[:500],
        "source_file": _without_query(_text(report["source"], 500))[:500],
        "line": report["line"]
        if isinstance(report["line"], int) and 0 <= report["line"] < 2**31
        else None,
        "sample": _text(report["sample"], 300),
        "disposition": _text(report["disposition"], 20),
    }
    key = "\x1f".join(
        str(fields[name])
        for name in ("directive", "blocked_uri", "document_uri", "source_file", "line")
    )
    fingerprint = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    updated = CspReport.objects.filter(fingerprint=fingerprint).update(count=F("count") + 1)
    if not updated:
        CspReport.objects.get_or_create(fingerprint=fingerprint, defaults=fields)


@csrf_exempt
@require_POST
def receive(request):
    if request.content_type not in TYPES:
        return JsonResponse({"detail": "Send a CSP report as JSON."}, status=415)
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BYTES:
        return JsonResponse({"detail": f"A report is at most {MAX_BYTES} bytes."}, status=413)
    if _limited(request):
        return JsonResponse({"detail": "Too many reports; try again in a minute."}, status=429)
    try:
        data = json.loads(request.read(MAX_BYTES + 1)[:MAX_BYTES])
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"detail": "This is not a CSP report in JSON."}, status=400)
    reports = _reports(data)
    if not reports:
        return JsonResponse({"detail": "This is not a CSP report in JSON."}, status=400)
    for report in reports:
        _store(report)
    return HttpResponse(status=204)
