"""Provenance a reader can audit: each value's own qualifier, date and source, corrections and
revisions that supersede a value without editing history, the speaker's role as it was on the
day, whose verdict a rating is, dated prose that stays dated, and audit entries with before and
after."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from claims import publishing as fact_publishing
from claims.models import Claim, Quote, Rating, StatisticValue
from newsroom.models import AuditEntry, PartnerKey
from tests import factories
from tests.factories import add_section, admin_form_data

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def admin_url(obj, action, *args):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def json_ld_nodes(html) -> list[dict]:
    nodes = []
    for script in JSON_LD.findall(html):
        data = json.loads(script)
        nodes += data.get("@graph", [data])
    return nodes


def page(client, obj) -> str:
    response = client.get(obj.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def api(db):
    """A partner's API client, with its own key."""
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=PartnerKey.objects.create_key(name="app", partner="P")[1])
    return client


@pytest.fixture
def figure(db):
    """50,271 as of 11 August 2025, from the Home Office, recorded before any story here."""
    return factories.StatisticFactory(
        slug="small-boat-arrivals",
        label="Small-boat arrivals",
        source=factories.SourceFactory(publisher="Home Office"),
        values=[
            {
                "value": 50271,
                "as_of": datetime.date(2025, 8, 11),
                "recorded_at": timezone.now() - datetime.timedelta(days=2),
            }
        ],
    )


def story(kind="explainer", body="", **fields):
    explainer = factories.ExplainerFactory(published=True, kind=kind, **fields)
    add_section(explainer, body=body)
    return explainer


# A value is superseded, never edited -------------------------------------------------------------


def test_a_mistyped_value_is_corrected_everywhere_with_a_public_note(
    api, client, fact_checker, figure
):
    mistake = figure.current
    live = story(body=f"Arrivals reached [[value:{figure.slug}]].")
    pinned = story(kind="analysis", body=f"[[statistic:{figure.slug}]]")

    fact_publishing.add_value(
        figure,
        value=50721,
        as_of=mistake.as_of,
        revises=mistake,
        revision_kind=StatisticValue.Revision.CORRECTION,
        correction_note="We transposed two digits.",
        by=fact_checker,
    )

    note = "We showed 50,271; the correct figure is 50,721. We transposed two digits."
    for explainer in (live, pinned):  # a correction replaces the mistake, pinned or not
        html = page(client, explainer)
        assert "50,721" in html and "50,271</a>" not in html
        assert '<span class="stat__value">50,271</span>' not in html
        assert note in html
    mistake.refresh_from_db()
    assert mistake.value == 50271  # history is never edited
    history = page(client, figure)
    assert "<del>50,271</del>" in history and "Corrects our mistake" in history
    story_api = api.get(f"/api/v1/explainers/{live.slug}/").json()
    assert any(note == item["text"] for item in story_api["corrections"])


def test_a_correction_without_a_note_is_refused_in_the_admin(client_for, fact_checker, figure):
    checker = client_for(fact_checker)
    form = checker.get(admin_url(figure, "change", figure.pk))
    data = admin_form_data(
        form,
        **{
            "values-1-value": "50721",
            "values-1-as_of": "2025-08-11",
            "values-1-revises": str(figure.current.pk),
            "values-1-revision_kind": "correction",
            "values-1-correction_note": "",
        },
    )

    response = checker.post(admin_url(figure, "change", figure.pk), data)

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert "readers see this on every story" in str(errors)
    assert figure.values.count() == 1


def test_a_source_revision_of_the_same_date_leaves_a_pinned_analysis_as_published(
    client, fact_checker, figure
):
    live = story(body=f"Arrivals reached [[value:{figure.slug}]].")
    analysis = story(kind="analysis", body=f"Arrivals reached [[value:{figure.slug}]].")
    first = figure.current

    fact_publishing.add_value(
        figure,
        value=50300,
        as_of=first.as_of,
        revises=first,
        revision_kind=StatisticValue.Revision.REVISION,
        note="Revised in the Home Office's quarterly release.",
        by=fact_checker,
    )

    assert ">50,300</a>" in page(client, live)
    assert live.corrections.get().text == (
        "Small-boat arrivals: figure revised by the source, 50,271 → 50,300, source Home Office, "
        "as of 11 August 2025. Revised in the Home Office's quarterly release."
    )
    html = page(client, analysis)
    assert ">50,271</a>" in html and "newer figure</a>" in html
    assert not analysis.corrections.exists()
    assert [v.value for v in figure.history] == [50300, 50271]
    assert [v.is_superseded for v in figure.history] == [False, True]


def test_a_value_has_its_own_source_and_qualifier(client, fact_checker, figure):
    ons = factories.SourceFactory(publisher="Office for National Statistics")
    explainer = story(body=f"[[statistic:{figure.slug}]]")

    fact_publishing.add_value(
        figure,
        value=51000,
        as_of=datetime.date(2025, 9, 30),
        qualifier="provisional",
        source=ons,
        by=fact_checker,
    )

    html = page(client, explainer)
    assert '<span class="stat__qualifier">provisional</span>' in html
    assert "Office for National Statistics" in html
    figure.refresh_from_db()
    assert figure.source.publisher == "Home Office"  # the statistic's default is unchanged
    assert explainer.corrections.get().text.startswith(
        "Small-boat arrivals: figure updated, 50,271 → provisional 51,000, "
        "source Office for National Statistics"
    )


def test_a_public_note_on_a_fact_shows_on_its_page_and_every_story_showing_it(
    client, client_for, editor
):
    quote = factories.QuoteFactory()
    stories = [story(body=f"[[quote:{quote.slug}]]") for _ in range(2)]
    other = story(body="No quote here.")
    editor_client = client_for(editor)
    form = editor_client.get(reverse("admin:explainers_correction_add"))

    response = editor_client.post(
        reverse("admin:explainers_correction_add"),
        admin_form_data(
            form, quote=str(quote.pk), kind="clarification", text="The quote was cut short."
        ),
    )

    assert response.status_code == 302
    for html in [page(client, s) for s in stories] + [page(client, quote)]:
        assert "The quote was cut short." in html
    assert "The quote was cut short." not in page(client, other)


# Qualifiers on every surface ----------------------------------------------------------------------


def test_a_qualifier_is_kept_on_every_surface(api, client):
    figure = factories.StatisticFactory(
        label="Rise on a year earlier",
        unit="people",
        values=[{"value": 13000, "qualifier": "around"}],
    )
    explainer = story(
        body=f"[[statistic:{figure.slug}]]\n\nThis is [[value:{figure.slug}]] higher.",
        authors=["Ann Reporter"],
    )

    story_html = page(client, explainer)
    assert '<span class="stat__qualifier">around</span> <span class="stat__value">13,000' in (
        story_html.replace('<p class="stat__figure">', "")
    )
    assert "Rise on a year earlier: around 13,000, date not given" in story_html  # inline title
    fact_html = page(client, figure)
    assert '<span class="stat__qualifier">around</span> 13,000' in fact_html  # history
    source_html = page(client, figure.source)
    assert "around 13,000 people" in source_html
    fact_api = api.get(f"/api/v1/statistics/{figure.slug}/").json()
    assert fact_api["current"]["qualifier"] == "around"
    assert fact_api["history"][0]["qualifier"] == "around"
    story_api = api.get(f"/api/v1/explainers/{explainer.slug}/").json()
    [card] = [p for p in story_api["sections"][0]["body"] if p["type"] == "statistic"]
    assert card["value"]["qualifier"] == "around"
    for html in (story_html, fact_html):
        [node] = [n for n in json_ld_nodes(html) if n["@type"] == "Observation"]
        assert node["measurementQualifier"] == "around"
        assert node["description"] == "around 13,000 people"
        assert "observationDate" not in node  # the source gave no date


# The role a speaker had on the day --------------------------------------------------------------


def test_each_quote_shows_the_role_its_speaker_had_when_they_said_it(api, client, editor_client):
    speaker = factories.PersonFactory(name="Keir Starmer", role="Prime Minister")
    speaker.roles.create(
        title="Leader of the Labour Party",
        starts_on=datetime.date(2020, 4, 4),
        ends_on=datetime.date(2024, 7, 4),
    )
    speaker.roles.create(
        title="Prime Minister", name_as_used="Sir Keir Starmer", starts_on=datetime.date(2024, 7, 5)
    )
    for slug, said_on in [("as-leader", "2020-09-22"), ("as-pm", "2025-05-12")]:
        form = editor_client.get(admin_url(Quote, "add"))
        response = editor_client.post(
            admin_url(Quote, "add"),
            admin_form_data(
                form, text=f"Words {slug}.", speaker=str(speaker.pk), said_on=said_on, slug=slug
            ),
        )
        assert response.status_code == 302
    as_leader, as_pm = Quote.objects.get(slug="as-leader"), Quote.objects.get(slug="as-pm")
    story(body="[[quote:as-leader]]\n\n[[quote:as-pm]]")

    assert str(as_leader.role) == "Leader of the Labour Party"
    assert str(as_pm.role) == "Prime Minister"
    leader_page = page(client, as_leader)
    assert "Keir Starmer, Leader of the Labour Party" in leader_page
    assert "Prime Minister" not in leader_page.split("<main", 1)[1].split("Used in")[0]
    assert "Sir Keir Starmer, Prime Minister" in page(client, as_pm)
    quote_api = api.get("/api/v1/quotes/as-leader/").json()
    assert quote_api["role"]["title"] == "Leader of the Labour Party"
    [node] = [n for n in json_ld_nodes(leader_page) if n["@type"] == "Quotation"]
    assert node["creator"]["jobTitle"] == "Leader of the Labour Party"


def test_a_quote_without_a_date_or_role_says_so(api, client):
    quote = factories.QuoteFactory(said_on=None)
    story(body=f"[[quote:{quote.slug}]]")

    html = page(client, quote)

    assert "role at the time not given" in html and "Date not given" in html
    assert api.get(f"/api/v1/quotes/{quote.slug}/").json()["role"] is None


# Whose verdict --------------------------------------------------------------------------------


def claim_form(editor_client, **fields):
    form = editor_client.get(admin_url(Claim, "add"))
    return admin_form_data(
        form,
        text="Returns are higher than under the Conservatives.",
        claimant_name="The government",
        slug="returns-are-higher",
        rating=str(Rating.objects.get(slug="true").pk),
        explanation="The returns figures say so.",
        **fields,
    )


def test_our_verdict_needs_evidence_beyond_the_article_reporting_the_claim(
    client_for, fact_checker
):
    checker = client_for(fact_checker)
    article = factories.SourceFactory(publisher="Sky News")
    data = claim_form(
        checker,
        made_in=str(article.pk),
        **{"citations-TOTAL_FORMS": "1", "citations-0-source": str(article.pk)},
    )

    response = checker.post(admin_url(Claim, "add"), data)

    assert response.status_code == 200
    assert "needs at least one source of evidence" in response.content.decode()
    assert not Claim.objects.exists()


def test_a_verdict_taken_from_another_publisher_is_attributed_to_it(
    api, client, client_for, fact_checker
):
    checker = client_for(fact_checker)
    article = factories.SourceFactory(publisher="Sky News", title="The milestone")
    data = claim_form(
        checker,
        verdict_by="Sky News",
        verdict_source=str(article.pk),
        **{"citations-TOTAL_FORMS": "1", "citations-0-source": str(article.pk)},
    )

    assert checker.post(admin_url(Claim, "add"), data).status_code == 302
    claim = Claim.objects.get()
    story(body=f"[[claim:{claim.slug}]]")
    html = page(client, claim)
    assert "Claim rated by Sky News" in html
    assert "Verdict by Sky News, not by our fact-checkers" in html
    [review] = [n for n in json_ld_nodes(html) if n["@type"] == "ClaimReview"]
    assert review["author"]["name"] == "Sky News"
    assert api.get(f"/api/v1/claims/{claim.slug}/").json()["verdict_by"] == "Sky News"


def test_a_changed_rating_keeps_its_history(client, client_for, fact_checker):
    checker = client_for(fact_checker)
    claim = factories.ClaimFactory(evidence=[factories.SourceFactory()])
    fact_publishing.save_fact(claim, by=fact_checker, created=True)  # the first verdict
    story(body=f"[[claim:{claim.slug}]]")
    form = checker.get(admin_url(claim, "change", claim.pk))
    false = Rating.objects.get(slug="false")

    response = checker.post(
        admin_url(claim, "change", claim.pk),
        admin_form_data(form, rating=str(false.pk), explanation="New figures say otherwise."),
    )

    assert response.status_code == 302
    assert [entry.rating.slug for entry in claim.ratings.all()] == ["false", "misleading"]
    html = page(client, claim)
    assert "How its rating changed" in html and "New figures say otherwise." in html


# Dated prose stays dated ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "figures", "pinned"),
    [
        ("analysis", "", True),  # analysis and news pin by default
        ("news", "", True),
        ("explainer", "", False),  # evergreen explainers are live by default
        ("analysis", "live", False),
        ("explainer", "pinned", True),
    ],
)
def test_figures_in_text_follow_the_story_setting(
    client, fact_checker, figure, kind, figures, pinned
):
    explainer = story(
        kind=kind, figures=figures, body=f"Data shows [[value:{figure.slug}]] people."
    )

    fact_publishing.add_value(
        figure, value=51113, as_of=datetime.date(2025, 9, 30), by=fact_checker
    )

    html = page(client, explainer)
    if pinned:
        assert ">50,271</a>" in html and "newer figure</a>" in html
        assert not explainer.corrections.exists()
    else:
        assert ">51,113</a>" in html and "newer figure" not in html
        assert explainer.corrections.count() == 1


# Audit with before and after ---------------------------------------------------------------------


def test_an_edit_is_audited_with_each_changed_field_before_and_after(
    client_for, editor, admin_user
):
    quote = factories.QuoteFactory(text="Old words.", context="")
    editor_client = client_for(editor)
    form = editor_client.get(admin_url(quote, "change", quote.pk))

    response = editor_client.post(
        admin_url(quote, "change", quote.pk),
        admin_form_data(form, text="New words.", context="At the summit"),
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="edited").latest("pk")
    assert entry.changes == {"text": ["Old words.", "New words."], "context": ["", "At the summit"]}
    html = client_for(admin_user).get(admin_url(entry, "change", entry.pk)).content.decode()
    assert "What changed" in html
    assert "Old words." in html and "New words." in html and "At the summit" in html


def test_a_story_edit_is_audited_with_before_and_after(client_for, editor):
    from explainers.models import Explainer

    explainer = factories.ExplainerFactory(title="Old headline")
    editor_client = client_for(editor)
    form = editor_client.get(admin_url(explainer, "change", explainer.pk))

    response = editor_client.post(
        admin_url(explainer, "change", explainer.pk), admin_form_data(form, title="New headline")
    )

    assert response.status_code == 302
    assert Explainer.objects.get(pk=explainer.pk).title == "New headline"
    entry = AuditEntry.objects.filter(object_id=str(explainer.pk)).latest("pk")
    assert entry.changes["title"] == ["Old headline", "New headline"]


# Syndication ------------------------------------------------------------------------------------


def test_a_story_by_another_publisher_says_so_on_the_page_and_in_the_api(api, client):
    sky = factories.AuthorFactory(name="Sky News", kind="organisation")
    syndicated = story(
        authors=[sky],
        original_publisher="Sky News",
        original_url="https://news.sky.com/story/original",
        licence="Republished under our agreement with Sky News.",
    )
    unknown_origin = story(authors=[sky], original_publisher="Sky News")

    html = page(client, syndicated)
    assert "Originally published by" in html and "https://news.sky.com/story/original" in html
    assert "Republished under our agreement with Sky News." in html
    assert "date not given" in html  # the original's date is unknown: it is not invented
    origin = api.get(f"/api/v1/explainers/{syndicated.slug}/").json()["originally_published"]
    assert origin == {
        "publisher": "Sky News",
        "url": "https://news.sky.com/story/original",
        "published_on": None,
        "licence": "Republished under our agreement with Sky News.",
    }
    assert "(no public link given)" in page(client, unknown_origin)
    own = story()
    assert api.get(f"/api/v1/explainers/{own.slug}/").json()["originally_published"] is None


def test_editing_a_public_note_is_audited_with_before_and_after(client_for, editor):
    from explainers import publishing as story_publishing

    explainer = story()
    note = story_publishing.add_correction(
        explainer, kind="correction", text="We misspelt a name.", by=editor
    )
    desk = client_for(editor)
    url = reverse("admin:explainers_correction_change", args=[note.pk])

    response = desk.post(url, admin_form_data(desk.get(url), text="We misspelt a surname."))

    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="corrected").latest("pk")
    assert entry.changes == {"text": ["We misspelt a name.", "We misspelt a surname."]}


def test_a_facts_note_is_shown_on_the_stories_published_before_it_only(client):
    """A story published after a quote was corrected never showed the mistake: the note that
    says what was wrong is not on it."""
    import datetime

    from django.utils import timezone

    from explainers.models import Correction

    quote = factories.QuoteFactory()
    now = timezone.now()
    before = story(body=f"[[quote:{quote.slug}]]", published_at=now - datetime.timedelta(days=2))
    Correction.objects.create(
        quote=quote,
        kind=Correction.Kind.CORRECTION,
        text="An earlier version gave the wrong speaker.",
        published_at=now - datetime.timedelta(days=1),
    )
    after = story(body=f"[[quote:{quote.slug}]]", published_at=now)

    assert "An earlier version gave the wrong speaker." in page(client, before)
    assert "An earlier version gave the wrong speaker." not in page(client, after)
