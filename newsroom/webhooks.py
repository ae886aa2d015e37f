"""Signed webhooks for partners (Standard Webhooks: ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature`` headers, signed with the ``standardwebhooks`` package).

How an event travels:

1. A workflow verb calls ``core.events.emit`` in its transaction. On commit, ``heard`` enqueues
   ``fan_out`` on the task queue (``django-tasks``, README "Background tasks"); the editor's
   request does not wait for any partner.
2. ``fan_out`` reads what is true then. It builds the payload from what the partner API shows
   (a story's stored API rendering, a fact's API serializer), only for what the API shows: a
   story or fact readers cannot see produces no event, and ``story.unpublished`` carries the
   story's slug and URL only. A fact's change is also a ``story.updated`` for each live story
   showing it. Each event is stored once, with the exact bytes sent, and a delivery is made for
   each active endpoint that asked for its type (one per endpoint and event, whatever repeats).
3. ``deliver`` claims the delivery (one worker wins), checks again that the event's subject is
   still public (else the delivery is *withdrawn*, never sent), signs and posts it through
   ``core.outbound`` (no private addresses, no redirects, a deadline and a size limit), and logs
   the attempt. A 2xx is delivered. Anything else is retried with exponential backoff and
   jitter until ``NEWSROOM_WEBHOOK_RETRY_HOURS`` (at least 24) after the first attempt. Every
   retry has the same ``webhook-id``, so a partner ignores one it has already handled.
4. An endpoint whose attempts failed ``NEWSROOM_WEBHOOK_DISABLE_AFTER_FAILURES`` times in a row
   over at least ``NEWSROOM_WEBHOOK_DISABLE_AFTER_HOURS`` is disabled; its waiting deliveries
   are held, the audit trail and the admin say so, and the editors who manage webhooks (and the
   partner's contact) are emailed. Enabling it again sends what was held.
"""

import base64
import datetime
import json
import logging
import random
import secrets
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.test import RequestFactory
from django.utils import timezone
from django_tasks import task
from rest_framework.renderers import JSONRenderer
from standardwebhooks import Webhook

from claims import serializers as fact_serializers
from claims.models import Claim, Quote, Statistic, StatisticValue
from explainers import renderings
from explainers.models import Explainer

from .core import audit, events, outbound
from .core.models import AuditEntry
from .models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

FACTS = {
    "claims.quote": (Quote, fact_serializers.QuoteWithUsesSerializer),
    "claims.statistic": (Statistic, fact_serializers.StatisticWithUsesSerializer),
    "claims.claim": (Claim, fact_serializers.ClaimWithUsesSerializer),
}
STORY = "explainers.explainer"
Status = WebhookDelivery.Status


# --- Secrets -------------------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def secrets_signing(endpoint: WebhookEndpoint, now=None) -> list[str]:
    """The secrets a delivery is signed with: the current one, and the previous one during the
    rotation's overlap (the partner may still verify with it)."""
    now = now or timezone.now()
    signing = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and now < (endpoint.previous_secret_until)
    ):
        signing.append(endpoint.previous_secret)
    return signing


@transaction.atomic
def add_endpoint(endpoint: WebhookEndpoint, *, by) -> str:
    """Save a new endpoint with a new secret; the secret, to be shown once."""
    from .core.workflow import require, save

    require(by, "newsroom.add_webhookendpoint", "You cannot add webhook endpoints.")
    endpoint.secret = new_secret()
    save(endpoint, by=by, created=True, message=f"Webhook endpoint {endpoint.url}")
    return endpoint.secret


@transaction.atomic
def rotate_secret(endpoint: WebhookEndpoint, *, by, overlap_hours: float | None = None) -> str:
    """A new secret, shown once; the old one still signs for ``overlap_hours``."""
    from .core.workflow import require

    require(by, "newsroom.change_webhookendpoint", "You cannot change webhook endpoints.")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    hours = (
        settings.NEWSROOM_WEBHOOK_SECRET_OVERLAP_HOURS if overlap_hours is None else overlap_hours
    )
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + datetime.timedelta(hours=hours)
    endpoint.secret = new_secret()
    endpoint.version = F("version") + 1
    endpoint.save()
    audit.record(
        actor=by,
        action=AuditEntry.Action.EDITED,
        obj=endpoint,
        message=f"Secret rotated; the previous one signs too for {hours:g} hours",
    )
    return endpoint.secret


def headers_for(endpoint: WebhookEndpoint, event: WebhookEvent, now=None) -> dict[str, str]:
    now = now or timezone.now()
    signatures = [
        Webhook(secret).sign(event.id, now, event.payload)
        for secret in secrets_signing(endpoint, now)
    ]
    return {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.NEWSROOM_SITE_NAME} webhooks",
        "webhook-id": event.id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


# --- Events: what the partner API shows ----------------------------------------------------------


def _site_request():
    """A request on the public site's origin, for the absolute URLs the API gives."""
    origin = settings.NEWSROOM_SITE_URL.rstrip("/")
    scheme, _, host = origin.partition("://")
    return RequestFactory().get("/api/v1/", HTTP_HOST=host, secure=scheme == "https")


def _public_story(pk):
    return Explainer.objects.published().select_related("rendering").filter(pk=pk).first()


def _story_data(story: Explainer) -> dict:
    rendering = renderings.current(story)
    return json.loads(rendering.api_detail.replace(renderings.ORIGIN, _origin()))


def _origin() -> str:
    return settings.NEWSROOM_SITE_URL.rstrip("/")


def _fact_data(label: str, pk):
    model, serializer = FACTS[label]
    fact = model.objects.public().for_cards().with_public_stories().filter(pk=pk).first()
    if fact is None:
        return None, None
    data = serializer(fact, context={"request": _site_request()}).data
    return fact, json.loads(JSONRenderer().render(data))


def _stories_showing(fact) -> list[Explainer]:
    """The live stories showing ``fact``, with their renderings: one query, however many."""
    shown = renderings.stories_showing(fact)
    if shown is None:
        return []
    return list(
        Explainer.objects.published()
        .select_related("rendering")
        .filter(pk__in=shown)
        .order_by("pk")
    )


def events_for(kind: str, label: str, pk, extra: dict) -> list[tuple[str, str, dict]]:
    """The events (type, subject, data) that a committed change makes, from what is public."""
    subject = f"{label}:{pk}"
    if label == STORY:
        if kind == events.STORY_UNPUBLISHED:
            return [(kind, subject, {"slug": extra["slug"], "site_url": _origin() + extra["path"]})]
        story = _public_story(pk)
        return [] if story is None else [(kind, subject, _story_data(story))]
    if label in FACTS:
        fact, data = _fact_data(label, pk)
        if fact is None:  # not public: partners never hear of it
            return []
        if kind == events.VALUE_ADDED:
            value = StatisticValue.objects.filter(pk=extra.get("value"), statistic=fact).first()
            shown = next(
                (v for v in data.get("history", []) if value and v["id"] == value.pk), None
            )
            data = {"statistic": data, "value": shown}
        found = [(kind, subject, data)]
        for story in _stories_showing(fact):
            found.append((events.STORY_UPDATED, f"{STORY}:{story.pk}", _story_data(story)))
        return found
    return []


def still_public(event: WebhookEvent) -> bool:
    """Whether what the event shows is still public (checked again before every attempt)."""
    label, _, pk = event.subject.rpartition(":")
    if event.type == events.STORY_UNPUBLISHED:
        return True  # carries no content
    if label == STORY:
        return Explainer.objects.published().filter(pk=pk).exists()
    if label in FACTS:
        return FACTS[label][0].objects.public().filter(pk=pk).exists()
    return False


def heard(kind: str, label: str, pk, extra: dict) -> None:
    """Registered with ``core.events``: on commit, the fan-out goes on the task queue."""
    if WebhookEndpoint.objects.filter(is_active=True).exists():
        fan_out.enqueue(kind, label, str(pk), extra)


@task(queue_name="webhooks")
def fan_out(kind: str, label: str, pk: str, extra: dict) -> int:
    """Store the change's events and a delivery to each endpoint that wants it; how many."""
    made = 0
    for event_type, subject, data in events_for(kind, label, pk, extra):
        made += len(record_event(event_type, subject, data))
    return made


def record_event(event_type: str, subject: str, data: dict) -> list[int]:
    """Store one event and its deliveries, and enqueue them on commit; the deliveries' ids."""
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True, key__revoked=False)
        .select_related("key")
        .order_by("pk")
        if event_type in endpoint.events and endpoint.key.is_usable
    ]
    if not endpoints:
        return []
    now = timezone.now()
    event_id = "msg_" + uuid.uuid4().hex
    payload = json.dumps(
        {"type": event_type, "timestamp": now.isoformat().replace("+00:00", "Z"), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            id=event_id, type=event_type, subject=subject, payload=payload, created_at=now
        )
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(endpoint=e, event=event, next_attempt_at=now) for e in endpoints]
        )
        ids = [delivery.pk for delivery in deliveries]
        _enqueue_all(ids)
    return ids


# --- Delivering ------------------------------------------------------------------------------


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: doubling from
    ``NEWSROOM_WEBHOOK_FIRST_RETRY_SECONDS`` up to ``NEWSROOM_WEBHOOK_MAX_RETRY_SECONDS``,
    each with ±25 % jitter so that retries of many deliveries spread out."""
    first = settings.NEWSROOM_WEBHOOK_FIRST_RETRY_SECONDS
    delay = min(settings.NEWSROOM_WEBHOOK_MAX_RETRY_SECONDS, first * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.75, 1.25)


def _enqueue_all(ids) -> None:
    """Queue a delivery task each, in the caller's transaction: with the database backend the
    tasks commit (or roll back) with the deliveries they send."""
    for pk in ids:
        deliver.enqueue(pk)


def _enqueue_retry(delivery_id: int, at: datetime.datetime) -> None:
    try:
        deliver.using(run_after=at).enqueue(delivery_id)
    except Exception:  # a backend that cannot wait (immediate): `manage.py send_webhooks` will
        logger.info("Delivery %s waits for `manage.py send_webhooks` (due %s)", delivery_id, at)


@task(queue_name="webhooks")
def deliver(delivery_id: int) -> str:
    """One attempt at one delivery, if it is due and still waiting; its status after."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now
    ).update(status=Status.SENDING, last_attempt_at=now)
    if not claimed:  # already sent, taken by another worker, or not due: nothing to do
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint__key", "event").get(pk=delivery_id)
    endpoint, event = delivery.endpoint, delivery.event
    if not endpoint.is_active or not endpoint.key.is_usable:
        return _set(delivery, status=Status.HELD, next_attempt_at=None)
    if not still_public(event):
        return _set(delivery, status=Status.WITHDRAWN, next_attempt_at=None)
    number = delivery.attempts + 1
    status_code = latency = None
    error = body = ""
    try:
        answer = outbound.post(
            endpoint.url,
            event.payload.encode(),
            headers_for(endpoint, event, now),
            timeout=settings.NEWSROOM_WEBHOOK_TIMEOUT_SECONDS,
            max_bytes=settings.NEWSROOM_WEBHOOK_MAX_RESPONSE_BYTES,
            allow_loopback=settings.NEWSROOM_WEBHOOK_ALLOW_LOOPBACK,
        )
    except outbound.Refused as refused:
        error = f"Refused: {refused}"
    except TimeoutError:
        error = f"No answer within {settings.NEWSROOM_WEBHOOK_TIMEOUT_SECONDS:g} s"
    except Exception as failure:  # connection refused, TLS, protocol: logged, retried
        error = f"{type(failure).__name__}: {failure}"
    else:
        status_code, latency = answer.status, round(answer.seconds * 1000)
        body = answer.body[:2000].decode("utf-8", "replace")
        if not 200 <= answer.status < 300:
            error = f"HTTP {answer.status}" + (
                " (redirects are not followed)" if 300 <= answer.status < 400 else ""
            )
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        at=now,
        status_code=status_code,
        latency_ms=latency,
        error=error[:300],
        response=body,
    )
    fields = dict(
        attempts=number,
        first_attempt_at=delivery.first_attempt_at or now,
        last_status_code=status_code,
        last_latency_ms=latency,
        last_error=error[:300],
    )
    if not error:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            failures_in_a_row=0, failing_since=None
        )
        return _set(
            delivery,
            status=Status.DELIVERED,
            delivered_at=timezone.now(),
            next_attempt_at=None,
            **fields,
        )
    retry_for = datetime.timedelta(hours=settings.NEWSROOM_WEBHOOK_RETRY_HOURS)
    if now - fields["first_attempt_at"] >= retry_for:
        _set(delivery, status=Status.FAILED, next_attempt_at=None, **fields)
        _count_failure(endpoint, now)
        return Status.FAILED
    at = now + datetime.timedelta(seconds=backoff(number))
    _set(delivery, status=Status.PENDING, next_attempt_at=at, **fields)
    if not _count_failure(endpoint, now):  # disabled now: this delivery is held with the rest
        return Status.HELD
    _enqueue_retry(delivery.pk, at)
    return Status.PENDING


def _set(delivery: WebhookDelivery, **fields) -> str:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    return fields["status"]


def _count_failure(endpoint: WebhookEndpoint, now) -> bool:
    """Count a failed attempt; disable the endpoint after a run of them. Whether it is still
    active."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failures_in_a_row=F("failures_in_a_row") + 1, failing_since=Coalesce("failing_since", now)
    )
    endpoint.refresh_from_db(fields=["failures_in_a_row", "failing_since", "is_active"])
    failing_for = now - (endpoint.failing_since or now)
    if (
        endpoint.is_active
        and endpoint.failures_in_a_row >= settings.NEWSROOM_WEBHOOK_DISABLE_AFTER_FAILURES
        and failing_for >= datetime.timedelta(hours=settings.NEWSROOM_WEBHOOK_DISABLE_AFTER_HOURS)
    ):
        disable(endpoint, failures=endpoint.failures_in_a_row, since=endpoint.failing_since)
        return False
    return endpoint.is_active


@transaction.atomic
def disable(endpoint: WebhookEndpoint, *, failures: int, since) -> bool:
    """Disable a failing endpoint (once, however many workers see it fail): hold what waits,
    record it, and tell the editors who manage webhooks and the partner's contact."""
    reason = (
        f"Disabled after {failures} failed attempts in a row since "
        f"{timezone.localtime(since):%-d %b %Y %H:%M}."
    )
    now = timezone.now()
    if not WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason, version=F("version") + 1
    ):
        return False
    WebhookDelivery.objects.filter(endpoint=endpoint, status=Status.PENDING).update(
        status=Status.HELD, next_attempt_at=None
    )
    audit.record(actor=None, action=AuditEntry.Action.EDITED, obj=endpoint, message=reason)
    transaction.on_commit(lambda: _tell_editors(endpoint, reason))
    return True


def editors_to_tell(endpoint: WebhookEndpoint) -> list[str]:
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    managers = users.filter(
        Q(is_superuser=True)
        | Q(user_permissions__codename="change_webhookendpoint")
        | Q(groups__permissions__codename="change_webhookendpoint")
    ).distinct()
    emails = list(managers.order_by("email").values_list("email", flat=True))
    if endpoint.key.contact_email and endpoint.key.contact_email not in emails:
        emails.append(endpoint.key.contact_email)
    return emails


def _tell_editors(endpoint: WebhookEndpoint, reason: str) -> None:
    recipients = editors_to_tell(endpoint)
    if not recipients:
        return
    send_mail(
        subject=f"Webhook endpoint disabled: {endpoint.url}",
        message=(
            f"{settings.NEWSROOM_SITE_NAME} stopped sending webhooks to {endpoint.url} "
            f"({endpoint.key}).\n\n{reason}\n\nLast error: see the delivery log in the admin "
            "(Webhook deliveries). When the endpoint answers again, enable it there: the "
            "deliveries held meanwhile are sent then."
        ),
        from_email=None,
        recipient_list=recipients,
        fail_silently=True,
    )


@transaction.atomic
def enable(endpoint: WebhookEndpoint, *, by) -> int:
    """Enable an endpoint again and send what was held while it was off; how many."""
    from .core.workflow import require

    require(by, "newsroom.change_webhookendpoint", "You cannot change webhook endpoints.")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True,
        disabled_at=None,
        disabled_reason="",
        failures_in_a_row=0,
        failing_since=None,
        version=F("version") + 1,
    )
    audit.record(actor=by, action=AuditEntry.Action.EDITED, obj=endpoint, message="Enabled again")
    held = WebhookDelivery.objects.filter(endpoint=endpoint, status=Status.HELD)
    return send_again(held, by=by)


@transaction.atomic
def send_again(deliveries, *, by) -> int:
    """Send deliveries again now, whatever their state (not one being sent): same event id,
    a new 24-hour retry window. How many."""
    from .core.workflow import require

    require(by, "newsroom.change_webhookendpoint", "You cannot send webhooks again.")
    now = timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries])
        .exclude(status=Status.SENDING)
        .values_list("pk", flat=True)
    )
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=Status.PENDING, next_attempt_at=now, first_attempt_at=None
    )
    _enqueue_all(ids)
    return len(ids)


def send_due(now=None) -> int:
    """For cron (``manage.py send_webhooks``): enqueue deliveries that are due with no task
    waiting for them (a worker that died mid-attempt, or a backend that cannot wait)."""
    now = now or timezone.now()
    stuck = now - datetime.timedelta(seconds=settings.NEWSROOM_WEBHOOK_TIMEOUT_SECONDS * 6)
    WebhookDelivery.objects.filter(status=Status.SENDING, last_attempt_at__lt=stuck).update(
        status=Status.PENDING, next_attempt_at=now
    )
    due = list(
        WebhookDelivery.objects.filter(
            status=Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        ).values_list("pk", flat=True)
    )
    for pk in due:
        deliver.enqueue(pk)
    return len(due)


events.register_listener(heard)
