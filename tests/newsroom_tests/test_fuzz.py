"""Generated input on every public query parameter and every admin workflow endpoint: whatever
arrives, the answer is a page or a 4xx with a message, never a 5xx.

Hypothesis generates the values: any text (control characters and NUL included, which
PostgreSQL refuses in a query), numbers at and past every limit, and dates that look right but
cannot be. The partner API's parameters are fuzzed against its schema by schemathesis in CI
(``.ci/fuzz-api``); a few API calls are here too, for the values a schema never describes.
"""

import datetime
import os

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainers.models import Explainer
from newsroom.models import PartnerKey
from tests import factories
from tests.factories import add_section

pytestmark = pytest.mark.django_db

# A few generated values per parameter in `make test`; CI's PostgreSQL run asks for more.
EXAMPLES = settings(
    max_examples=int(os.environ.get("NEWSROOM_FUZZ_EXAMPLES", "4")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no example files left behind; the NASTY list is the memory
)

# Text as it arrives in a URL or a form: anything, including what a database refuses.
anything = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["", "\x00", "%00", " ", "0", "-1", "1e309", "NaN", "9" * 400, "[[quote:x]]"]),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
dates = st.one_of(
    st.datetimes(
        min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31)
    ).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.from_regex(r"\A[0-9]{1,5}-[0-9]{1,3}-[0-9]{1,3}(T[0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3})?)?\Z"),
    anything,
)
values = st.one_of(anything, numbers, dates)

# Values tried on every parameter, whatever Hypothesis draws besides.
NASTY = [
    "",
    "\x00",
    "a\x00b",
    "%",
    "'",
    '"',
    "\\",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "9" * 400,
    "-1",
    "0",
    "1e309",
    "2026-13-45T99:99",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "http://[::1",
    "[[quote:nothing]]",
    "\ud7ff\ue000\uffff",
]


@pytest.fixture
def world(db):
    """One published story and a draft, with a fact of each kind."""
    statistic = factories.StatisticFactory()
    quote, claim = factories.QuoteFactory(), factories.ClaimFactory()
    topic = factories.TopicFactory()
    story = factories.ExplainerFactory(published=True, topics=[topic])
    add_section(
        story,
        f"Text [[value:{statistic.slug}]].\n\n[[quote:{quote.slug}]]\n\n[[claim:{claim.slug}]]",
        heading="What?",
    )
    draft = factories.ExplainerFactory(topics=[topic])
    add_section(draft, "Draft text.")
    return {
        "story": story,
        "draft": draft,
        "statistic": statistic,
        "quote": quote,
        "claim": claim,
        "topic": topic,
    }


def each_value(check) -> None:
    """``check(value)`` for every NASTY value, then for values Hypothesis generates."""
    for value in NASTY:
        check(value)
    given(value=values)(EXAMPLES(check))()


def no_server_error(response, what):
    assert response.status_code < 500, f"{what} answered {response.status_code}"


# (page, parameter): every public page that reads a query parameter, and one that reads none.
PUBLIC = {
    "search": (lambda w: reverse("search"), "q"),
    "home": (lambda w: reverse("home"), "page"),
    "topic page": (lambda w: w["topic"].get_absolute_url(), "page"),
    "statistic page": (lambda w: w["statistic"].get_absolute_url(), "page"),
    "quote page": (lambda w: w["quote"].get_absolute_url(), "page"),
    "claim page": (lambda w: w["claim"].get_absolute_url(), "page"),
    "source page": (lambda w: w["statistic"].source.get_absolute_url(), "page"),
    "oembed url": (lambda w: reverse("claims:oembed"), "url"),
    "oembed format": (lambda w: reverse("claims:oembed"), "format"),
    "oembed maxwidth": (lambda w: reverse("claims:oembed"), "maxwidth"),
    "oembed maxheight": (lambda w: reverse("claims:oembed"), "maxheight"),
    "sitemap": (lambda w: reverse("sitemap"), "p"),
    "latest feed": (lambda w: reverse("feeds:latest"), "page"),
    "story": (lambda w: w["story"].get_absolute_url(), "utm_source"),
}


@pytest.mark.parametrize("page", PUBLIC.values(), ids=PUBLIC.keys())
def test_no_public_query_parameter_makes_a_server_error(world, page):
    build, parameter = page
    path = build(world)

    def check(value):
        response = Client().get(path, {parameter: value})
        if parameter == "format" and response.status_code == 501:
            # oEmbed's own answer to a format it does not offer (https://oembed.com, 2.3.4)
            assert response.json() == {"error": "Only the json format is supported."}
            return
        no_server_error(response, f"{path}?{parameter}={value!r}")

    each_value(check)


@pytest.mark.parametrize(
    "kind", ["explainers", "topics", "facts/quotes", "sources", "preview/shared", "embed/claims"]
)
def test_no_public_path_makes_a_server_error(world, kind):
    def check(value):
        path = f"/{kind}/{value.replace('/', '').replace('?', '').replace('#', '')}/"
        no_server_error(Client().get(path), repr(path))

    each_value(check)


def test_no_csp_report_makes_a_server_error(world):
    def check(value):
        body = value.encode("utf-8", "surrogatepass")
        response = Client().post("/csp-report/", body, content_type="application/csp-report")
        no_server_error(response, f"/csp-report/ with {body[:40]!r}")

    each_value(check)


@pytest.mark.parametrize(
    "parameter",
    ["q", "topic", "kind", "updated_since", "published_after", "quote", "ordering", "cursor"],
)
def test_no_api_parameter_makes_a_server_error(world, parameter):
    _, key = PartnerKey.objects.create_key(name="fuzz", partner="Fuzz", rate_limit=10**6)
    client = Client(HTTP_X_API_KEY=key)

    def check(value):
        response = client.get("/api/v1/explainers/", {parameter: value})
        no_server_error(response, f"/api/v1/explainers/?{parameter}={value!r}")

    each_value(check)


# The admin, as a signed-in editor -----------------------------------------------------------------


@pytest.fixture
def desk(editor):
    client = Client()
    client.force_login(editor)
    return client


VERBS = [
    "submit", "publish", "publish_now", "schedule", "unpublish", "archive", "discard", "correct",
]  # fmt: skip


@pytest.mark.parametrize("verb", VERBS)
def test_no_workflow_post_makes_a_server_error(desk, world, verb):
    """Each value in every field the workflow buttons send, on a live story and on a draft."""
    sent = 0

    def check(value):
        nonlocal sent
        sent += 1
        explainer = world["story"] if sent % 2 else world["draft"]
        explainer = Explainer.objects.filter(pk=explainer.pk).first() or world["draft"]
        data = {"publish_at": value, "kind": value, "text": value, "base_version": value}
        response = desk.post(f"/admin/explainers/explainer/{explainer.pk}/workflow/{verb}/", data)
        no_server_error(response, f"{verb} with {value!r}")

    each_value(check)


ADMIN_LISTS = {
    "stories search": ("admin:explainers_explainer_changelist", "q"),
    "stories using a block": ("admin:explainers_explainer_changelist", "uses"),
    "stories by year": ("admin:explainers_explainer_changelist", "published_at__year"),
    "stories by status": ("admin:explainers_explainer_changelist", "status__exact"),
    "stories sorted": ("admin:explainers_explainer_changelist", "o"),
    "block picker": ("admin:explainers_explainer_block_search", "term"),
    "quotes search": ("admin:claims_quote_changelist", "q"),
    "statistics for review": ("admin:claims_statistic_changelist", "review"),
    "claims search": ("admin:claims_claim_changelist", "q"),
    "sources search": ("admin:claims_source_changelist", "q"),
}


@pytest.mark.parametrize("page", ADMIN_LISTS.values(), ids=ADMIN_LISTS.keys())
def test_no_admin_list_or_search_parameter_makes_a_server_error(desk, world, page):
    name, parameter = page

    def check(value):
        no_server_error(
            desk.get(reverse(name), {parameter: value}), f"{name}?{parameter}={value!r}"
        )

    each_value(check)


@pytest.mark.parametrize("parameter", ["a", "b"])
def test_no_revision_comparison_makes_a_server_error(desk, world, parameter):
    url = reverse("admin:explainers_explainer_revisions", args=[world["draft"].pk])

    def check(value):
        no_server_error(desk.get(url, {"a": "1", "b": "1", parameter: value}), repr(value))

    each_value(check)


@given(number=st.integers(min_value=0, max_value=2**40))
@EXAMPLES
def test_no_restore_makes_a_server_error(desk, world, number):
    url = f"/admin/explainers/explainer/{world['draft'].pk}/revisions/{number}/restore/"

    no_server_error(desk.post(url), f"restore revision {number}")


def test_an_admin_address_with_a_null_character_is_refused_in_words(desk, world):
    response = desk.get(reverse("admin:explainers_explainer_changelist"), {"status__exact": "\x00"})

    assert response.status_code == 400
    assert "null character" in response.content.decode()
