"""Webhook deliveries under real concurrency, on PostgreSQL: two `manage.py db_worker`
processes work one queue in which every delivery was asked for twice (a task can run again
after a crash or a duplicate enqueue). Each event reaches the partner once, every delivery
ends delivered, and each attempt is logged once."""

import collections
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import connection

from newsroom import webhooks
from newsroom.core import events
from newsroom.models import PartnerKey, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests import webhook_receiver

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("Workers in other processes need a database server.")


def worker(database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "NEWSROOM_WEBHOOK_ALLOW_LOOPBACK": "1",
        "NEWSROOM_WEBHOOK_TIMEOUT_SECONDS": "10",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--batch",
         "--no-startup-delay", "--no-reload"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


def test_two_workers_send_each_event_once_though_every_delivery_was_queued_twice(settings):
    settings.NEWSROOM_WEBHOOK_ALLOW_LOOPBACK = True
    receiver, server = webhook_receiver.start()
    try:
        partner_key, _ = PartnerKey.objects.create_key(name="race", partner="Race")
        endpoint = WebhookEndpoint(key=partner_key, url=receiver.url, events=list(events.KINDS))
        receiver.secret = webhooks.add_endpoint(endpoint, by=None)
        count = int(os.environ.get("NEWSROOM_RACE_WEBHOOKS", "60"))
        ids = []
        for n in range(count):
            ids += webhooks.record_event(events.STORY_UNPUBLISHED, f"race:{n}", {"slug": str(n)})
        for pk in ids:
            webhooks.deliver.enqueue(pk)  # the duplicate

        db = connection.settings_dict
        url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
        workers = [worker(url), worker(url)]
        outputs = [w.communicate(timeout=300)[0] for w in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs

        per_id = collections.Counter(r.id for r in receiver.received)
        assert len(per_id) == count and set(per_id.values()) == {1}, per_id.most_common(3)
        assert all(r.verified is not None for r in receiver.received)
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
        assert WebhookAttempt.objects.count() == count
        assert all("Task id=" not in out or "failed" not in out for out in outputs)
    finally:
        server.shutdown()
        server.server_close()
