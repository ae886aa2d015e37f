"""Fact block forms as editors type into them: figures with thousands separators and no trailing
zeros, the values table first on a statistic, short slugs for quotes and claims."""

import datetime
from decimal import Decimal

import pytest

from claims.admin import FigureField
from claims.models import Claim, Quote, Statistic, StatisticValue
from tests import factories
from tests.claims_tests.test_admin import admin_url, change_url, claim_data, quote_data
from tests.claims_tests.test_admin import statistic_data as new_statistic_data
from tests.factories import admin_form_data

pytestmark = pytest.mark.django_db


def value_errors(response) -> list[str]:
    """The errors of the values inline's forms, flattened to strings."""
    formset = response.context["inline_admin_formsets"][0].formset
    return [str(message) for errors in formset.errors for message in errors.get("value", [])]


# Figures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("50271.0000", "50,271"),
        ("700000000.0000", "700,000,000"),
        ("1.6000", "1.6"),
        ("0.5800", "0.58"),
        ("-12.5000", "-12.5"),
    ],
)
def test_a_stored_figure_is_shown_with_separators_and_without_trailing_zeros(stored, shown):
    assert FigureField().prepare_value(Decimal(stored)) == shown


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("50,271", Decimal("50271")),
        ("1,600,000", Decimal("1600000")),
        ("1600000", Decimal("1600000")),
        ("1.6", Decimal("1.6")),
        (" 0.58 ", Decimal("0.58")),
        ("-3.5", Decimal("-3.5")),
        ("1,234.5", Decimal("1234.5")),
    ],
)
def test_a_figure_is_read_with_or_without_thousands_separators(typed, meant):
    assert FigureField(max_digits=20, decimal_places=4).clean(typed) == meant


def test_recorded_values_are_shown_read_only_as_an_editor_would_type_them(editor_client):
    statistic = factories.StatisticFactory(
        values=[
            (Decimal("700000000"), datetime.date(2025, 1, 1)),
            (Decimal("1.6"), datetime.date(2025, 2, 1)),
            (Decimal("0.58"), datetime.date(2025, 3, 1)),
        ]
    )

    content = editor_client.get(change_url(statistic)).content.decode()

    for shown in ("700,000,000", "1.6", "0.58"):
        assert f'<div class="readonly">{shown}</div>' in content
    assert ".0000" not in content
    assert "0.5800" not in content


def test_the_changelist_shows_the_current_value_without_trailing_zeros(editor_client):
    factories.StatisticFactory(label="Inflation", values=[("1.6", datetime.date(2025, 8, 1))])

    content = editor_client.get(admin_url(Statistic, "changelist")).content.decode()

    assert '<td class="field-current">1.6</td>' in content
    assert "1.6000" not in content


def test_a_new_value_is_typed_in_a_text_box_for_decimals(editor_client):
    content = editor_client.get(admin_url(Statistic, "add")).content.decode()

    value_input = content.split('name="values-0-value"', 1)[0].rsplit("<input", 1)[1]
    assert 'type="text"' in value_input
    assert 'inputmode="decimal"' in content.split('name="values-0-value"', 1)[1].split(">")[0]


def test_a_value_typed_with_thousands_separators_is_saved(editor_client):
    source = factories.SourceFactory()
    data = new_statistic_data(source, **{"values-0-value": "1,600,000"})

    response = editor_client.post(admin_url(Statistic, "add"), data)

    assert response.status_code == 302
    assert Statistic.objects.get().values.get().value == Decimal("1600000")


@pytest.mark.parametrize("typed", ["lots", "1,6", "12,34", "£5", "5%", "1e6", "1.2.3", "NaN"])
def test_a_value_that_is_not_a_plain_number_is_refused_with_the_format(editor_client, typed):
    source = factories.SourceFactory()
    data = new_statistic_data(source, **{"values-0-value": typed})

    response = editor_client.post(admin_url(Statistic, "add"), data)

    assert response.status_code == 200
    assert value_errors(response) == [
        "Type the number only, e.g. 50,271 or 1,600,000 or 1.6: commas between thousands, a "
        "point for decimals, no unit or currency sign (the statistic sets those)."
    ]
    assert not Statistic.objects.exists()
    assert not StatisticValue.objects.exists()


def test_a_refused_value_is_shown_again_as_typed(editor_client):
    data = new_statistic_data(factories.SourceFactory(), **{"values-0-value": "1,6"})

    response = editor_client.post(admin_url(Statistic, "add"), data)

    assert 'value="1,6"' in response.content.decode()


# The values table first ------------------------------------------------------------------------


def test_the_values_table_comes_straight_after_the_label(editor_client):
    statistic = factories.StatisticFactory()

    content = editor_client.get(change_url(statistic)).content.decode()

    label = content.index('name="label"')
    values = content.index('id="values-heading"')
    source = content.index('name="source"')
    shown = content.index('name="display"')
    assert label < values < source < shown
    assert content.count('id="values-heading"') == 1  # moved, not repeated


def test_every_field_of_the_statistic_form_is_still_inside_the_form(editor_client):
    statistic = factories.StatisticFactory()

    response = editor_client.get(change_url(statistic))

    content = response.content.decode()
    form = content.split('id="statistic_form"', 1)[1].split("</form>", 1)[0]
    for name in response.context["adminform"].form.fields:
        assert f'name="{name}"' in form, name
    new_value = response.context["inline_admin_formsets"][0].formset.forms[-1]
    for name in new_value.fields:
        assert f'name="{new_value.add_prefix(name)}"' in form, name


def test_a_statistic_saved_from_its_page_keeps_its_values_and_adds_the_new_one(editor_client):
    statistic = factories.StatisticFactory(label="Small-boat crossings")
    page = editor_client.get(change_url(statistic))
    data = admin_form_data(
        page,
        label="Small-boat arrivals",
        **{"values-1-value": "60,000", "values-1-as_of": "01/01/2026"},
    )

    response = editor_client.post(change_url(statistic), data)

    assert response.status_code == 302, value_errors(response)
    statistic.refresh_from_db()
    assert statistic.label == "Small-boat arrivals"
    assert sorted(statistic.values.values_list("value", flat=True)) == [50271, 60000]


# Short slugs -----------------------------------------------------------------------------------


def test_the_quote_form_no_longer_fills_the_slug_from_the_whole_sentence(editor_client):
    response = editor_client.get(admin_url(Quote, "add"))

    assert response.context["adminform"].prepopulated_fields == []
    slug = response.context["adminform"].form.fields["slug"]
    assert not slug.required
    assert slug.help_text.startswith(
        "Leave empty for a short one made from the speaker and the first words."
    )


def test_a_quote_saved_without_a_slug_gets_a_short_one(editor_client):
    speaker = factories.PersonFactory(name="Keir Starmer")

    response = editor_client.post(admin_url(Quote, "add"), quote_data(speaker, slug=""))

    assert response.status_code == 302
    assert Quote.objects.get().slug == "keir-starmer-risk-becoming-island-strangers"


def test_a_second_quote_with_the_same_words_gets_its_own_short_slug(editor_client):
    speaker = factories.PersonFactory(name="Keir Starmer")
    editor_client.post(admin_url(Quote, "add"), quote_data(speaker, slug=""))

    response = editor_client.post(admin_url(Quote, "add"), quote_data(speaker, slug=""))

    assert response.status_code == 302
    assert sorted(Quote.objects.values_list("slug", flat=True)) == [
        "keir-starmer-risk-becoming-island-strangers",
        "keir-starmer-risk-becoming-island-strangers-2",
    ]


def test_a_slug_typed_for_a_new_quote_is_kept(editor_client):
    speaker = factories.PersonFactory()

    response = editor_client.post(admin_url(Quote, "add"), quote_data(speaker, slug="strangers"))

    assert response.status_code == 302
    assert Quote.objects.get().slug == "strangers"


def test_an_existing_quote_still_needs_its_slug(editor_client, quote):
    page = editor_client.get(change_url(quote))

    response = editor_client.post(change_url(quote), admin_form_data(page, slug=""))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"] == ["This field is required."]
    quote.refresh_from_db()
    assert quote.slug == "island-of-strangers"


def test_a_claim_saved_without_a_slug_gets_one_from_the_claimant_and_first_words(editor_client):
    source = factories.SourceFactory()
    data = claim_data(
        slug="",
        claimant_name="The government",
        text="Returns of people with no right to be here are up by a quarter this year.",
        **{"citations-TOTAL_FORMS": "1", "citations-0-source": str(source.pk)},
    )

    response = editor_client.post(admin_url(Claim, "add"), data)

    assert response.status_code == 302
    assert Claim.objects.get().slug == "government-returns-people-no-right-here"


def test_a_claim_by_a_person_gets_a_slug_starting_with_their_name(editor_client):
    claimant = factories.PersonFactory(name="Yvette Cooper")
    source = factories.SourceFactory()
    data = claim_data(
        slug="",
        claimant=str(claimant.pk),
        **{"citations-TOTAL_FORMS": "1", "citations-0-source": str(source.pk)},
    )

    response = editor_client.post(admin_url(Claim, "add"), data)

    assert response.status_code == 302
    assert Claim.objects.get().slug == "yvette-cooper-returns-up"


def test_the_claim_form_no_longer_fills_the_slug_from_the_whole_sentence(editor_client):
    response = editor_client.get(admin_url(Claim, "add"))

    assert response.context["adminform"].prepopulated_fields == []
    assert not response.context["adminform"].form.fields["slug"].required
