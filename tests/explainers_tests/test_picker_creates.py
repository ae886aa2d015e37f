"""The block picker finds facts by their source's publisher and creates the ones that are not
there yet: "New quote…", "New statistic…", "New claim…", each through the facts app's verbs,
unchecked, with a short slug, and answered with the token to insert."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.models import Claim, Person, Quote, Source, Statistic
from newsroom.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

SEARCH = "admin:explainers_explainer_block_search"


def new_url(kind):
    return reverse("admin:explainers_explainer_new_fact", args=[kind])


def ids(response):
    return [child["id"] for group in response.json()["results"] for child in group["children"]]


@pytest.fixture
def desk(client_for, role_editor):
    return client_for(role_editor)


def test_the_picker_finds_facts_by_their_sources_publisher(desk):
    home_office = factories.SourceFactory(publisher="Home Office")
    statistic = factories.StatisticFactory(label="Crossings", source=home_office)
    quote = factories.QuoteFactory(source=home_office)
    factories.StatisticFactory(label="Unrelated")

    found = ids(desk.get(reverse(SEARCH), {"term": "home office"}))

    assert f"[[statistic:{statistic.slug}]]" in found and f"[[quote:{quote.slug}]]" in found
    assert not any("unrelated" in token for token in found)


def test_an_empty_search_offers_to_create_what_the_user_may(desk, editor_client):
    assert ids(desk.get(reverse(SEARCH), {"term": "Rwanda"})) == ["new:quote", "new:statistic"]
    assert ids(editor_client.get(reverse(SEARCH), {"term": "Rwanda"})) == [
        "new:quote",
        "new:statistic",
        "new:claim",  # only those who may give verdicts
    ]


def test_a_new_quote_with_a_new_speaker_and_source_is_created_unchecked(desk, role_editor):
    response = desk.post(
        new_url("quote"),
        {
            "text": "In a diverse nation like ours, we risk becoming an island of strangers.",
            "new_speaker_name": "Keir Starmer",
            "new_speaker_role": "Prime Minister",
            "said_on": "",
            "said_on_precision": "day",
            "medium": "speech",
            "new_source_publisher": "Prime Minister's Office",
            "new_source_title": "Speech on immigration",
            "new_source_kind": "speech",
            "new_source_url": "gov.uk/speech",
        },
    )

    assert response.status_code == 200, response.content.decode()
    quote = Quote.objects.get()
    assert response.json()["token"] == f"[[quote:{quote.slug}]]"
    assert quote.slug == "keir-starmer-diverse-nation-like-ours-risk"  # short, not the sentence
    assert (quote.speaker.name, str(quote.role), quote.said_on) == (
        "Keir Starmer",
        "Prime Minister",
        None,
    )
    assert quote.source.url == "https://gov.uk/speech" and quote.source.kind == "speech"
    assert not quote.is_checked and quote.updated_by == role_editor
    # the person, their role as the source gives it, the source and the quote: each audited
    created = AuditEntry.objects.filter(action="created", actor=role_editor)
    assert sorted(created.values_list("content_type__model", flat=True)) == sorted(
        ["person", "personrole", "source", "quote"]
    )


def test_a_new_statistic_reads_the_number_as_written(desk):
    source = factories.SourceFactory(publisher="Home Office")

    response = desk.post(
        new_url("statistic"),
        {
            "label": "Small-boat crossings since the election",
            "value": "50,271",
            "qualifier": "more than",
            "as_of": "2025-08-11",
            "unit": "people",
            "source": str(source.pk),
        },
    )

    assert response.status_code == 200, response.content.decode()
    statistic = Statistic.objects.get()
    assert response.json()["token"] == f"[[statistic:{statistic.slug}]]"
    current = statistic.current
    assert (current.value, current.qualifier, current.as_of) == (
        Decimal(50271),
        "more than",
        datetime.date(2025, 8, 11),
    )
    assert statistic.source == source


@pytest.mark.parametrize(
    "written, value, prefix",
    [("1.6bn", 1_600_000_000, ""), ("£700m", 700_000_000, "£"), ("$2.5bn", 2_500_000_000, "$")],
)
def test_money_is_read_as_written(desk, written, value, prefix):
    source = factories.SourceFactory()
    data = {"label": "Export finance", "value": written, "source": str(source.pk)}

    assert desk.post(new_url("statistic"), data).status_code == 200
    statistic = Statistic.objects.get()
    assert statistic.current.value == value
    assert statistic.prefix == prefix  # readers see £700m, not 700m
    assert statistic.format(statistic.current.value).startswith(prefix or "1")


def test_a_currency_that_contradicts_the_prefix_is_refused(desk):
    source = factories.SourceFactory()
    data = {"label": "X", "value": "£5m", "prefix": "$", "source": str(source.pk)}

    response = desk.post(new_url("statistic"), data)

    assert response.status_code == 400 and "the prefix says otherwise" in response.content.decode()
    assert not Statistic.objects.exists()


@pytest.mark.parametrize("field", ["source", "speaker"])
def test_a_picked_record_that_is_no_id_is_refused_not_a_500(desk, field):
    data = {"text": "Words.", "new_speaker_name": "A Person", field: "abc"}
    if field == "speaker":
        data.pop("new_speaker_name")

    response = desk.post(new_url("quote"), data)

    assert response.status_code == 400
    assert not Quote.objects.exists()


@pytest.mark.parametrize(
    "data, error",
    [
        ({"text": "Words.", "said_on_precision": "day"}, "Say who said it"),
        (
            {"text": "Words.", "new_speaker_name": "A Person", "said_on_precision": "day"},
            "Say where it comes from",
        ),
        (
            {
                "text": "Words.",
                "new_speaker_name": "A Person",
                "said_on_precision": "day",
                "new_source_publisher": "Only a publisher",
            },
            "needs its publisher, title and kind",
        ),
        (
            {"text": "Words.", "new_speaker_name": "A", "said_on": "31/02/2025",
             "said_on_precision": "day", "new_source_publisher": "P", "new_source_title": "T",
             "new_source_kind": "speech"},
            "Enter a valid date",
        ),
    ],
)  # fmt: skip
def test_a_refused_new_quote_says_why_and_saves_nothing(desk, data, error):
    response = desk.post(new_url("quote"), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Quote.objects.exists() and not Person.objects.exists()
    assert not Source.objects.exists()


@pytest.mark.parametrize("written", ["about fifty", "1,6", "12,34", "5 lakh", "1e6"])
def test_a_bad_number_is_refused(desk, written):
    """ "1,6" could be 1.6 or 16: it is refused, never read as either."""
    source = factories.SourceFactory()
    response = desk.post(
        new_url("statistic"), {"label": "X", "value": written, "source": str(source.pk)}
    )

    assert response.status_code == 400 and "Write a number" in response.content.decode()
    assert not Statistic.objects.exists()


def test_a_new_claim_needs_a_fact_checker_and_evidence(desk, client_for, fact_checker):
    data = {
        "text": "Returns are up.",
        "claimant_name": "The government",
        "rating": str(factories.Rating.objects.get(slug="true").pk),
        "explanation": "The figures show it.",
    }
    assert desk.post(new_url("claim"), data).status_code == 403

    checker = client_for(fact_checker)
    refused = checker.post(new_url("claim"), data)
    assert refused.status_code == 400 and "Say where it comes from" in refused.content.decode()

    evidence = factories.SourceFactory(publisher="Home Office")
    response = checker.post(new_url("claim"), {**data, "source": str(evidence.pk)})
    assert response.status_code == 200
    claim = Claim.objects.get()
    assert list(claim.sources.all()) == [evidence] and claim.is_our_verdict
    assert [r.rating.slug for r in claim.ratings.all()] == ["true"]


def test_the_form_comes_prefilled_with_what_was_searched(desk):
    response = desk.get(new_url("quote"), {"text": "island of strangers"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "island of strangers</textarea>" in html
    assert 'action="/admin/explainers/explainer/blocks/new/quote/"' in html


def test_an_unknown_kind_is_not_found(desk):
    assert desk.get(new_url("rumour")).status_code == 404


def test_a_writer_without_add_permission_is_refused(client_for):
    outsider = factories.UserFactory(is_staff=True)
    assert client_for(outsider).get(new_url("quote")).status_code == 403


def test_creating_a_fact_from_the_picker_costs_a_fixed_number_of_queries(desk):
    """Form, permission checks, the new records, their audit entries and versions: a fixed
    cost, however many facts, people and sources already exist."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    warm = {
        "text": "Warm-up.",
        "new_speaker_name": "W",
        "new_source_publisher": "Warm",
        "new_source_title": "Up",
        "new_source_kind": "broadcast",
        "said_on_precision": "day",
    }
    # Per-process caches (content types of every model created below), whichever test ran first.
    assert desk.post(new_url("quote"), warm).status_code == 200
    for existing in (0, 20):
        for _ in range(existing):
            factories.QuoteFactory()
        data = {
            "text": f"Words said {existing}.",
            "new_speaker_name": f"Speaker {existing}",
            "new_source_publisher": "Sky News",
            "new_source_title": f"Interview {existing}",
            "new_source_kind": "broadcast",
            "said_on_precision": "day",
        }
        with CaptureQueriesContext(connection) as queries:
            assert desk.post(new_url("quote"), data).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 28, counts
