"""Real races against a running server on PostgreSQL: two editors save the same thing from
forms opened at the same version, at the same moment, many times over.

The server is Django's live server (one thread a request, each with its own database
connection, so the row locks are PostgreSQL's own); the two editors are two HTTP sessions
sending at once from two threads that wait on a barrier. Every pair must end with exactly one
save stored and the other refused, its text still on the page it got back: no silent
overwrite, no lost text. Also: 30 first opens of a live story at once, and a publish or discard
landing between an editor opening the working copy and saving it.

Run by CI on PostgreSQL (``make race-test``; ``NEWSROOM_RACE_PAIRS`` pairs a model, 200 by
default); skipped elsewhere, where SQLite would serialise the requests anyway.
"""

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from claims.models import Claim, Quote, Rating, Statistic
from explainers import publishing
from explainers.models import Explainer
from newsroom.core.models import AuditEntry
from newsroom.models import PartnerKey
from tests import factories
from tests.factories import add_section, admin_form_data

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

PAIRS = int(os.environ.get("NEWSROOM_RACE_PAIRS", "200"))
REFUSED = "after you opened it, so your changes were not saved"


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("The race tests need PostgreSQL (set DATABASE_URL).")
        pytest.skip("Races are run on PostgreSQL: SQLite serialises every write.")


class Browser:
    """One editor's browser: a session on the live server, and the same login in process to
    read forms with their context (what the rendered page would post back)."""

    def __init__(self, server, user):
        self.in_process = Client()
        self.in_process.force_login(user)
        self.base = server.url
        self.session = requests.Session()
        self.session.cookies.set(
            settings.SESSION_COOKIE_NAME,
            self.in_process.cookies[settings.SESSION_COOKIE_NAME].value,
        )
        page = self.session.get(f"{self.base}/admin/", timeout=30).text
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def form(self, path) -> dict:
        response = self.in_process.get(path)
        assert response.status_code == 200, path
        return admin_form_data(response)

    def get(self, path):
        return self.session.get(self.base + path, timeout=60, allow_redirects=False)

    def post(self, path, data):
        return self.session.post(
            self.base + path,
            data={**data, "csrfmiddlewaretoken": self.csrf},
            timeout=60,
            allow_redirects=False,
        )


@pytest.fixture
def editors(live_server):
    users = [
        factories.UserFactory(
            username=name.lower(), first_name=name, is_staff=True, is_superuser=True
        )
        for name in ("Ada", "Bea")
    ]
    return [Browser(live_server, user) for user in users]


@pytest.fixture(scope="module")
def pool():
    with ThreadPoolExecutor(max_workers=32) as executor:
        yield executor


def at_once(pool, *calls):
    """Run the calls in threads released together by a barrier; their results, in order."""
    barrier = threading.Barrier(len(calls))

    def released(call):
        barrier.wait(timeout=30)
        return call()

    return [future.result() for future in [pool.submit(released, call) for call in calls]]


@dataclass
class Tally:
    pairs: int = 0
    both_saved: int = 0  # a silent overwrite
    lost_texts: int = 0  # a refused editor's text not on the page they got back
    other: list = None

    def __post_init__(self):
        self.other = []


def race_saves(pool, editors, path, field, stored, pairs=PAIRS, refresh=None) -> Tally:
    """``pairs`` times: both editors send the form (opened at the current version) with their
    own text in ``field``, at once. ``stored()`` reads the field back from the database."""
    tally = Tally()
    base = editors[0].form(path)
    for n in range(pairs):
        if refresh is not None:
            base = editors[0].form(path)
        version = base["base_version"] = str(refresh_version(path, base))
        texts = [f"Ada wrote this in race {n}", f"Bea wrote this in race {n}"]
        sent = [{**base, field: text, "base_version": version} for text in texts]
        responses = at_once(
            pool, *(lambda e=e, d=d: e.post(path, d) for e, d in zip(editors, sent, strict=True))
        )
        tally.pairs += 1
        statuses = sorted(r.status_code for r in responses)
        if statuses == [302, 302]:
            tally.both_saved += 1
            continue
        if statuses != [200, 302]:
            tally.other.append(statuses)
            continue
        winner = texts[[r.status_code for r in responses].index(302)]
        loser_response, loser_text = next(
            (r, t) for r, t in zip(responses, texts, strict=True) if r.status_code == 200
        )
        if loser_text not in loser_response.text or REFUSED not in loser_response.text:
            tally.lost_texts += 1
        if stored() != winner:
            tally.other.append(f"stored {stored()!r}, not the saved {winner!r}")
    return tally


VERSIONED = {}


def refresh_version(path, data) -> int:
    model, pk = VERSIONED[path]
    return model._default_manager.get(pk=pk).version


def admin_path(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def check(tally: Tally, pairs=PAIRS) -> None:
    assert tally.pairs == pairs
    assert tally.both_saved == 0, f"{tally.both_saved} silent overwrites in {pairs} races"
    assert tally.lost_texts == 0, f"{tally.lost_texts} refused editors lost their text"
    assert tally.other == []


def things():
    """One of every versioned thing two editors can change, and the field they race on."""
    quote = factories.QuoteFactory()
    statistic = factories.StatisticFactory()
    claim = factories.ClaimFactory(evidence=[factories.SourceFactory()])  # ours needs evidence
    story = factories.ExplainerFactory(published=True)
    add_section(story, f"[[quote:{quote.slug}]]\n\n[[statistic:{statistic.slug}]]")
    copy = publishing.working_copy(story, by=None)
    draft = factories.ExplainerFactory()
    add_section(draft, "Draft text.", heading="Where?")
    note = publishing.add_correction(story, kind="correction", text="First note.", by=None)
    key, _ = PartnerKey.objects.create_key(name="app", partner="Partner News")
    return [
        ("quote", quote, "text", lambda: Quote.objects.get(pk=quote.pk).text),
        ("statistic", statistic, "label", lambda: Statistic.objects.get(pk=statistic.pk).label),
        ("claim", claim, "explanation", lambda: Claim.objects.get(pk=claim.pk).explanation),
        ("rating", Rating.objects.first(), "description", None),
        ("person", quote.speaker, "role", None),
        ("source", quote.source, "notes", None),
        ("media", factories.MediaFactory(), "caption", None),
        ("topic", factories.TopicFactory(), "description", None),
        ("public note", note, "text", None),
        ("partner key", key, "name", None),
        ("draft explainer", draft, "title", None),
        ("live story's working copy", copy, "title", None),
        ("live story's section", copy, "sections-0-body", None),
    ]


def stored_field(obj, field):
    def read():
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        if field.startswith("sections-"):
            return fresh.sections.order_by("position").first().body
        return getattr(fresh, field)

    return read


def test_every_versioned_form_refuses_the_second_of_two_simultaneous_saves(pool, editors):
    failures = {}
    for name, obj, field, stored in things():
        path = admin_path(obj)
        VERSIONED[path] = (type(obj), obj.pk)
        audit_before = AuditEntry.objects.count()
        tally = race_saves(pool, editors, path, field, stored or stored_field(obj, field))
        try:
            check(tally)
            saves = AuditEntry.objects.count() - audit_before
            assert saves == PAIRS, f"{saves} saves recorded for {PAIRS} races"
        except AssertionError as error:
            failures[name] = str(error)
        print(
            f"{name}: {tally.pairs} races, {tally.both_saved} overwrites, {tally.lost_texts} lost"
        )
    assert failures == {}


def test_two_fact_checkers_adding_a_figure_at_once_add_one(pool, editors):
    statistic = factories.StatisticFactory()
    path = admin_path(statistic)
    VERSIONED[path] = (Statistic, statistic.pk)
    pairs = max(PAIRS // 4, 10)
    both, other = 0, []
    for n in range(pairs):
        form = editors[0].form(path)
        new_row = f"values-{int(form['values-TOTAL_FORMS']) - 1}"
        sent = [
            {**form, f"{new_row}-value": str(1000 + n), f"{new_row}-as_of": f"{2000 + n}-0{m}-01"}
            for m in (1, 2)
        ]
        responses = at_once(
            pool, *(lambda e=e, d=d: e.post(path, d) for e, d in zip(editors, sent, strict=True))
        )
        statuses = sorted(r.status_code for r in responses)
        both += statuses == [302, 302]
        if statuses != [200, 302]:
            other.append(statuses)
    assert both == 0 and other == []
    assert statistic.values.count() == 1 + pairs  # one figure a race, and the first


def test_thirty_editors_opening_a_live_story_at_once_get_pages_and_make_nothing(
    pool, editors, live_server
):
    story = factories.ExplainerFactory(published=True)
    add_section(story, "Live text.")
    path = admin_path(story)

    responses = at_once(pool, *(lambda e=editors[n % 2]: e.get(path) for n in range(30)))

    assert [r.status_code for r in responses] == [200] * 30
    assert not Explainer.objects.filter(draft_of=story).exists()


@pytest.mark.parametrize("verb", ["publish", "discard"])
def test_a_publish_or_discard_while_an_editor_saves_loses_no_text(pool, editors, verb):
    story = factories.ExplainerFactory(published=True, title="Live headline")
    add_section(story, "Live text.", heading="What?")
    copy = publishing.working_copy(story, by=None)
    path = admin_path(copy)
    pairs = max(PAIRS // 4, 10)
    lost = []
    for n in range(pairs):
        form = editors[1].form(path)  # Bea opens the working copy
        text = f"Words Bea typed in race {n}"
        button = reverse("admin:explainers_explainer_workflow", args=[copy.pk, verb])
        _, saved = at_once(
            pool,
            lambda b=button, f=form: editors[0].post(b, {"base_version": f["base_version"]}),
            lambda f=form, t=text: editors[1].post(path, {**f, "sections-0-body": t}),
        )
        kept_in_the_database = text in {
            Explainer.objects.get(pk=copy.pk).sections.get().body,
            Explainer.objects.get(pk=story.pk).sections.get().body,
        }
        kept_on_the_page = saved.status_code == 200 and text in saved.text
        if not (kept_in_the_database or kept_on_the_page):
            lost.append((n, saved.status_code))
    assert lost == []
    assert Explainer.objects.filter(draft_of=story).get().pk == copy.pk  # its identity kept
