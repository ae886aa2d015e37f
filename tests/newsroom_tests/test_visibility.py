"""Nothing unpublished reaches a reader: every status × every public route.

The matrix is data: add a route to PUBLIC_ROUTES and a status to HIDDEN_STATES and every
combination is tested. Each hidden story carries a unique marker in its title, text and its own
fact blocks; a route leaks if the marker appears anywhere in its response.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from claims import views as claim_views
from explainers import publishing
from explainers import views as explainer_views
from explainers.models import Explainer
from explainers.views import preview_token
from newsroom.models import PartnerKey
from tests.factories import (
    ClaimFactory,
    ExplainerFactory,
    PersonFactory,
    QuoteFactory,
    SourceFactory,
    StatisticFactory,
    TopicFactory,
    add_section,
)

pytestmark = pytest.mark.django_db

MARKER = "UNPUBLISHED-MARKER"


def unpublish(explainer):
    """Published once, then taken down: it keeps its publication date."""
    explainer.status = Explainer.Status.DRAFT
    explainer.save()


def make_working_copy(explainer):
    """Unpublished changes to a live story, even with the published status and a past date."""
    explainer.draft_of = ExplainerFactory(published=True, title="The live original")
    explainer.save()


HIDDEN_STATES = {
    "draft": dict(status=Explainer.Status.DRAFT),
    "in review": dict(status=Explainer.Status.IN_REVIEW),
    "scheduled in the future": dict(
        status=Explainer.Status.PUBLISHED,
        published_at=lambda: timezone.now() + datetime.timedelta(hours=2),
    ),
    "archived": dict(
        status=Explainer.Status.ARCHIVED,
        published_at=lambda: timezone.now() - datetime.timedelta(days=3),
    ),
    "published then unpublished": dict(
        status=Explainer.Status.PUBLISHED,
        published_at=lambda: timezone.now() - datetime.timedelta(days=1),
        then=unpublish,
    ),
    "working copy of a live story": dict(
        status=Explainer.Status.PUBLISHED,
        published_at=lambda: timezone.now() - datetime.timedelta(days=1),
        then=make_working_copy,
    ),
}


@dataclass
class World:
    hidden: Explainer
    published: Explainer
    topic: object
    shared_statistic: object  # used by both stories
    own_statistic: object  # used only by the hidden story
    own_quote: object
    own_claim: object
    own_source: object
    own_topic: object  # only the hidden story has it


def build_world(state: dict) -> World:
    topic = TopicFactory(name="Shared topic")
    own_source = SourceFactory(title=f"Source {MARKER}")
    shared = StatisticFactory(label="Shared figure")
    own_statistic = StatisticFactory(label=f"Figure {MARKER}", source=own_source)
    own_quote = QuoteFactory(
        text=f"Words {MARKER}", source=own_source, speaker=PersonFactory(name=f"Speaker {MARKER}")
    )
    own_claim = ClaimFactory(
        text=f"Claim {MARKER}", claimant=PersonFactory(name=f"Claimant {MARKER}")
    )
    own_topic = TopicFactory(name=f"Topic {MARKER}", description=f"About {MARKER}")
    own_claim.sources.add(own_source)

    published = ExplainerFactory(published=True, title="Published story", topics=[topic])
    add_section(
        published, f"Visible text with [[value:{shared.slug}]] people.", heading="A question?"
    )

    fields = {k: (v() if callable(v) else v) for k, v in state.items() if k != "then"}
    hidden = ExplainerFactory(
        title=f"Story {MARKER}",
        standfirst=f"Standfirst {MARKER}",
        topics=[topic, own_topic],
        **fields,
    )
    add_section(
        hidden,
        f"Body {MARKER} [[value:{shared.slug}]]\n\n[[statistic:{own_statistic.slug}]]\n\n"
        f"[[quote:{own_quote.slug}]]\n\n[[claim:{own_claim.slug}]]",
        heading=f"Heading {MARKER}?",
    )
    if "then" in state:
        state["then"](hidden)
    return World(
        hidden, published, topic, shared, own_statistic, own_quote, own_claim, own_source, own_topic
    )


def tampered(token: str) -> str:
    """The same signed token with its last character changed: the signature no longer matches."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


# A redirect (to the login page) or a 404: anything but the page, and never the content.
REDIRECT_OR_404 = frozenset({302, 404})

# (name, url builder, whether the page itself must be a 404, or the set of statuses it may give)
PUBLIC_ROUTES = [
    ("home", lambda w: reverse("home"), False),
    ("hidden explainer", lambda w: reverse("explainers:detail", args=[w.hidden.slug]), True),
    ("published explainer", lambda w: reverse("explainers:detail", args=[w.published.slug]), False),
    ("topic page", lambda w: reverse("explainers:topic", args=[w.topic.slug]), False),
    (
        "topic page 1 by number",
        lambda w: reverse("explainers:topic", args=[w.topic.slug]) + "?page=1",
        False,
    ),
    # one published story: there is no second page, whatever else the topic holds
    ("topic page 2", lambda w: reverse("explainers:topic", args=[w.topic.slug]) + "?page=2", True),
    ("hidden story's topic", lambda w: reverse("explainers:topic", args=[w.own_topic.slug]), True),
    (
        "shared fact page (used in)",
        lambda w: reverse("claims:statistic", args=[w.shared_statistic.slug]),
        False,
    ),
    (
        "shared fact page 1 by number",
        lambda w: reverse("claims:statistic", args=[w.shared_statistic.slug]) + "?page=1",
        False,
    ),
    (
        "shared fact page 2",
        lambda w: reverse("claims:statistic", args=[w.shared_statistic.slug]) + "?page=2",
        True,
    ),
    (
        "hidden story's statistic",
        lambda w: reverse("claims:statistic", args=[w.own_statistic.slug]),
        True,
    ),
    (
        "hidden story's statistic, page 1",
        lambda w: reverse("claims:statistic", args=[w.own_statistic.slug]) + "?page=1",
        True,
    ),
    ("hidden story's quote", lambda w: reverse("claims:quote", args=[w.own_quote.slug]), True),
    ("hidden story's claim", lambda w: reverse("claims:claim", args=[w.own_claim.slug]), True),
    ("hidden story's source", lambda w: reverse("claims:source", args=[w.own_source.slug]), True),
    (
        "shared fact's source",
        lambda w: reverse("claims:source", args=[w.shared_statistic.source.slug]),
        False,
    ),
    (
        "preview without signature",
        lambda w: reverse("explainers:preview", args=[w.hidden.pk]),
        REDIRECT_OR_404,
    ),
    (
        "shared preview with a tampered token",
        lambda w: reverse("explainers:shared_preview", args=[tampered(preview_token(w.hidden))]),
        True,
    ),
]

# The open web: search, feeds, sitemap, embeds and oEmbed (issue 5).
PUBLIC_ROUTES += [
    # lower case: the page repeats the query, and the marker check is case-sensitive
    ("search for the marker", lambda w: reverse("search") + f"?q={MARKER.lower()}", False),
    ("search for shared words", lambda w: reverse("search") + "?q=story", False),
    ("search for the shared figure", lambda w: reverse("search") + "?q=figure", False),
    ("latest feed", lambda w: reverse("feeds:latest"), False),
    ("topic feed", lambda w: reverse("feeds:topic", args=[w.topic.slug]), False),
    ("sitemap", lambda w: reverse("sitemap"), False),
    (
        "hidden story's statistic card",
        lambda w: reverse("claims:embed_statistic", args=[w.own_statistic.slug]),
        True,
    ),
    (
        "hidden story's quote card",
        lambda w: reverse("claims:embed_quote", args=[w.own_quote.slug]),
        True,
    ),
    (
        "hidden story's claim card",
        lambda w: reverse("claims:embed_claim", args=[w.own_claim.slug]),
        True,
    ),
    (
        "shared statistic card",
        lambda w: reverse("claims:embed_statistic", args=[w.shared_statistic.slug]),
        False,
    ),
    (
        "oEmbed of the hidden story's statistic",
        lambda w: (
            reverse("claims:oembed") + f"?url=http://testserver{w.own_statistic.get_absolute_url()}"
        ),
        True,
    ),
    (
        "oEmbed of the hidden story's claim",
        lambda w: (
            reverse("claims:oembed") + f"?url=http://testserver{w.own_claim.get_absolute_url()}"
        ),
        True,
    ),
    (
        "oEmbed of the shared statistic",
        lambda w: (
            reverse("claims:oembed")
            + f"?url=http://testserver{w.shared_statistic.get_absolute_url()}"
        ),
        False,
    ),
]


def expected_statuses(must_404) -> frozenset:
    if isinstance(must_404, frozenset):
        return must_404
    return frozenset({404}) if must_404 else frozenset({200})


# One world per hidden state, every route asked of it (the routes only read): the failures of
# all routes are reported together.


@pytest.mark.parametrize("state", HIDDEN_STATES.values(), ids=HIDDEN_STATES.keys())
def test_unpublished_story_is_invisible(client, state):
    world = build_world(state)
    failures = []
    for route, build_url, must_404 in PUBLIC_ROUTES:
        response = client.get(build_url(world))
        if must_404 is True and response.status_code != 404:
            failures.append(f"{route} should not exist for readers ({response.status_code})")
        elif must_404 is not True and response.status_code not in expected_statuses(must_404):
            failures.append(f"{route} answered {response.status_code}")
        if MARKER.encode() in response.content:
            failures.append(f"{route} leaks the unpublished story")
    assert failures == []


def api(path: str) -> str:
    return f"/api/v1/{path}"


# The partner API, asked with a valid key: (name, url builder, whether it must be a 404).
API_ROUTES = [
    ("api explainer list", lambda w: api("explainers/?page_size=100"), False),
    (
        "api explainer list by shared topic",
        lambda w: api(f"explainers/?topic={w.topic.slug}"),
        False,
    ),
    (
        "api explainer list, newest updates",
        lambda w: api("explainers/?ordering=-updated_at"),
        False,
    ),
    ("api explainer search", lambda w: api(f"explainers/?q={MARKER}"), False),
    ("api explainer sync", lambda w: api("explainers/?updated_since=2000-01-01T00:00:00Z"), False),
    ("api hidden explainer", lambda w: api(f"explainers/{w.hidden.slug}/"), True),
    ("api published explainer", lambda w: api(f"explainers/{w.published.slug}/"), False),
    ("api topic list (counts)", lambda w: api("topics/"), False),
    ("api shared topic (count)", lambda w: api(f"topics/{w.topic.slug}/"), False),
    ("api hidden story's topic", lambda w: api(f"topics/{w.own_topic.slug}/"), True),
    ("api quote list", lambda w: api("quotes/?page_size=100"), False),
    ("api statistic list", lambda w: api("statistics/?page_size=100"), False),
    ("api claim list", lambda w: api("claims/?page_size=100"), False),
    ("api source list", lambda w: api("sources/?page_size=100"), False),
    ("api people list", lambda w: api("people/?page_size=100"), False),
    (
        "api shared statistic (used in)",
        lambda w: api(f"statistics/{w.shared_statistic.slug}/"),
        False,
    ),
    ("api hidden story's statistic", lambda w: api(f"statistics/{w.own_statistic.slug}/"), True),
    ("api hidden story's quote", lambda w: api(f"quotes/{w.own_quote.slug}/"), True),
    ("api hidden story's claim", lambda w: api(f"claims/{w.own_claim.slug}/"), True),
    ("api hidden story's source", lambda w: api(f"sources/{w.own_source.slug}/"), True),
    ("api hidden story's speaker", lambda w: api(f"people/{w.own_quote.speaker.slug}/"), True),
    ("api hidden story's claimant", lambda w: api(f"people/{w.own_claim.claimant.slug}/"), True),
    (
        "api shared fact's source",
        lambda w: api(f"sources/{w.shared_statistic.source.slug}/"),
        False,
    ),
]


@pytest.fixture
def api_client(db):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=PartnerKey.objects.create_key(name="leak matrix")[1])
    return client


@pytest.mark.parametrize("state", HIDDEN_STATES.values(), ids=HIDDEN_STATES.keys())
def test_unpublished_story_is_invisible_to_partners(api_client, state):
    world = build_world(state)
    failures = []
    for route, build_url, must_404 in API_ROUTES:
        response = api_client.get(build_url(world))
        if must_404 and response.status_code != 404:
            failures.append(f"{route} should not exist for partners ({response.status_code})")
        elif not must_404 and response.status_code != 200:
            failures.append(f"{route} answered {response.status_code}: {response.content[:200]}")
        if MARKER.encode() in response.content:
            failures.append(f"{route} leaks the unpublished story")
        if route.startswith("api shared topic") and response.json()["explainer_count"] != 1:
            failures.append(f"{route}: the count includes the hidden story")
    assert failures == []


def test_api_matrix_would_catch_a_leak(api_client):
    """Once published, the hidden story shows up on the API routes above."""
    world = build_world(HIDDEN_STATES["draft"])
    world.hidden.status = Explainer.Status.PUBLISHED
    world.hidden.published_at = timezone.now() - datetime.timedelta(minutes=1)
    world.hidden.save()
    for name, build_url, _ in API_ROUTES:
        if name in {
            "api shared fact's source",
            "api published explainer",
            "api shared topic (count)",
        }:
            continue  # these never show the hidden story's text (the count is checked below)
        response = api_client.get(build_url(world))
        assert response.status_code == 200, name
        assert MARKER.encode() in response.content, name
    assert api_client.get(api(f"topics/{world.topic.slug}/")).json()["explainer_count"] == 2


def test_matrix_would_catch_a_leak(client):
    """Guard the guard: once published, the same story shows up on the routes above."""
    world = build_world(HIDDEN_STATES["draft"])
    world.hidden.status = Explainer.Status.PUBLISHED
    world.hidden.published_at = timezone.now() - datetime.timedelta(minutes=1)
    world.hidden.save()
    for path in (
        reverse("home"),
        reverse("explainers:detail", args=[world.hidden.slug]),
        reverse("claims:statistic", args=[world.own_statistic.slug]),
        reverse("claims:source", args=[world.own_source.slug]),
    ):
        assert MARKER.encode() in client.get(path).content


def test_topic_with_only_hidden_stories_is_not_found(client):
    topic = TopicFactory()
    ExplainerFactory(topics=[topic])
    assert client.get(reverse("explainers:topic", args=[topic.slug])).status_code == 404


# Counts and page numbers leak too: a hidden story must not make a list one longer.


@pytest.mark.parametrize("state", HIDDEN_STATES.values(), ids=HIDDEN_STATES.keys())
def test_hidden_story_adds_no_page_to_its_topic(client, monkeypatch, state):
    monkeypatch.setattr(explainer_views, "TOPIC_PAGE_SIZE", 1)
    world = build_world(state)
    url = reverse("explainers:topic", args=[world.topic.slug])
    assert client.get(url).context["page"].paginator.count == 1
    assert client.get(url + "?page=2").status_code == 404


def test_topic_page_check_would_catch_a_leak(client, monkeypatch):
    monkeypatch.setattr(explainer_views, "TOPIC_PAGE_SIZE", 1)
    world = build_world(HIDDEN_STATES["draft"])
    world.hidden.status = Explainer.Status.PUBLISHED
    world.hidden.published_at = timezone.now() - datetime.timedelta(minutes=1)
    world.hidden.save()
    url = reverse("explainers:topic", args=[world.topic.slug])
    assert client.get(url).context["page"].paginator.count == 2
    assert MARKER.encode() in client.get(url).content  # the newer story comes first


@pytest.mark.parametrize("state", HIDDEN_STATES.values(), ids=HIDDEN_STATES.keys())
def test_hidden_story_is_not_counted_on_a_fact_page(client, monkeypatch, state):
    monkeypatch.setattr(claim_views, "STORIES_LISTED", 1)
    world = build_world(state)
    url = reverse("claims:statistic", args=[world.shared_statistic.slug])
    assert "Used in 1 story<" in client.get(url).content.decode()
    assert client.get(url + "?page=2").status_code == 404


def test_fact_page_count_check_would_catch_a_leak(client, monkeypatch):
    monkeypatch.setattr(claim_views, "STORIES_LISTED", 1)
    world = build_world(HIDDEN_STATES["draft"])
    world.hidden.status = Explainer.Status.PUBLISHED
    world.hidden.published_at = timezone.now() - datetime.timedelta(minutes=1)
    world.hidden.save()
    url = reverse("claims:statistic", args=[world.shared_statistic.slug])
    assert "Used in 2 stories" in client.get(url).content.decode()
    assert client.get(url + "?page=2").status_code == 200


def _hidden_quote_cites_the_shared_source(world):
    world.own_quote.source = world.shared_statistic.source
    world.own_quote.save()
    return reverse("claims:source", args=[world.shared_statistic.source.slug])


@pytest.mark.parametrize("state", HIDDEN_STATES.values(), ids=HIDDEN_STATES.keys())
def test_hidden_story_is_not_counted_on_a_source_page(client, state):
    world = build_world(state)
    response = client.get(_hidden_quote_cites_the_shared_source(world))
    assert response.context["statistics"].total == 1
    assert response.context["quotes"].total == 0
    assert MARKER.encode() not in response.content


def test_source_page_count_check_would_catch_a_leak(client):
    world = build_world(HIDDEN_STATES["draft"])
    url = _hidden_quote_cites_the_shared_source(world)
    world.hidden.status = Explainer.Status.PUBLISHED
    world.hidden.published_at = timezone.now() - datetime.timedelta(minutes=1)
    world.hidden.save()
    assert client.get(url).context["quotes"].total == 1


def test_scheduled_story_appears_when_its_time_comes_without_any_job(client, statistic):
    explainer = ExplainerFactory(scheduled=True)
    add_section(explainer, f"[[statistic:{statistic.slug}]]")
    url = explainer.get_absolute_url()
    assert client.get(url).status_code == 404
    Explainer.objects.filter(pk=explainer.pk).update(
        published_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get(url).status_code == 200
    assert client.get(statistic.get_absolute_url()).status_code == 200


# Routes that list pages by URL (sitemap, feeds, search) leak by linking to a hidden page, even
# when no marker text appears: check every hidden URL too.
LISTING_ROUTES = {
    "sitemap": lambda w: reverse("sitemap"),
    "latest feed": lambda w: reverse("feeds:latest"),
    "topic feed": lambda w: reverse("feeds:topic", args=[w.topic.slug]),
    "search": lambda w: reverse("search") + f"?q={MARKER.lower()}",
}


def hidden_urls(world: World) -> list[str]:
    return [
        world.hidden.get_absolute_url(),
        world.own_statistic.get_absolute_url(),
        world.own_quote.get_absolute_url(),
        world.own_claim.get_absolute_url(),
    ]


@pytest.mark.parametrize("state", HIDDEN_STATES.values(), ids=HIDDEN_STATES.keys())
@pytest.mark.parametrize("route", LISTING_ROUTES.keys())
def test_listings_never_link_to_hidden_pages(client, state, route):
    world = build_world(state)
    content = client.get(LISTING_ROUTES[route](world)).content.decode()
    for url in hidden_urls(world):
        assert url not in content, f"{route} links to {url}"


@pytest.mark.parametrize("route", LISTING_ROUTES.keys())
def test_listing_check_would_catch_a_leak(client, route):
    world = build_world(HIDDEN_STATES["draft"])
    world.hidden.status = Explainer.Status.PUBLISHED
    world.hidden.published_at = timezone.now() - datetime.timedelta(minutes=1)
    world.hidden.save()
    content = client.get(LISTING_ROUTES[route](world)).content.decode()
    assert world.hidden.get_absolute_url() in content


def test_card_check_would_catch_a_leak(client):
    world = build_world(HIDDEN_STATES["draft"])
    world.hidden.status = Explainer.Status.PUBLISHED
    world.hidden.published_at = timezone.now() - datetime.timedelta(minutes=1)
    world.hidden.save()
    card = client.get(reverse("claims:embed_statistic", args=[world.own_statistic.slug]))
    assert MARKER.encode() in card.content
    oembed = client.get(
        reverse("claims:oembed") + f"?url=http://testserver{world.own_claim.get_absolute_url()}"
    )
    assert MARKER in oembed.json()["title"]


# Taken down after readers saw it, with the page cache on ----------------------------------------

TAKE_DOWNS = {
    "unpublished": lambda story, by: publishing.unpublish(story, by=by),
    "archived": lambda story, by: publishing.archive(story, by=by),
    "deleted": lambda story, by: publishing.delete(story, by=by),
}


@pytest.mark.parametrize("take_down", TAKE_DOWNS.values(), ids=TAKE_DOWNS.keys())
def test_a_story_taken_down_leaves_no_cached_page_behind(
    client, editor, page_cache, django_capture_on_commit_callbacks, take_down
):
    world = build_world({"status": Explainer.Status.PUBLISHED, "published_at": timezone.now()})
    routes = [(name, build(world), must_404) for name, build, must_404 in PUBLIC_ROUTES]
    seen = [url for _, url, _ in routes if MARKER.encode() in client.get(url).content]
    assert len(seen) > 10  # the story was public, and its pages are cached now
    assert client.get(world.hidden.get_absolute_url())["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        take_down(world.hidden, editor)

    for name, url, must_404 in routes:
        response = client.get(url)
        if must_404 is True:
            assert response.status_code == 404, f"{name} still exists ({url})"
        else:
            assert response.status_code in expected_statuses(must_404), name
        assert MARKER.encode() not in response.content, f"{name} still shows the story ({url})"


def test_the_take_down_check_would_catch_a_cache_that_kept_the_page(
    client, editor, page_cache, django_capture_on_commit_callbacks
):
    world = build_world({"status": Explainer.Status.PUBLISHED, "published_at": timezone.now()})
    url = world.hidden.get_absolute_url()
    client.get(url)

    publishing.unpublish(world.hidden, by=editor)  # its refresh never runs: nothing commits

    assert MARKER.encode() in client.get(url).content


# --- Webhooks: partners are pushed nothing a reader could not see ----------------------------


def touch_everything(world: World) -> None:
    """Every verb that tells partners of a change, on everything the hidden story shows."""
    from decimal import Decimal

    from claims import publishing as facts
    from explainers.models import Correction

    for fact in (world.own_quote, world.own_claim, world.own_statistic, world.shared_statistic):
        facts.save_fact(fact, by=None)
    facts.add_value(world.own_statistic, value=Decimal(7), as_of=datetime.date(2025, 1, 2), by=None)
    facts.add_value(
        world.shared_statistic, value=Decimal(8), as_of=datetime.date(2025, 1, 3), by=None
    )
    publishing.add_fact_note(
        world.own_quote, kind=Correction.Kind.CLARIFICATION, text="A note.", by=None
    )
    publishing.add_correction(world.hidden, kind=Correction.Kind.CORRECTION, text="Fixed.", by=None)


@pytest.mark.parametrize("state", HIDDEN_STATES.values(), ids=HIDDEN_STATES.keys())
def test_webhooks_never_carry_an_unpublished_story(state, receiver, endpoint, committed, run_tasks):
    from newsroom.models import WebhookEvent

    world = build_world(state)
    committed(touch_everything, world)
    committed(publishing.archive, world.hidden, by=None)  # partners never knew it: not news
    run_tasks()
    payloads = list(WebhookEvent.objects.values_list("type", "payload"))
    assert payloads, "the published story's shared figure changed: partners hear of that"
    assert [kind for kind, payload in payloads if MARKER in payload] == []
    assert [kind for kind, payload in payloads if f'"{world.hidden.slug}"' in payload] == []
    assert [r for r in receiver.received if MARKER.encode() in r.body] == []
    # (a working copy's note and take-down land on its live original, which partners know)
    assert {kind for kind, _ in payloads} <= {
        "story.updated",
        "story.corrected",
        "fact.updated",
        "statistic.value_added",
        "story.unpublished",
    }


def test_the_webhook_matrix_would_catch_a_leak(receiver, endpoint, committed, run_tasks):
    """Published, the hidden story's facts and text reach partners through the same verbs."""
    from newsroom.models import WebhookEvent

    world = build_world(HIDDEN_STATES["draft"])
    world.hidden.status = Explainer.Status.PUBLISHED
    world.hidden.published_at = timezone.now() - datetime.timedelta(minutes=1)
    world.hidden.save()
    committed(touch_everything, world)
    run_tasks()
    leaked = {
        kind
        for kind, payload in WebhookEvent.objects.values_list("type", "payload")
        if MARKER in payload
    }
    assert leaked == {"story.updated", "story.corrected", "fact.updated", "statistic.value_added"}
