import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from claims.models import (
    Claim,
    ClaimSource,
    Person,
    Quote,
    Rating,
    Source,
    Statistic,
    StatisticValue,
)
from explainers.blocks import compile_body
from explainers.models import Author, Explainer, Media, Section, Topic


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Faker("name")
    slug = factory.Sequence(lambda n: f"person-{n}")
    role = "Minister"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Report {n}")
    slug = factory.Sequence(lambda n: f"source-{n}")
    publisher = "Office for Figures"
    kind = Source.Kind.OFFICIAL_STATISTICS


class QuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quote

    slug = factory.Sequence(lambda n: f"quote-{n}")
    text = factory.Faker("sentence", nb_words=12)
    speaker = factory.SubFactory(PersonFactory)
    source = factory.SubFactory(SourceFactory)
    said_on = datetime.date(2025, 8, 11)


class StatisticFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statistic
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"statistic-{n}")
    label = factory.Sequence(lambda n: f"Things counted {n}")
    unit = "people"
    source = factory.SubFactory(SourceFactory)

    @factory.post_generation
    def values(self, create, extracted, **kwargs):
        """``values=[(value, date), ...]`` or ``[{"value": …, "qualifier": …}, ...]``; by
        default one value, 50,271 as of 11 August 2025."""
        if not create:
            return
        for item in extracted if extracted is not None else [(50271, datetime.date(2025, 8, 11))]:
            fields = (
                dict(item)
                if isinstance(item, dict)
                else dict(zip(["value", "as_of"], item, strict=True))
            )
            fields["value"] = Decimal(fields["value"])
            StatisticValue.objects.create(statistic=self, **fields)


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"claim-{n}")
    text = factory.Faker("sentence", nb_words=10)
    claimant = factory.SubFactory(PersonFactory)
    rating = factory.LazyFunction(lambda: Rating.objects.get(slug="misleading"))
    explanation = "The figures say otherwise."

    @factory.post_generation
    def evidence(self, create, extracted, **kwargs):
        """``evidence=[source, ...]``: the sources cited for the verdict (none by default). The
        admin refuses to save a verdict of our own without one."""
        if not create:
            return
        for source in extracted or []:
            ClaimSource.objects.create(claim=self, source=source)


class MediaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Media

    slug = factory.Sequence(lambda n: f"media-{n}")
    kind = Media.Kind.IMAGE
    caption = "Leaders at the summit."
    credit = "PA"


class ExplainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Explainer
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"What is happening {n}?")
    slug = factory.Sequence(lambda n: f"explainer-{n}")
    standfirst = factory.Faker("sentence", nb_words=20)
    status = Explainer.Status.DRAFT

    class Params:
        published = factory.Trait(
            status=Explainer.Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1)),
        )
        scheduled = factory.Trait(
            status=Explainer.Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1)),
        )
        in_review = factory.Trait(status=Explainer.Status.IN_REVIEW)
        archived = factory.Trait(
            status=Explainer.Status.ARCHIVED,
            published_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=30)),
        )

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        """Authors or their names (a name makes a person); by default the "Staff reporter";
        ``authors=[]`` for none."""
        if not create:
            return
        self.authors.set(
            author if isinstance(author, Author) else author_named(author)
            for author in (["Staff reporter"] if extracted is None else extracted)
        )


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Reporter {n}")
    slug = factory.LazyAttribute(lambda author: slugify(author.name))
    kind = Author.Kind.PERSON


def author_named(name, **fields):
    return AuthorFactory(name=name, **fields)


def add_section(explainer, body="", heading="", position=None):
    """Save a section the way the admin does: compile the body, then write the usage rows."""
    compiled = compile_body(body)
    if position is None:
        position = explainer.sections.count() + 1
    section = Section.objects.create(
        explainer=explainer, position=position, heading=heading, body=body, body_html=compiled.html
    )
    section.write_blocks(compiled.blocks)
    return section


class CorrectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "explainers.Correction"

    explainer = factory.SubFactory(ExplainerFactory, published=True)
    kind = "correction"
    text = factory.Sequence(lambda n: f"An earlier version misstated figure {n}.")


def admin_form_data(response, **overrides):
    """What a browser posts back for the admin add/change form rendered in ``response``.

    Every field of the main form and of each inline formset keeps the value it was rendered
    with (hidden fields such as ``base_version`` included); ``overrides`` replace single keys.
    Read-only fields are not part of the form, exactly as in a browser.
    """
    from django.db.models import Model
    from django.forms import ModelMultipleChoiceField, MultipleChoiceField, MultiWidget

    def encode(value):
        if value is None:
            return ""
        if isinstance(value, Model):
            return str(value.pk)
        if isinstance(value, list | tuple):
            return [encode(item) for item in value]
        return str(value)

    def add_form(data, form):
        for name, field in form.fields.items():
            key = form.add_prefix(name)
            value = form[name].value()
            if isinstance(field.widget, MultiWidget):
                parts = field.widget.decompress(value)
                for index, part in enumerate(parts):
                    data[f"{key}_{index}"] = encode(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(field, MultipleChoiceField | ModelMultipleChoiceField):
                data[key] = encode(value or [])  # nothing selected: the browser posts nothing
            else:
                data[key] = encode(value)

    data = {}
    add_form(data, response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        add_form(data, formset.management_form)
        for form in formset.forms:
            add_form(data, form)
    data["_save"] = "Save"
    data.update(overrides)
    return data
