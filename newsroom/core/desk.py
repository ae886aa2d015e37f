"""The editor's desk in the admin: nothing typed is lost, and nobody edits unawares.

- **Autosave**: while someone types in an admin add or change form, the page sends the form's
  fields here at most every 20 seconds, and once more when the tab is closed. The copy is
  private to that person, never a revision; reopening the form offers "Restore your unsaved
  text from 11:42?". A save of the form made after the autosave makes it stale (the audit
  trail says so), and it is not offered again.
- **Presence**: an open change form reports every 15 seconds; others with the same form open
  are named at the top of the page ("Edna Editor is also editing this, since 11:40"). No lock:
  the version check (``core.versioning``) refuses a stale save and keeps its text.

Both work for any admin form (``static/newsroom/admin/desk.js``), found from the page's path.
A model whose edits are stored elsewhere (a story's working copy) names where with
``autosave_target``.
"""

import datetime
import json
import re

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone

from .models import AuditEntry, Autosave, Presence, display_name

PRESENT_FOR = datetime.timedelta(seconds=45)  # three missed reports and you are gone
AUTOSAVE_MAX_BYTES = 1_000_000
AUTOSAVE_MAX_FIELDS = 5_000


def _target(request, path: str) -> tuple[ContentType, str]:
    """The content type and id an admin form at ``path`` edits ("" for an add form), if the
    user may edit it there; else 404 or 403."""
    try:
        match = resolve(path)
    except Resolver404:
        raise Http404("Not an admin form.") from None
    model_admin = getattr(match.func, "model_admin", None)
    name = match.url_name or ""
    if not isinstance(model_admin, admin.ModelAdmin) or not name.endswith(("_change", "_add")):
        raise Http404("Not an admin form.")
    if name.endswith("_add"):
        if not model_admin.has_add_permission(request):
            raise PermissionDenied
        return ContentType.objects.get_for_model(model_admin.model), ""
    obj = model_admin.get_object(request, unquote(match.kwargs.get("object_id", "")))
    if obj is None:
        raise Http404("No such object.")
    if not model_admin.has_change_permission(request, obj):
        raise PermissionDenied
    target = getattr(obj, "autosave_target", obj)
    return ContentType.objects.get_for_model(target), str(target.pk)


def _saved_since(user, content_type, object_id: str, when) -> bool:
    """Has ``user`` saved this form since ``when``? Then an autosave from then is stale."""
    entries = AuditEntry.objects.filter(actor=user, content_type=content_type, created_at__gte=when)
    if object_id:
        return entries.filter(object_id=object_id).exists()
    return entries.filter(action=AuditEntry.Action.CREATED).exists()


def autosave(request):
    """GET ``?path=``: the user's autosave for that form, if still worth offering. POST
    ``path`` and ``data`` (a JSON object of field name to list of values): keep it. POST
    ``path`` and ``discard=1``: forget it."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    params = request.GET if request.method == "GET" else request.POST
    content_type, object_id = _target(request, params.get("path", ""))
    key = {"user": request.user, "content_type": content_type, "object_id": object_id}
    if request.method == "GET":
        saved = Autosave.objects.filter(**key).first()
        if saved is None or _saved_since(request.user, content_type, object_id, saved.saved_at):
            return JsonResponse({"autosave": None})
        return JsonResponse(
            {"autosave": {"saved_at": saved.saved_at.isoformat(), "data": saved.data}}
        )
    if params.get("discard"):
        Autosave.objects.filter(**key).delete()
        return JsonResponse({"autosave": None})
    raw = params.get("data", "")
    if len(raw.encode()) > AUTOSAVE_MAX_BYTES:
        return JsonResponse({"error": "The form is too large to keep a copy of."}, status=413)
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not _is_form_data(data):
        return JsonResponse({"error": "Send the form's fields as a JSON object."}, status=400)
    # Passwords and secrets are never kept, whatever the browser sent.
    data = {name: values for name, values in data.items() if not SECRET_FIELD.search(name)}
    now = timezone.now()
    Autosave.objects.update_or_create(**key, defaults={"data": data, "saved_at": now})
    return JsonResponse({"saved_at": now.isoformat()})


SECRET_FIELD = re.compile(r"password|secret|token|api_?key", re.IGNORECASE)


def _is_form_data(data) -> bool:
    return (
        isinstance(data, dict)
        and len(data) <= AUTOSAVE_MAX_FIELDS
        and all(
            isinstance(name, str)
            and isinstance(values, list)
            and all(isinstance(value, str) and "\x00" not in value for value in values)
            for name, values in data.items()
        )
    )


def presence(request):
    """POST ``path``: I have this form open (``leave=1``: no longer). Answers who else has it
    open, and since when."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    content_type, object_id = _target(request, request.POST.get("path", ""))
    if not object_id:
        return JsonResponse({"others": []})  # an add form: nobody else can be on it
    key = {"user": request.user, "content_type": content_type, "object_id": object_id}
    now = timezone.now()
    if request.POST.get("leave"):
        Presence.objects.filter(**key).delete()
        return JsonResponse({"others": []})
    mine = Presence.objects.filter(**key).first()
    if mine is None or mine.seen_at < now - PRESENT_FOR:  # a new visit
        Presence.objects.update_or_create(**key, defaults={"since": now, "seen_at": now})
    else:
        Presence.objects.filter(pk=mine.pk).update(seen_at=now)
    others = (
        Presence.objects.filter(
            content_type=content_type, object_id=object_id, seen_at__gte=now - PRESENT_FOR
        )
        .exclude(user=request.user)
        .select_related("user")
        .order_by("since")
    )
    return JsonResponse(
        {
            "others": [
                {
                    "name": display_name(other.user),
                    "since": timezone.localtime(other.since).isoformat(),
                }
                for other in others
            ]
        }
    )
