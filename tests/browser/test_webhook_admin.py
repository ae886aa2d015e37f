"""Partners' webhooks in the admin, in Chromium, as editors use them: adding an endpoint shows
its secret once; a colleague with the endpoint open in another browser never sees it, and their
stale form is refused after a rotation with their text kept; the delivery log with "Send again";
the admin's home naming a disabled endpoint. Screenshots at 1,280 and 375 px."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from explainers import publishing
from newsroom.models import PartnerKey, WebhookDelivery, WebhookEndpoint
from tests import factories, webhook_receiver
from tests.factories import add_section

from .conftest import SCREENSHOTS, WIDTHS
from .test_desk import Desk, person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def roles():
    if not Group.objects.filter(name="Editor").exists():
        importlib.import_module("newsroom.migrations.0002_roles").create_roles(apps, None)


@pytest.fixture
def partner_endpoint(settings):
    settings.NEWSROOM_WEBHOOK_ALLOW_LOOPBACK = True
    settings.NEWSROOM_SITE_URL = "http://testserver"
    receiver, server = webhook_receiver.start()
    yield receiver
    server.shutdown()
    server.server_close()


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"webhooks-{name}-{width}.png"), full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert width == WIDTHS["mobile"] or wide <= width, (name, wide)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def test_two_editors_add_rotate_and_resend_a_partners_webhook(
    browser, live_server, partner_endpoint, run_tasks
):
    partner_key, _ = PartnerKey.objects.create_key(name="app", partner="Example Times")
    edna = Desk(browser, live_server, person("Edna Editor", "edna"))
    nigel = Desk(browser, live_server, person("Nigel Nightdesk", "nigel"))
    try:
        add = edna.tab("/admin/newsroom/webhookendpoint/add/")
        add.select_option("#id_key", str(partner_key.pk))
        add.fill("#id_url", partner_endpoint.url)
        add.check("input[name='events'][value='story.published']")
        add.check("input[name='events'][value='story.unpublished']")
        add.fill("#id_description", "Example Times' app")
        add.click("input[name='_save']")
        add.wait_for_selector("#webhook-secret")
        endpoint = WebhookEndpoint.objects.get()
        assert add.input_value("#webhook-secret") == endpoint.secret
        assert "shown only once" in add.inner_text("#content")
        shoot(add, "secret-shown-once")

        change = f"/admin/newsroom/webhookendpoint/{endpoint.pk}/change/"
        theirs = nigel.tab(change)  # the colleague has it open…
        assert endpoint.secret not in theirs.content()
        theirs.fill("#id_description", "Nigel's note, typed before the rotation")

        mine = edna.tab("/admin/newsroom/webhookendpoint/")
        mine.check(f"input[name='_selected_action'][value='{endpoint.pk}']")
        mine.select_option("select[name='action']", "rotate_secret")
        mine.click("button[name='index']")
        mine.wait_for_selector("#webhook-secret")
        endpoint.refresh_from_db()
        assert mine.input_value("#webhook-secret") == endpoint.secret
        assert endpoint.previous_secret and endpoint.previous_secret_until

        theirs.click("input[name='_continue']")  # …and saves it after the rotation: refused
        theirs.wait_for_selector(".errornote, .errorlist")
        assert theirs.input_value("#id_description") == "Nigel's note, typed before the rotation"
        assert "Edna Editor" in theirs.inner_text("#content")
        shoot(theirs, "stale-form-refused")

        partner_endpoint.secret = endpoint.secret
        story = factories.ExplainerFactory(title="Sent to partners")
        add_section(story, heading="What?", body="Text.")
        publishing.publish(story, by=None)  # committed: its fan-out is queued
        run_tasks()  # as a worker would
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "delivered"
        assert partner_endpoint.received[0].verified is not None

        log = edna.tab("/admin/newsroom/webhookdelivery/")
        assert "story.published" in log.inner_text("#result_list")
        shoot(log, "delivery-log")
        log.check(f"input[name='_selected_action'][value='{delivery.pk}']")
        log.select_option("select[name='action']", "send_again")
        log.click("button[name='index']")
        log.wait_for_selector(".messagelist")
        assert "1 deliveries queued to send again" in log.inner_text(".messagelist")
        detail = edna.tab(f"/admin/newsroom/webhookdelivery/{delivery.pk}/change/")
        assert delivery.event_id in detail.inner_text("#content")
        shoot(detail, "delivery")

        WebhookEndpoint.objects.update(
            is_active=False, disabled_reason="Disabled after 15 failed attempts in a row."
        )
        home = edna.tab("/admin/")
        assert "stopped after repeated failures" in home.inner_text("#content")
        shoot(home, "admin-home-disabled")
    finally:
        edna.close()
        nigel.close()
