"""Fact lists decide visibility from the time each block stores (``public_from``), which the
database keeps exactly as the rule read from the usage rows: every change, made through a
workflow verb or straight to the rows, leaves the two agreeing."""

import datetime
import io
import threading

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Min, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from claims import publishing as fact_publishing
from claims.models import FACT_MODELS, Claim, Quote, Source, Statistic, StatisticValue, citing
from explainers import public_from, publishing
from explainers.models import Explainer, SectionBlock
from explainers.publishing import SectionText, write_sections
from explainers.usage import StoryUsage
from newsroom.core.models import AuditEntry
from newsroom.models import PartnerKey
from tests.factories import (
    ClaimFactory,
    ExplainerFactory,
    PersonFactory,
    QuoteFactory,
    SourceFactory,
    StatisticFactory,
    add_section,
)

pytestmark = pytest.mark.django_db

USAGE_TABLE = SectionBlock._meta.db_table


def uses(*facts) -> str:
    return "\n\n".join(f"[[{fact.token_kind}:{fact.slug}]]" for fact in facts)


def story(*facts, **traits) -> Explainer:
    explainer = ExplainerFactory(**traits)
    add_section(explainer, uses(*facts))
    return explainer


def live_first(model):
    """The time the rule gives each block, read from the usage rows."""
    kind = model.token_kind
    first = (
        SectionBlock.objects.live_or_scheduled()
        .filter(**{kind: OuterRef("pk")})
        .order_by()
        .values(kind)
        .annotate(first=Min("section__explainer__published_at"))
        .values("first")
    )
    return dict(model.objects.annotate(live=Subquery(first)).values_list("pk", "live"))


def assert_stored_times_follow_the_usage_rows():
    index = StoryUsage()
    for model in FACT_MODELS.values():
        stored = dict(model.objects.values_list("pk", "public_from"))
        assert stored == live_first(model), model.__name__
        live = set(model.objects.filter(index.live_public_filter(model)))
        assert set(model.objects.public()) == live, model.__name__


@pytest.fixture
def facts():
    return QuoteFactory(), StatisticFactory(), ClaimFactory()


@pytest.fixture
def api_client(db):
    cache.clear()  # throttle windows and usage counters start afresh
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=PartnerKey.objects.create_key(name="stored times")[1])
    yield client
    cache.clear()


@pytest.fixture
def warm_client(api_client):
    """Key cached and this minute's usage written: a request costs only the list's queries."""
    api_client.get("/api/v1/topics/")
    api_client.get("/api/v1/topics/")
    return api_client


# The stored time follows every change ----------------------------------------------------------


def test_the_triggers_that_keep_the_times_are_installed():
    assert public_from.is_current(connection)


def test_through_the_workflow_the_stored_times_follow_the_stories(editor, facts):
    quote, statistic, claim = facts
    draft = story(quote, statistic, claim)
    assert_stored_times_follow_the_usage_rows()
    assert not Quote.objects.public().exists()

    publishing.submit_for_review(draft, by=editor)
    publishing.publish(draft, by=editor)
    assert_stored_times_follow_the_usage_rows()
    assert Quote.objects.get().public_from == Explainer.objects.get(pk=draft.pk).published_at

    earlier = story(quote, published=True)
    Explainer.objects.filter(pk=earlier.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=3)
    )
    assert_stored_times_follow_the_usage_rows()

    publishing.unpublish(earlier, by=editor)  # the earliest story goes: the next one counts
    assert_stored_times_follow_the_usage_rows()
    assert Quote.objects.public().get() == quote

    copy = publishing.working_copy(Explainer.objects.get(pk=draft.pk), by=editor)
    write_sections(copy, [SectionText.compile("", uses(statistic))])
    assert_stored_times_follow_the_usage_rows()
    assert Quote.objects.public().exists()  # unpublished changes change nothing yet

    publishing.publish(copy, by=editor)
    assert_stored_times_follow_the_usage_rows()
    assert list(Statistic.objects.public()) == [statistic]
    assert not Quote.objects.public().exists() and not Claim.objects.public().exists()

    publishing.archive(draft, by=editor)
    assert_stored_times_follow_the_usage_rows()
    assert not Statistic.objects.public().exists()

    again = story(statistic, published=True)
    publishing.delete(again, by=editor)
    assert_stored_times_follow_the_usage_rows()
    assert not Statistic.objects.public().exists()


def test_changes_made_straight_to_the_rows_are_followed_too(facts):
    quote, statistic, claim = facts
    draft = story(quote, statistic, claim)

    draft.status, draft.published_at = Explainer.Status.PUBLISHED, timezone.now()
    draft.save()  # a plain save
    assert_stored_times_follow_the_usage_rows()
    assert Quote.objects.public().exists()

    Explainer.objects.filter(pk=draft.pk).update(
        published_at=timezone.now() + datetime.timedelta(1)
    )
    assert_stored_times_follow_the_usage_rows()  # a queryset update
    assert not Quote.objects.public().exists()

    Explainer.objects.filter(pk=draft.pk).update(published_at=timezone.now())
    draft.refresh_from_db()
    draft.draft_of = ExplainerFactory(published=True)  # made a working copy
    draft.save()
    assert_stored_times_follow_the_usage_rows()
    assert not Quote.objects.public().exists()

    draft.draft_of = None
    draft.save()
    SectionBlock.objects.filter(quote=quote).delete()  # a usage row deleted
    draft.sections.first().delete()  # a section, and its rows, deleted
    assert_stored_times_follow_the_usage_rows()
    assert not Statistic.objects.public().exists()


def test_a_section_moved_to_another_story_takes_its_blocks_with_it(facts):
    quote, _statistic, _claim = facts
    draft = story(quote)
    live = ExplainerFactory(published=True)
    draft.sections.update(explainer=live)
    assert_stored_times_follow_the_usage_rows()
    assert Quote.objects.public().get() == quote


def test_a_scheduled_story_shows_its_blocks_at_its_time_with_the_stored_time_unchanged(
    monkeypatch, facts
):
    quote, statistic, claim = facts
    scheduled = story(quote, statistic, claim, scheduled=True)
    assert not Quote.objects.public().exists()
    stored = Quote.objects.get().public_from
    assert stored == scheduled.published_at

    later = scheduled.published_at + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # time passes; nothing runs

    assert Quote.objects.get().public_from == stored
    assert list(Quote.objects.public()) == [quote]
    assert list(Statistic.objects.public()) == [statistic]
    assert list(Claim.objects.public()) == [claim]


def test_saving_a_block_from_an_older_copy_keeps_the_stored_time(editor, quote):
    stale = Quote.objects.get(pk=quote.pk)  # loaded before any story used it
    story(quote, published=True)

    stale.save()
    stale.text = "Edited words."
    fact_publishing.save_fact(stale, by=editor)

    assert Quote.objects.public().get().text == "Edited words."
    assert_stored_times_follow_the_usage_rows()
    # the audit trail records the edit, not a time the edit never wrote
    assert set(AuditEntry.objects.filter(action="edited").latest("pk").changes) == {"text"}


def test_filling_the_column_computes_what_the_triggers_keep(facts):
    quote, statistic, claim = facts
    story(quote, statistic, published=True)
    story(statistic, claim, scheduled=True)
    story(claim)
    kept = {
        model: dict(model.objects.values_list("pk", "public_from"))
        for model in (Quote, Statistic, Claim)
    }
    for model in kept:
        model.objects.update(public_from=None)

    public_from.fill(connection)

    for model, times in kept.items():
        assert dict(model.objects.values_list("pk", "public_from")) == times
    assert_stored_times_follow_the_usage_rows()


def test_the_migration_fills_the_column_the_same_way(facts):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("explainers.migrations.0012_fill_public_from")
    quote, statistic, claim = facts
    story(quote, statistic, published=True)
    story(claim, scheduled=True)
    Quote.objects.update(public_from=None)
    Statistic.objects.update(public_from=timezone.now())  # wrong either way
    Claim.objects.update(public_from=None)

    migration.fill(apps, None)

    assert_stored_times_follow_the_usage_rows()


# A block only a hidden story uses stays out of lists, pages and the sitemap ---------------------

HIDDEN = {
    "draft": dict(),
    "in review": dict(in_review=True),
    "scheduled": dict(scheduled=True),
    "archived": dict(archived=True),
}


def sitemap_text(client) -> str:
    response = client.get(reverse("sitemap"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("traits", HIDDEN.values(), ids=HIDDEN.keys())
def test_a_block_only_a_hidden_story_uses_is_in_no_list_page_or_sitemap(client, api_client, traits):
    source = SourceFactory(slug="only-hidden-source")
    quote = QuoteFactory(source=source, speaker=PersonFactory(slug="only-hidden-speaker"))
    statistic = StatisticFactory(source=source)
    claim = ClaimFactory(claimant=PersonFactory(slug="only-hidden-claimant"))
    story(quote, statistic, claim, **traits)
    story(StatisticFactory(), published=True)  # something is public: the lists are not empty

    for fact, plural in ((quote, "quotes"), (statistic, "statistics"), (claim, "claims")):
        listed = api_client.get(f"/api/v1/{plural}/?page_size=100").json()["results"]
        assert fact.slug not in {item["slug"] for item in listed}
        assert api_client.get(f"/api/v1/{plural}/{fact.slug}/").status_code == 404
        assert client.get(fact.get_absolute_url()).status_code == 404
        assert fact.get_absolute_url() not in sitemap_text(client)
    sources = api_client.get("/api/v1/sources/?page_size=100").json()["results"]
    assert source.slug not in {item["slug"] for item in sources}
    people = api_client.get("/api/v1/people/?page_size=100").json()["results"]
    assert not {"only-hidden-speaker", "only-hidden-claimant"} & {p["slug"] for p in people}


def test_the_hidden_block_check_would_catch_a_leak(client, api_client):
    quote = QuoteFactory()
    draft = story(quote)
    draft.status, draft.published_at = Explainer.Status.PUBLISHED, timezone.now()
    draft.save()
    listed = api_client.get("/api/v1/quotes/").json()["results"]
    assert [item["slug"] for item in listed] == [quote.slug]
    assert client.get(quote.get_absolute_url()).status_code == 200
    assert quote.get_absolute_url() in sitemap_text(client)


# Sources: each way of citing a block, decided from the blocks' stored times --------------------


def test_a_source_is_public_exactly_while_a_public_block_cites_it():
    ways = {
        "a quote's source": lambda s: QuoteFactory(source=s),
        "a statistic's source": lambda s: StatisticFactory(source=s),
        "a value's source": lambda s: _with_value_from(StatisticFactory(), s),
        "a claim's evidence": lambda s: ClaimFactory(evidence=[s]),
        "where a claim was made": lambda s: ClaimFactory(made_in=s),
        "where a verdict was given": lambda s: ClaimFactory(verdict_source=s, verdict_by="Sky"),
    }
    for name, cite in ways.items():
        source = SourceFactory()
        draft = story(cite(source))
        assert source not in Source.objects.public(), name
        draft.status, draft.published_at = Explainer.Status.PUBLISHED, timezone.now()
        draft.save()
        assert source in Source.objects.public(), name
    assert set(Source.objects.public()) == {
        source for source in Source.objects.all() if _cites_a_public_block(source)
    }


def _with_value_from(statistic, source):
    StatisticValue.objects.create(
        statistic=statistic, value=1, as_of=datetime.date(2024, 1, 1), source=source
    )
    return statistic


def _cites_a_public_block(source) -> bool:
    """The rule read from the usage rows."""
    return any(
        citing(source, kind=kind).filter(StoryUsage().live_public_filter(model)).exists()
        for kind, model in FACT_MODELS.items()
    )


# Lists cost the same however many blocks and stories there are ------------------------------------

# The queries of each list (its key cached, cursor pages: no count): the page, with what it
# places joined in (speaker, source, role, checker; a statistic's source; a claim's rating,
# claimant, origins), and one more for a statistic's values or a claim's evidence.
LISTS = {"quotes": 1, "statistics": 2, "claims": 2, "sources": 1, "people": 1}


def grow(count: int) -> None:
    """``count`` public blocks of each kind, each used by two published stories and a draft."""
    for _ in range(count):
        facts = (QuoteFactory(), StatisticFactory(), ClaimFactory(evidence=[SourceFactory()]))
        story(*facts, published=True)
        story(*facts, published=True)
        story(*facts)


def list_queries(client, name) -> list[str]:
    client.get(f"/api/v1/{name}/?page_size=5")  # anything a first request caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/{name}/?page_size=5")
    assert response.status_code == 200
    assert response.json()["results"]
    return [query["sql"] for query in queries]


@pytest.mark.parametrize("name", LISTS)
def test_a_list_reads_no_usage_row_and_its_queries_do_not_grow(warm_client, name):
    grow(1)
    few = list_queries(warm_client, name)
    grow(12)
    many = list_queries(warm_client, name)

    assert len(few) == len(many) == LISTS[name]
    assert [sql for sql in many if USAGE_TABLE in sql] == []  # visibility from stored times


def test_the_usage_row_check_would_catch_a_list_that_reads_them(warm_client, monkeypatch):
    """Guard the guard: visibility decided from the usage rows again shows up in the SQL."""
    monkeypatch.setattr(StoryUsage, "public_filter", StoryUsage.live_public_filter)
    grow(1)
    assert [sql for sql in list_queries(warm_client, "quotes") if USAGE_TABLE in sql]


def test_the_sitemap_reads_no_usage_row(client):
    grow(2)
    with CaptureQueriesContext(connection) as queries:
        assert Quote.objects.first().get_absolute_url() in sitemap_text(client)
    assert [q["sql"] for q in queries if USAGE_TABLE in q["sql"]] == []


# The generated archive, written row by row on SQLite and by COPY on PostgreSQL ------------------


def test_the_generated_archive_has_its_blocks_public_from_its_stories():
    call_command("generate_archive", "12", "--fact-pool", "3", stdout=io.StringIO())
    assert_stored_times_follow_the_usage_rows()
    assert Quote.objects.public().count() == 3


# Two transactions at once (PostgreSQL) ----------------------------------------------------------


def _in_transaction(change, done: threading.Event, release: threading.Event, errors: list):
    """Run ``change`` in a transaction of its own connection; commit once ``release`` is set."""
    try:
        with transaction.atomic():
            change()
            done.set()
            release.wait(10)
    except Exception as error:  # reported by the test
        errors.append(error)
        done.set()
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_story_taken_down_while_another_is_published_leaves_the_right_time():
    """The earliest story using a block is taken down while a later one using it is published:
    the recomputation waits for the publication and counts it, rather than leave the block
    hidden (or shown) from a time read before the other committed."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    quote = QuoteFactory()
    earliest = story(quote, published=True)
    later = story(quote)
    later_time = timezone.now()
    errors = []
    published, taken_down, release = threading.Event(), threading.Event(), threading.Event()

    def publish():
        Explainer.objects.filter(pk=later.pk).update(
            status=Explainer.Status.PUBLISHED, published_at=later_time
        )

    def take_down():
        Explainer.objects.filter(pk=earliest.pk).update(status=Explainer.Status.DRAFT)

    publisher = threading.Thread(target=_in_transaction, args=(publish, published, release, errors))
    publisher.start()
    assert published.wait(10)  # placed, not yet committed
    commit_at_once = threading.Event()
    commit_at_once.set()
    remover = threading.Thread(
        target=_in_transaction, args=(take_down, taken_down, commit_at_once, errors)
    )
    remover.start()
    assert not taken_down.wait(1)  # its change waits for the publication to commit
    release.set()
    publisher.join(10)
    remover.join(10)
    assert not publisher.is_alive() and not remover.is_alive()

    assert errors == []
    assert Quote.objects.get().public_from == later_time
    assert_stored_times_follow_the_usage_rows()
