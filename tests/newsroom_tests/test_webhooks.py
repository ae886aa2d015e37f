"""Partners' webhooks against a real receiver in the test process (``tests/webhook_receiver``),
which verifies every signature with the ``standardwebhooks`` package as a partner would: what is
sent and when, retries after a 500 and a timeout, the endpoint disabled after a run of failures,
secret rotation, and every address class refused."""

import datetime
import html
import json
import socket
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from claims import publishing as facts
from claims.models import Quote
from explainers import publishing
from explainers.models import Correction, Explainer
from newsroom import webhooks
from newsroom.core import events, outbound
from newsroom.models import (
    AuditEntry,
    PartnerKey,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from tests.factories import ExplainerFactory, QuoteFactory, StatisticFactory, add_section

pytestmark = pytest.mark.django_db
ALL = list(events.KINDS)
Status = WebhookDelivery.Status


def story_showing(quote, *, published=True, title="Story"):
    story = ExplainerFactory(title=title, **({"published": True} if published else {}))
    add_section(story, f"[[quote:{quote.slug}]]", heading="Who said it?")
    return story


def deliveries():
    return list(WebhookDelivery.objects.select_related("event").order_by("pk"))


def later(**delta):
    """Move the clock on (``timezone.now``, which deliveries, tasks and rows all read)."""
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(**delta))


timedelta = datetime.timedelta


# --- What partners are sent ------------------------------------------------------------------


def test_publishing_sends_the_story_as_the_api_shows_it_signed_and_verifiable(
    receiver, endpoint, key, committed, run_tasks
):
    story = ExplainerFactory(title="How the plan works")
    add_section(story, "Plain text.", heading="What is it?")

    committed(publishing.publish, story, by=None)
    run_tasks()

    [got] = receiver.received
    assert got.error == "" and got.verified is not None  # standardwebhooks verified it
    assert got.headers["webhook-id"].startswith("msg_")
    assert got.payload["type"] == "story.published"
    api = APIClient(HTTP_X_API_KEY=key[1]).get(f"/api/v1/explainers/{story.slug}/")
    assert got.payload["data"] == api.json()  # exactly what the partner API shows
    [delivery] = deliveries()
    assert delivery.status == Status.DELIVERED
    assert delivery.last_status_code == 200 and delivery.last_latency_ms is not None
    assert [a.status_code for a in delivery.log.all()] == [200]


def test_the_editor_waits_for_no_partner(receiver, endpoint, committed):
    """The commit only queues the fan-out: nothing is sent until a worker runs it."""
    story = ExplainerFactory(title="Queued")
    add_section(story, "Text.", heading="Why?")
    committed(publishing.publish, story, by=None)
    assert receiver.received == []
    assert WebhookEvent.objects.count() == 0  # built by the worker, from what is true then


def test_unpublishing_sends_only_the_slug_and_address(receiver, endpoint, committed, run_tasks):
    story = ExplainerFactory(title="Soon gone SECRET-WORDS", published=True)
    add_section(story, "SECRET-WORDS in the text.", heading="What?")
    committed(publishing.unpublish, story, by=None)
    run_tasks()
    [got] = receiver.received
    assert got.payload["type"] == "story.unpublished"
    assert got.payload["data"] == {
        "slug": story.slug,
        "site_url": f"http://testserver/explainers/{story.slug}/",
    }
    assert b"SECRET-WORDS" not in got.body


def test_a_fact_edit_tells_partners_of_the_fact_and_of_each_live_story_showing_it(
    receiver, endpoint, committed, run_tasks
):
    quote = QuoteFactory(text="We will hold the line.")
    first, second = story_showing(quote, title="First"), story_showing(quote, title="Second")
    story_showing(quote, published=False, title="Draft DRAFT-ONLY")

    quote.text = "We will hold the line, whatever it takes."
    committed(facts.save_fact, quote, by=None)
    run_tasks()

    got = sorted((r.payload["type"], r.payload["data"].get("slug")) for r in receiver.received)
    assert got == sorted(
        [
            ("fact.updated", quote.slug),
            ("story.updated", first.slug),
            ("story.updated", second.slug),
        ]
    )
    assert all(b"DRAFT-ONLY" not in r.body for r in receiver.received)
    fact = next(r for r in receiver.received if r.payload["type"] == "fact.updated")
    assert fact.payload["data"]["text"] == "We will hold the line, whatever it takes."


def test_a_new_value_is_sent_with_the_statistic(receiver, endpoint, committed, run_tasks):
    statistic = StatisticFactory(label="Crossings")
    story = ExplainerFactory(published=True)
    add_section(story, f"[[statistic:{statistic.slug}]]", heading="How many?")
    committed(
        facts.add_value,
        statistic,
        value=Decimal(61000),
        as_of=datetime.date(2025, 9, 1),
        by=None,
    )
    run_tasks()
    kinds = sorted(r.payload["type"] for r in receiver.received)
    assert kinds == ["statistic.value_added", "story.updated"]
    added = next(r for r in receiver.received if r.payload["type"] == "statistic.value_added")
    assert added.payload["data"]["value"]["value"] == "61000"
    assert added.payload["data"]["statistic"]["slug"] == statistic.slug


def test_a_correction_on_a_live_story_is_sent(receiver, endpoint, committed, run_tasks):
    story = ExplainerFactory(published=True)
    add_section(story, "Text.", heading="What?")
    committed(
        publishing.add_correction,
        story,
        kind=Correction.Kind.CORRECTION,
        text="We gave the wrong year.",
        by=None,
    )
    run_tasks()
    [got] = receiver.received
    assert got.payload["type"] == "story.corrected"
    assert "We gave the wrong year." in json.dumps(got.payload["data"]["corrections"])


def test_endpoints_hear_only_the_events_they_asked_for(receiver, endpoint, committed, run_tasks):
    endpoint.events = [events.STORY_UNPUBLISHED]
    endpoint.save()
    quote = QuoteFactory()
    story = story_showing(quote)
    committed(facts.save_fact, quote, by=None)
    committed(publishing.unpublish, story, by=None)
    run_tasks()
    assert [r.payload["type"] for r in receiver.received] == ["story.unpublished"]


def test_a_scheduled_story_is_news_when_it_goes_live_not_before(
    receiver, endpoint, committed, run_tasks
):
    story = ExplainerFactory(title="Later")
    add_section(story, "Text.", heading="When?")
    committed(publishing.publish, story, by=None, at=timezone.now() + timedelta(hours=1))
    run_tasks()
    assert receiver.received == []
    with later(hours=2):
        committed(publishing.record_due_transitions)
        run_tasks()
    assert [r.payload["type"] for r in receiver.received] == ["story.published"]


# --- Leaks: nothing unpublished, ever ----------------------------------------------------------


def test_a_delivery_whose_story_was_taken_down_meanwhile_is_withdrawn_not_sent(
    receiver, endpoint, committed, run_tasks
):
    story = ExplainerFactory(title="Briefly live")
    add_section(story, "Text.", heading="What?")
    committed(publishing.publish, story, by=None)
    run_tasks()  # the published event is stored and its delivery queued…
    receiver.received.clear()
    WebhookDelivery.objects.update(status=Status.PENDING, next_attempt_at=timezone.now())
    Explainer.objects.filter(pk=story.pk).update(status=Explainer.Status.DRAFT)  # …then taken down
    [delivery] = deliveries()
    assert webhooks.deliver.call(delivery.pk) == Status.WITHDRAWN
    assert receiver.received == []


def test_a_story_taken_down_before_the_worker_ran_is_never_sent(
    receiver, endpoint, committed, run_tasks
):
    """The fan-out reads what is public when it runs, not when the verb ran."""
    story = ExplainerFactory(title="Live for a moment BRIEF-TEXT")
    add_section(story, "BRIEF-TEXT.", heading="What?")
    committed(publishing.publish, story, by=None)
    committed(publishing.unpublish, story, by=None)
    run_tasks()
    assert [r.payload["type"] for r in receiver.received] == ["story.unpublished"]
    assert all(b"BRIEF-TEXT" not in r.body for r in receiver.received)


def test_a_revoked_key_is_sent_nothing(receiver, endpoint, committed, run_tasks):
    PartnerKey.objects.filter(pk=endpoint.key.pk).update(revoked=True)
    story = ExplainerFactory()
    add_section(story, "Text.", heading="What?")
    committed(publishing.publish, story, by=None)
    run_tasks()
    assert receiver.received == [] and deliveries() == []


# --- Retries, idempotency, the log -------------------------------------------------------------


def publish_one(committed):
    story = ExplainerFactory()
    add_section(story, "Text.", heading="What?")
    committed(publishing.publish, story, by=None)
    return story


def test_retried_after_a_500_and_a_timeout_with_the_same_id_then_delivered(
    receiver, endpoint, committed, run_tasks
):
    receiver.script = [(500, 0, b"oops"), (200, 2, b"too slow")]  # then 200 at once
    publish_one(committed)
    run_tasks()
    [delivery] = deliveries()
    assert delivery.status == Status.PENDING and delivery.last_status_code == 500
    first_wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=30 * 0.75) <= first_wait <= timedelta(seconds=30 * 1.25)
    assert run_tasks() == 0  # not due yet: nothing is sent

    with later(minutes=2):
        run_tasks()  # the second attempt times out
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING and delivery.attempts == 2
    assert "No answer within" in delivery.last_error
    second_wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=60 * 0.75) <= second_wait <= timedelta(seconds=60 * 1.25)

    with later(minutes=10):
        run_tasks()
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and delivery.attempts == 3
    log = list(delivery.log.values_list("number", "status_code"))
    assert log == [(1, 500), (2, None), (3, 200)]
    assert len({r.id for r in receiver.received}) == 1  # one webhook-id, three requests
    assert len(receiver.received) == 3


def test_retries_go_on_for_at_least_a_day_then_give_up(
    receiver, endpoint, committed, run_tasks, settings
):
    settings.NEWSROOM_WEBHOOK_DISABLE_AFTER_FAILURES = 10_000
    receiver.script = [(503, 0, b"down")] * 1000
    publish_one(committed)
    run_tasks()
    [delivery] = deliveries()
    first = delivery.first_attempt_at
    while delivery.status == Status.PENDING:
        with mock.patch("django.utils.timezone.now", return_value=delivery.next_attempt_at):
            run_tasks()
        delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.last_attempt_at - first >= timedelta(hours=24)
    assert delivery.last_attempt_at - first < timedelta(hours=24) + timedelta(hours=2.5)
    waits = [
        (b - a).total_seconds()
        for a, b in zip(
            delivery.log.values_list("at", flat=True),
            list(delivery.log.values_list("at", flat=True))[1:],
            strict=False,
        )
    ]
    assert waits[1] > waits[0] and waits[-1] <= 7200 * 1.25  # doubling, then capped
    assert len(waits) + 1 == delivery.attempts < 40


def test_a_delivery_asked_for_twice_is_sent_once(receiver, endpoint, committed, run_tasks):
    publish_one(committed)
    run_tasks()
    [delivery] = WebhookDelivery.objects.all()
    webhooks.deliver.enqueue(delivery.pk)  # a task run again after the delivery succeeded
    run_tasks()
    assert len(receiver.received) == 1

    WebhookDelivery.objects.update(status=Status.PENDING, next_attempt_at=timezone.now())
    webhooks.deliver.enqueue(delivery.pk)
    webhooks.deliver.enqueue(delivery.pk)  # two tasks for one due delivery: one request
    run_tasks()
    assert len(receiver.received) == 2
    assert WebhookAttempt.objects.count() == 2


def test_send_again_sends_the_same_event_again(
    receiver, endpoint, committed, run_tasks, role_editor
):
    publish_one(committed)
    run_tasks()
    [delivery] = deliveries()
    committed(webhooks.send_again, [delivery], by=role_editor)
    run_tasks()
    assert len(receiver.received) == 2
    assert receiver.received[0].id == receiver.received[1].id
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.status == Status.DELIVERED


def test_redirects_are_not_followed(receiver, endpoint, committed, run_tasks):
    receiver.script = [(302, 0, b"")]
    publish_one(committed)
    run_tasks()
    [delivery] = deliveries()
    assert delivery.status == Status.PENDING
    assert delivery.last_error == "HTTP 302 (redirects are not followed)"
    assert len(receiver.received) == 1  # nothing went to the Location


def test_a_huge_answer_is_read_only_up_to_the_limit(
    receiver, endpoint, committed, run_tasks, settings
):
    settings.NEWSROOM_WEBHOOK_MAX_RESPONSE_BYTES = 1000
    receiver.script = [(200, 0, b"x" * 5_000_000)]
    publish_one(committed)
    run_tasks()
    [delivery] = deliveries()
    assert delivery.status == Status.DELIVERED
    assert len(delivery.log.get().response) == 1000


# --- A run of failures disables the endpoint ---------------------------------------------------


def test_an_endpoint_failing_again_and_again_is_disabled_and_editors_are_told(
    receiver, endpoint, committed, run_tasks, settings, role_editor
):
    settings.NEWSROOM_WEBHOOK_DISABLE_AFTER_FAILURES = 3
    settings.NEWSROOM_WEBHOOK_DISABLE_AFTER_HOURS = 0
    role_editor.email = "desk@example.org"
    role_editor.save()
    receiver.script = [(500, 0, b"down")] * 3
    for _ in range(4):
        publish_one(committed)
    with django_on_commit():
        run_tasks()

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "Disabled after 3 failed attempts in a row" in endpoint.disabled_reason
    statuses = sorted(d.status for d in deliveries())
    assert statuses == [Status.HELD] * 4  # the failed three and the one not yet tried
    assert len(receiver.received) == 3
    [message] = mail.outbox
    assert message.to == ["desk@example.org"]
    assert endpoint.url in message.subject
    assert AuditEntry.objects.filter(object_repr=str(endpoint), actor=None).exists()

    with django_on_commit():
        held = webhooks.enable(endpoint, by=role_editor)
    run_tasks()
    assert held == 4
    assert {d.status for d in deliveries()} == {Status.DELIVERED}


def django_on_commit():
    """Run on-commit callbacks of code that commits inside the test (the disabling email)."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


# --- Secrets -------------------------------------------------------------------------------------


def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(
    receiver, endpoint, committed, run_tasks, role_editor
):
    old = receiver.secret
    new = webhooks.rotate_secret(endpoint, by=role_editor, overlap_hours=1)
    assert new != old and new.startswith("whsec_")
    publish_one(committed)
    run_tasks()
    [got] = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert receiver.verify(got.headers, got.body, old) is not None
    assert receiver.verify(got.headers, got.body, new) is not None

    endpoint.refresh_from_db()
    with later(hours=2):
        headers = webhooks.headers_for(endpoint, WebhookEvent.objects.get())
    assert len(headers["webhook-signature"].split(" ")) == 1


def test_only_those_who_manage_webhooks_rotate_secrets(endpoint, writer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        webhooks.rotate_secret(endpoint, by=writer)


# --- Addresses that may not be called --------------------------------------------------------

REFUSED = {
    "loopback": "https://127.0.0.1/hook",
    "loopback v6": "https://[::1]/hook",
    "private 10/8": "https://10.1.2.3/hook",
    "private 172.16/12": "https://172.20.0.1/hook",
    "private 192.168/16": "https://192.168.1.10/hook",
    "private v6": "https://[fd12:3456::1]/hook",
    "link-local": "https://169.254.10.20/hook",
    "link-local v6": "https://[fe80::1]/hook",
    "metadata": "https://169.254.169.254/latest/meta-data/",
    "metadata v6": "https://[fd00:ec2::254]/latest/",
    "shared (CGNAT)": "https://100.64.0.1/hook",
    "unspecified": "https://0.0.0.0/hook",
    "multicast": "https://224.0.0.1/hook",
    "v4 mapped in v6": "https://[::ffff:10.0.0.1]/hook",
}
EXPECTED_CLASS = {
    "loopback": "loopback",
    "loopback v6": "loopback",
    "private 10/8": "private",
    "private 172.16/12": "private",
    "private 192.168/16": "private",
    "private v6": "private",
    "link-local": "link-local",
    "link-local v6": "link-local",
    "metadata": "cloud metadata",
    "metadata v6": "cloud metadata",
    "shared (CGNAT)": "reserved or shared",
    "unspecified": "unspecified",
    "multicast": "multicast",
    "v4 mapped in v6": "private",
}


@pytest.mark.parametrize("name", REFUSED)
def test_every_address_class_is_refused(name):
    with pytest.raises(outbound.Refused) as refused:
        outbound.check(REFUSED[name])
    assert f"a {EXPECTED_CLASS[name]} address" in str(refused.value)


def test_a_public_name_resolving_to_a_private_address_is_refused():
    """The answer of DNS is checked, not the name; and the connection goes to what was checked."""
    fake = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))]
    with mock.patch("socket.getaddrinfo", return_value=fake):
        with pytest.raises(outbound.Refused, match=r"10\.0\.0\.7, a private address"):
            outbound.check("https://partner.example/hook")


def test_only_https_even_to_a_public_address():
    fake = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80))]
    with mock.patch("socket.getaddrinfo", return_value=fake):
        with pytest.raises(outbound.Refused, match="must start with https"):
            outbound.check("http://partner.example/hook")
        target = outbound.check("https://partner.example/hook?x=1")
    assert (target.address, target.path) == ("93.184.216.34", "/hook?x=1")


def test_loopback_is_allowed_only_by_the_test_setting():
    assert outbound.check("http://127.0.0.1:9/hook", allow_loopback=True).address == "127.0.0.1"
    with pytest.raises(outbound.Refused):
        outbound.check("http://127.0.0.1:9/hook")


def test_a_refused_address_at_send_time_is_logged_not_called(
    receiver, endpoint, committed, run_tasks, settings
):
    """An endpoint whose name resolves somewhere private later (DNS rebinding) is not called."""
    settings.NEWSROOM_WEBHOOK_ALLOW_LOOPBACK = False
    publish_one(committed)
    run_tasks()
    assert receiver.received == []
    [delivery] = deliveries()
    assert delivery.last_error.startswith("Refused: 127.0.0.1 resolves to 127.0.0.1, a loopback")


# --- The admin and the API -------------------------------------------------------------------


def test_adding_an_endpoint_in_the_admin_shows_its_secret_once(client, role_editor, key, settings):
    client.force_login(role_editor)
    fake = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]
    with mock.patch("socket.getaddrinfo", return_value=fake):
        response = client.post(
            "/admin/newsroom/webhookendpoint/add/",
            {"key": key[0].pk, "url": "https://partner.example/hooks", "events": ALL[:2]},
        )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.encode() in response.content
    assert b"shown only once" in response.content
    page = client.get(f"/admin/newsroom/webhookendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200 and endpoint.secret.encode() not in page.content


def test_the_admin_refuses_a_private_address_with_a_clear_error(client, role_editor, key):
    client.force_login(role_editor)
    response = client.post(
        "/admin/newsroom/webhookendpoint/add/",
        {"key": key[0].pk, "url": "https://169.254.169.254/latest/", "events": ALL[:1]},
    )
    assert response.status_code == 200
    assert b"a cloud metadata address" in response.content
    assert WebhookEndpoint.objects.count() == 0


def test_the_delivery_log_and_send_again_in_the_admin(
    client, role_editor, receiver, endpoint, committed, run_tasks
):
    publish_one(committed)
    run_tasks()
    client.force_login(role_editor)
    listing = client.get("/admin/newsroom/webhookdelivery/")
    assert listing.status_code == 200 and b"story.published" in listing.content
    delivery = WebhookDelivery.objects.get()
    detail = client.get(f"/admin/newsroom/webhookdelivery/{delivery.pk}/change/")
    assert detail.status_code == 200 and delivery.event_id.encode() in detail.content
    assert b'name="_save"' not in detail.content  # a log: nothing to save
    with django_on_commit():
        client.post(
            "/admin/newsroom/webhookdelivery/",
            {"action": "send_again", "_selected_action": [delivery.pk]},
        )
    run_tasks()
    assert len(receiver.received) == 2


def test_partners_see_their_own_endpoints_in_the_api_never_a_secret(
    endpoint, key, django_assert_max_num_queries
):
    other, _ = PartnerKey.objects.create_key(name="other", partner="Other")
    WebhookEndpoint.objects.create(key=other, url="https://other.example/", secret="whsec_x")
    api = APIClient(HTTP_X_API_KEY=key[1])
    api.get("/api/v1/webhooks/")  # warm the key cache
    with django_assert_max_num_queries(2):
        response = api.get("/api/v1/webhooks/")
    assert response.status_code == 200
    [shown] = response.json()["results"]
    assert shown["url"] == endpoint.url and shown["events"] == ALL and shown["active"] is True
    assert "whsec_" not in response.content.decode()
    assert APIClient().get("/api/v1/webhooks/").status_code in (401, 403)


def test_a_fact_edit_costs_the_editor_no_delivery_work(
    receiver, endpoint, committed, django_assert_max_num_queries
):
    """The fan-out is one queued task, whatever the number of stories or endpoints."""
    quote = QuoteFactory()
    for n in range(5):
        story_showing(quote, title=f"Story {n}")
    quote.text = "Changed."
    committed(facts.save_fact, quote, by=None)
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.count() == 1
    assert Quote.objects.get().text == "Changed."


def test_a_delivery_left_sending_by_a_stopped_worker_is_sent_by_the_cron_command(
    receiver, endpoint, committed, run_tasks
):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    story = publish_one(committed)
    DBTaskResult.objects.all().delete()  # the queued fan-out, run here by hand:
    webhooks.fan_out.call(events.STORY_PUBLISHED, "explainers.explainer", str(story.pk), {})
    [delivery] = deliveries()
    DBTaskResult.objects.all().delete()  # the worker died with the delivery's task…
    WebhookDelivery.objects.update(status=Status.SENDING, last_attempt_at=timezone.now())
    call_command("send_webhooks")
    assert run_tasks() == 0  # …but it may still be sending: not yet
    with later(minutes=5):
        call_command("send_webhooks")
        run_tasks()
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and len(receiver.received) == 1


def test_immediate_tasks_send_at_once_and_leave_retries_to_cron(
    receiver, endpoint, committed, settings
):
    """NEWSROOM_TASKS=immediate (development without a worker): sent in the request; a retry,
    which needs a wait, is left for `manage.py send_webhooks`."""
    settings.TASKS = {  # django-tasks drops its backends when the setting changes
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "webhooks", "purges"],
        }
    }
    receiver.script = [(500, 0, b"")]
    publish_one(committed)
    [delivery] = deliveries()
    assert delivery.status == Status.PENDING and delivery.attempts == 1
    with later(minutes=5):
        assert webhooks.send_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and len(receiver.received) == 2


# --- The documented receiver works ----------------------------------------------------------


def documented_receiver(path) -> str:
    text = (settings_module_dir() / path).read_text(encoding="utf-8")
    start = text.index("<!-- webhook-receiver-example -->")
    block = text[start : text.index("<!-- /webhook-receiver-example -->")]
    if "```python" in block:  # the README's Markdown
        return block.split("```python\n", 1)[1].split("```", 1)[0]
    # The API docs: a <pre> that keyboard users can scroll (Redoc renders the HTML as it is)
    return html.unescape(block.split('<code class="language-python">', 1)[1].split("</code>")[0])


def settings_module_dir():
    from django.conf import settings as django_settings

    return django_settings.BASE_DIR


def test_the_documented_receiver_runs_and_verifies_a_real_delivery(
    receiver, endpoint, committed, run_tasks, settings, tmp_path
):
    """README and the API docs show one receiver; run it and send it a real delivery."""
    import subprocess
    import sys
    import time

    code = documented_receiver("README.md")
    assert code == documented_receiver("newsroom/api_description.md")
    script = tmp_path / "receiver.py"
    script.write_text(code)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, str(script)],
        env={"WEBHOOK_SECRET": receiver.secret, "PORT": str(port), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"http://127.0.0.1:{port}/")
        story = publish_one(committed)
        run_tasks()
        [delivery] = deliveries()
        assert (delivery.status, delivery.last_status_code) == (Status.DELIVERED, 204)

        endpoint.refresh_from_db()
        endpoint.secret = webhooks.new_secret()  # not the partner's: must be refused
        endpoint.save()
        WebhookDelivery.objects.update(status=Status.PENDING, next_attempt_at=timezone.now())
        webhooks.deliver.call(delivery.pk)
        delivery.refresh_from_db()
        assert delivery.last_status_code == 401
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert out.splitlines() == [f"story.published {story.slug}"], err


def test_the_admin_home_names_disabled_endpoints_to_those_who_manage_them(
    client, role_editor, writer, endpoint
):
    client.force_login(role_editor)
    assert b"stopped after repeated failures" not in client.get("/admin/").content
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_reason="Disabled after 15 failed attempts in a row."
    )
    page = client.get("/admin/").content.decode()
    assert "Webhooks to 1 partner endpoint stopped after repeated failures" in page
    assert "Disabled after 15 failed attempts in a row." in page
    client.force_login(writer)
    assert b"stopped after repeated failures" not in client.get("/admin/").content


def test_an_endpoint_form_opened_before_a_rotation_is_refused_with_its_text_kept(
    client, role_editor, second_editor, endpoint
):
    from tests.factories import admin_form_data

    client.force_login(second_editor)
    change = f"/admin/newsroom/webhookendpoint/{endpoint.pk}/change/"
    data = admin_form_data(client.get(change), description="Typed before the rotation")
    webhooks.rotate_secret(endpoint, by=role_editor)
    response = client.post(change, data)
    assert response.status_code == 200  # the form again, not a redirect
    assert "Typed before the rotation" in response.content.decode()
    assert WebhookEndpoint.objects.get().description == ""


def test_a_fact_shown_by_many_stories_fans_out_in_a_fixed_number_of_queries(
    receiver, endpoint, django_assert_max_num_queries
):
    """The stories showing a fact are read in one query with their renderings, not one each."""
    from explainers import renderings

    def fan_out_for(count):
        quote = QuoteFactory()
        for n in range(count):
            renderings.refresh(story_showing(quote, title=f"Story {count}-{n}").pk)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            found = webhooks.events_for(events.FACT_UPDATED, "claims.quote", quote.pk, {})
        assert len(found) == count + 1
        return len(queries)

    assert fan_out_for(2) == fan_out_for(8)
