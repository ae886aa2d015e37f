"""Every admin page an editor opens fits a 1,280 px window: no horizontal scroll on the index,
any list, any add form or the change form of the demo content (both stories, their facts)."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests import factories

from .conftest import SCREENSHOTS, WIDTHS
from .test_reader_journey import restore_rating_scale

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def admin_pages():
    """The index, then each registered model's list, add form and first change form."""
    yield "index", reverse("admin:index")
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        name = f"{meta.app_label}_{meta.model_name}"
        yield f"{name}-list", reverse(f"admin:{name}_changelist")
        if model_admin.has_add_permission(_request()):
            yield f"{name}-add", reverse(f"admin:{name}_add")
        # the biggest of its kind in the demo content: the longest story, the busiest fact
        first = model_admin.get_queryset(_request()).order_by("-pk").first()
        if first is not None:
            yield f"{name}-change", reverse(f"admin:{name}_change", args=[first.pk])


def _request():
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = factories.UserFactory.build(is_superuser=True, is_staff=True)
    return request


def test_no_admin_page_scrolls_sideways_at_1280_px(browser, live_server):
    restore_rating_scale()
    call_command("load_stories", verbosity=0)
    user = factories.UserFactory(
        username="fits", is_staff=True, is_superuser=True, first_name="Fay", last_name="Checker"
    )
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    too_wide = []
    seen = 0
    try:
        for name, path in admin_pages():
            response = page.goto(live_server.url + path)
            assert response.status < 400, (name, response.status)
            page.wait_for_load_state("load")
            width = page.evaluate("document.documentElement.scrollWidth")
            seen += 1
            if width > WIDTHS["desktop"]:
                page.screenshot(path=str(SCREENSHOTS / f"admin-too-wide-{name}.png"))
                widest = page.evaluate(
                    """() => [...document.querySelectorAll('body *')]
                        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                        .slice(-3).map(e => e.tagName + '.' + e.className + '#' + e.id)"""
                )
                too_wide.append((name, width, widest))
            if name.endswith("-change") and name.startswith(("claims_statistic", "explainers_")):
                page.screenshot(path=str(SCREENSHOTS / f"admin-{name}-1280.png"), full_page=True)
    finally:
        context.close()
    assert seen > 30
    assert too_wide == [], "\n".join(map(str, too_wide))
