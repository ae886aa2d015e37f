"""Reusable fact blocks: people, sources, quotes, statistics and claims.

A fact block is checked once and placed in any number of stories. The stories app points at
these models and this app never names it: where a block is used is asked of the usage index
(``newsroom.core.usage``), which the stories app provides.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q, Subquery
from django.utils import timezone

from newsroom.core import usage
from newsroom.core.links import slug_url
from newsroom.core.models import Versioned

# How many of the stories using a block its public page and its API resource list at once.
STORIES_LISTED = 20


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PersonQuerySet(models.QuerySet):
    def public(self):
        """People who said a public quote or made a public claim: nobody else is named."""
        return self.filter(
            Q(Exists(Quote.objects.public().filter(speaker=OuterRef("pk"))))
            | Q(Exists(Claim.objects.public().filter(claimant=OuterRef("pk"))))
        )


class Person(Versioned, TimestampedModel):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    role = models.CharField(max_length=200, blank=True, help_text="e.g. Prime Minister, pollster")
    affiliation = models.CharField(
        max_length=200, blank=True, help_text="Party, organisation or employer"
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    @property
    def description(self) -> str:
        """The current role, as the person is described today."""
        return ", ".join(part for part in (self.role, self.affiliation) if part)

    def role_on(self, day) -> "PersonRole | None":
        """The role the person held on ``day`` (uses prefetched ``roles``), if known."""
        if day is None:
            return None
        held = [role for role in self.roles.all() if role.covers(day)]
        return max(held, key=lambda role: role.starts_on or datetime.date.min, default=None)


class PersonRole(models.Model):
    """A role someone held, for as long as we know: a quote shows the role of its day.

    Dates the record does not give stay empty; a role with no dates is matched to a quote only
    by hand (``Quote.role``)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(max_length=200, help_text="e.g. Prime Minister, Labour leader")
    organisation = models.CharField(max_length=200, blank=True, help_text="e.g. Labour, Deltapoll")
    name_as_used = models.CharField(
        max_length=200,
        blank=True,
        help_text="The name with the honorific used at the time, e.g. Baroness Jacqui Smith",
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["person", "starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="person_role_ends_after_it_starts",
                violation_error_message="A role cannot end before it starts.",
            ),
        ]

    def __str__(self):
        return ", ".join(part for part in (self.title, self.organisation) if part)

    def covers(self, day) -> bool:
        return (
            (self.starts_on is not None or self.ends_on is not None)
            and (self.starts_on is None or self.starts_on <= day)
            and (self.ends_on is None or day <= self.ends_on)
        )


class SourceQuerySet(models.QuerySet):
    def public(self):
        """Sources cited by at least one fact block that readers can see (``citing``).

        One EXISTS per way of citing, each on an indexed column and the blocks' stored
        ``public_from``: as ORs inside one EXISTS, a database tests every public block of a
        kind for every source listed."""
        cited = Q()
        for kind in FACT_KINDS:
            model, ways = _ways_of_citing(OuterRef("pk"), OuterRef(OuterRef("pk")), kind)
            for way in ways:
                cited |= Q(Exists(model.objects.public().filter(way)))
        return self.filter(cited)

    def with_public_fact_counts(self):
        """``public_quote_count``, ``public_statistic_count``, ``public_claim_count``: in SQL,
        so a source page knows its totals without a query per list."""
        return self.annotate(
            public_quote_count=_count(citing(kind="quote").public()),
            public_statistic_count=_count(citing(kind="statistic").public()),
            public_claim_count=_count(citing(kind="claim").public()),
        )

    def public_with_counts(self):
        """``public()`` decided from the totals of ``with_public_fact_counts()``, which a
        source's page shows anyway: for one source, a few milliseconds."""
        return self.with_public_fact_counts().filter(
            Q(public_quote_count__gt=0)
            | Q(public_statistic_count__gt=0)
            | Q(public_claim_count__gt=0)
        )


def _count(queryset):
    """How many rows a correlated queryset has, as a scalar subquery (0, never NULL)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=models.IntegerField())


class Source(Versioned, TimestampedModel):
    class Kind(models.TextChoices):
        PARLIAMENTARY_RECORD = "parliamentary_record", "Parliamentary record (Hansard)"
        OFFICIAL_STATISTICS = "official_statistics", "Official statistics"
        DATASET = "dataset", "Dataset"
        PRESS_RELEASE = "press_release", "Press release"
        SPEECH = "speech", "Speech"
        STATEMENT = "statement", "Statement"
        NEWS = "news", "News article"
        BROADCAST = "broadcast", "Broadcast or interview"
        SOCIAL_POST = "social_post", "Social media post"
        POLL = "poll", "Poll"
        REPORT = "report", "Report"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    publisher = models.CharField(max_length=200, help_text="Who published it, e.g. Home Office")
    author = models.CharField(
        max_length=200, blank=True, help_text="Who wrote or said it, if named"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    url = models.URLField(
        "URL", max_length=500, blank=True, help_text="Leave empty if it has no public link"
    )
    archive_url = models.URLField(
        "archived copy", max_length=500, blank=True, help_text="e.g. on the Wayback Machine"
    )
    published_on = models.DateField(
        null=True, blank=True, help_text="Leave empty if the source does not give it"
    )
    accessed_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["publisher", "title"]

    def __str__(self):
        return f"{self.publisher}: {self.title}"

    def get_absolute_url(self):
        return slug_url("claims:source", self.slug)


class Rating(Versioned):
    """One step of the newsroom's rating scale for claims (configurable in the admin)."""

    class Verdict(models.TextChoices):
        SUPPORTED = "supported", "Supported by the evidence"
        MIXED = "mixed", "Partly supported"
        UNSUPPORTED = "unsupported", "Not supported by the evidence"
        UNPROVEN = "unproven", "Cannot be checked yet"

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order on the scale, from most to least accurate"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class FactQuerySet(models.QuerySet):
    """Shared by quotes, statistics and claims. Which stories use a block is the stories app's
    knowledge: it answers through the usage index (``newsroom.core.usage``)."""

    def public(self):
        """Blocks used in at least one story that readers can see: nothing else is public.

        Decided from the time each block stores (``public_from``, kept by the usage index), so
        a list costs the same however many stories use its blocks."""
        return self.filter(usage.index().public_filter(self.model))

    def with_public_stories(self, limit: int | None = None):
        """Each block's published stories: all counted into ``public_story_count``, the newest
        ``limit`` (STORIES_LISTED) loaded for ``public_stories``; two queries for any number."""
        return usage.index().with_public_stories(self, limit or STORIES_LISTED)

    def for_cards(self):
        """What a card, fact page or API resource of these blocks shows, in a fixed number of
        queries however many there are: the read shape every public view shares."""
        model = self.model
        if model is Quote:
            return self.select_related("speaker", "source", "role", "checked_by")
        if model is Statistic:
            return self.select_related("source", "checked_by").prefetch_related(VALUES_WITH_SOURCES)
        return self.select_related(
            "rating", "claimant", "made_in", "verdict_source", "checked_by"
        ).prefetch_related("sources")

    def due_for_review(self, on=None):
        on = on or timezone.localdate()
        return self.filter(review_by__lte=on)


class FactBlock(Versioned, TimestampedModel):
    """Fields every reusable fact block has."""

    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="Used in section text as [[kind:slug]]; change it only if no story uses it.",
    )
    checked_on = models.DateField(
        "last checked", null=True, blank=True, help_text="When a fact-checker last verified it"
    )
    review_by = models.DateField(null=True, blank=True, help_text="Check it again by this date")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    public_from = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text="Readers see it from this time on: the earliest publication time of the "
        "published or scheduled stories using it; empty while none does. Kept by the database "
        "as stories and their blocks change (the usage index), never by a form.",
    )
    objects = FactQuerySet.as_manager()

    # Columns the database keeps, which a save of the block must not write back.
    KEPT_BY_THE_DATABASE = frozenset({"public_from"})

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        """Saving an edit writes every column but ``public_from``: the instance may have been
        loaded before a story using the block was published or taken down."""
        if (
            not self._state.adding
            and self.pk is not None
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
            and not args
        ):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.KEPT_BY_THE_DATABASE
            ]
        super().save(*args, **kwargs)

    @property
    def is_checked(self) -> bool:
        """Checked means a named person checked it, on a date (``publishing.check_fact``)."""
        return self.checked_by_id is not None and self.checked_on is not None

    @property
    def is_due_for_review(self) -> bool:
        return self.review_by is not None and self.review_by <= timezone.localdate()

    @property
    def public_stories(self) -> list:
        """The newest published stories using this block; needs ``with_public_stories()``."""
        return usage.index().public_stories_of(self)


class Medium(models.TextChoices):
    """How something was said or claimed."""

    SPEECH = "speech", "Speech"
    INTERVIEW = "interview", "Interview"
    POST = "post", "Social media post"
    STATEMENT = "statement", "Statement"
    PARLIAMENT = "parliament", "In Parliament"
    ARTICLE = "article", "Article"
    REPORT = "report", "Report"
    OTHER = "other", "Other"


class DatePrecision(models.TextChoices):
    DAY = "day", "On the day"
    MONTH = "month", "In the month"
    YEAR = "year", "In the year"


class Quote(FactBlock):
    text = models.TextField(help_text="Verbatim, without surrounding quotation marks")
    is_partial = models.BooleanField(
        "partial quote", default=False, help_text="Words from a longer sentence, quoted as used"
    )
    speaker = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="quotes")
    role = models.ForeignKey(
        PersonRole,
        on_delete=models.PROTECT,
        related_name="quotes",
        null=True,
        blank=True,
        help_text="The speaker's role when they said it, if the source gives it; else the role "
        "their dated roles give for the day",
    )
    said_on = models.DateField(null=True, blank=True, help_text="Leave empty if not given")
    said_on_precision = models.CharField(
        "date given to the",
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="When the source gives only a month or a year: the first day of it, and this",
    )
    medium = models.CharField(max_length=16, choices=Medium.choices, blank=True)
    url = models.URLField(
        "URL", max_length=500, blank=True, help_text="Where it can be heard or read"
    )
    context = models.CharField(
        max_length=300, blank=True, help_text="Where or why it was said, as the source gives it"
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="quotes", null=True, blank=True
    )

    token_kind = "quote"

    class Meta:
        ordering = ["-said_on", "speaker__name"]
        permissions = [("verify_quote", "Can mark quotes as checked")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="quote_text_not_empty",
                violation_error_message="A quote needs its words.",
            ),
        ]

    def __str__(self):
        text = self.text if len(self.text) <= 80 else self.text[:77] + "…"
        return f"{self.speaker}: “{text}”" if self.speaker_id else text

    def clean(self):
        if self.text and not self.text.strip():
            raise ValidationError({"text": "A quote needs its words."})
        if self.role_id and self.speaker_id and self.role.person_id != self.speaker_id:
            raise ValidationError({"role": "Pick a role of the speaker's."})

    def get_absolute_url(self):
        return slug_url("claims:quote", self.slug)

    @property
    def role_at_the_time(self) -> "PersonRole | None":
        """The speaker's role when they said it: the one the source gives, or the one their
        dated roles give for the day (``fill_in_role``, when the quote is saved); None when
        neither is known. Never today's role for an old quote."""
        return self.role if self.role_id else None

    def fill_in_role(self) -> None:
        """With no role given, take the one the speaker held on the quote's day, if known."""
        if not self.role_id and self.said_on and self.said_on_precision == DatePrecision.DAY:
            self.role = self.speaker.role_on(self.said_on)

    @property
    def speaker_name(self) -> str:
        role = self.role_at_the_time
        return role.name_as_used if role and role.name_as_used else self.speaker.name

    @property
    def said_on_iso(self) -> str:
        """The date in ISO 8601 to the precision given: 2020, 2025-05, 2025-05-12."""
        if self.said_on is None:
            return ""
        return self.said_on.isoformat()[: {"year": 4, "month": 7}.get(self.said_on_precision, 10)]

    @property
    def said_on_display(self) -> str:
        """The date as precisely as the source gives it: 2020, May 2025, 12 May 2025."""
        if self.said_on is None:
            return ""
        if self.said_on_precision == DatePrecision.YEAR:
            return f"{self.said_on:%Y}"
        if self.said_on_precision == DatePrecision.MONTH:
            return f"{self.said_on:%B %Y}"
        return f"{self.said_on:%-d %B %Y}"


class Statistic(FactBlock):
    class Display(models.TextChoices):
        FULL = "full", "In full (50,271)"
        COMPACT = "compact", "Compact (1.6bn)"
        PERCENT = "percent", "Percentage (12.5%)"

    label = models.CharField(max_length=200, help_text="What is counted, e.g. Small-boat arrivals")
    unit = models.CharField(max_length=60, blank=True, help_text="Shown after the number: people")
    prefix = models.CharField(max_length=8, blank=True, help_text="Shown before the number: £")
    display = models.CharField(max_length=8, choices=Display.choices, default=Display.FULL)
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="statistics",
        help_text="Where its figures come from, unless a value names its own source",
    )
    methodology = models.TextField(blank=True, help_text="How the figure is produced")

    token_kind = "statistic"

    class Meta:
        ordering = ["label"]
        permissions = [("verify_statistic", "Can mark statistics as checked")]

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return slug_url("claims:statistic", self.slug)

    def format(self, value: Decimal) -> str:
        return format_number(value, display=self.display, prefix=self.prefix)

    @property
    def history(self) -> list["StatisticValue"]:
        """Every value ever recorded, superseded ones included, newest first (uses the
        prefetched ``values``); each knows whether a later value superseded it."""
        values = list(self.values.all())
        superseded = {value.revises_id for value in values if value.revises_id}
        for value in values:
            value.statistic = self  # no query for the statistic each value formats with
            value.is_superseded = value.pk in superseded
        return sorted(values, key=StatisticValue.sort_key, reverse=True)

    @property
    def current(self) -> "StatisticValue | None":
        """The newest value that no later value corrected or revised."""
        return next((value for value in self.history if not value.is_superseded), None)

    def record_value(self, *, value, as_of=None, **fields) -> "StatisticValue":
        """Add a value to the history. Old values are never overwritten: a wrong or revised one
        is superseded by a new value that ``revises`` it (same date)."""
        revises = fields.get("revises")
        if (
            revises is None
            and as_of is not None
            and self.values.filter(as_of=as_of, revises__isnull=True).exists()
        ):
            raise ValidationError(
                f"“{self}” already has a value for {as_of:%-d %B %Y}; values are never "
                "overwritten. To correct it or record an official revision, add a value that "
                "revises it."
            )
        new = StatisticValue(statistic=self, value=value, as_of=as_of, **fields)
        new.full_clean()
        new.save()
        return new

    def value_on(self, day, *, known_at=None) -> "StatisticValue | None":
        """The value that was current on ``day``: the newest not later than it.

        With ``known_at`` (a story's publication), only what was recorded by then counts: an
        official revision the source published afterwards does not rewrite the story, but a
        correction of our own mistake always replaces the mistake.
        """
        correction = StatisticValue.Revision.CORRECTION

        def counts(value) -> bool:
            return (
                known_at is None
                or value.recorded_at <= known_at
                or (value.revision_kind == correction)
            )

        history = [value for value in self.history if counts(value)]
        # A correction stands where the mistake stood (an undated one would otherwise take the
        # day it was recorded, after the story): find the value, then follow its corrections.
        revised = {
            value.revises_id
            for value in history
            if value.revises_id and value.revision_kind != correction
        }
        found = next(
            (
                v
                for v in history
                if v.revision_kind != correction and v.pk not in revised and v.sort_date <= day
            ),
            None,
        )
        return self.corrected(found.pk) if found is not None else None

    def corrected(self, value_id) -> "StatisticValue | None":
        """A value as corrected since (following corrections of our mistakes, not revisions by
        the source), from the prefetched history."""
        by_revised = {
            v.revises_id: v
            for v in self.history
            if v.revision_kind == StatisticValue.Revision.CORRECTION
        }
        value = next((v for v in self.history if v.pk == value_id), None)
        while value is not None and value.pk in by_revised:
            value = by_revised[value.pk]
        return value


class StatisticValue(models.Model):
    """One entry in a statistic's history, with its own provenance. Values are added, never
    overwritten: a mistyped value is corrected, and an official revision recorded, by a new
    value that ``revises`` it."""

    class Revision(models.TextChoices):
        CORRECTION = "correction", "Correction of our mistake"
        REVISION = "revision", "Revision by the source"

    statistic = models.ForeignKey(Statistic, on_delete=models.CASCADE, related_name="values")
    value = models.DecimalField(max_digits=20, decimal_places=4)
    qualifier = models.CharField(
        max_length=30,
        blank=True,
        help_text="As the source gives it: about, around, more than, almost, provisional",
    )
    as_of = models.DateField(
        null=True,
        blank=True,
        help_text="The date the figure describes; leave empty if the source does not give it",
    )
    period_start = models.DateField(null=True, blank=True, help_text="If it covers a period")
    period_end = models.DateField(null=True, blank=True)
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="statistic_values",
        null=True,
        blank=True,
        help_text="Leave empty for the statistic's own source",
    )
    note = models.CharField(max_length=300, blank=True)
    revises = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        related_name="revised_by",
        null=True,
        blank=True,
        help_text="The value this one corrects or revises (same date)",
    )
    revision_kind = models.CharField(max_length=12, choices=Revision.choices, blank=True)
    correction_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="For a correction: what readers are told on every story that showed the value",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["statistic", "-as_of"]
        get_latest_by = "as_of"
        constraints = [
            models.UniqueConstraint(
                fields=["statistic", "as_of"],
                condition=Q(revises__isnull=True),
                name="statistic_one_value_per_date",
                violation_error_message="This statistic already has a value for that date.",
            ),
            models.CheckConstraint(
                condition=Q(revises__isnull=True, revision_kind="")
                | Q(revises__isnull=False) & ~Q(revision_kind=""),
                name="statistic_value_revision_has_a_kind",
                violation_error_message="Say whether the value corrects our mistake or records "
                "a revision by the source.",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="statistic_value_period_in_order",
                violation_error_message="A period cannot end before it starts.",
            ),
        ]

    def __str__(self):
        return f"{self.display} ({self.date_display})"

    def clean(self):
        errors = {}
        if self.revises_id:
            revised = self.revises
            if revised.statistic_id != self.statistic_id:
                errors["revises"] = "Pick a value of the same statistic."
            elif revised.as_of != self.as_of:
                errors["as_of"] = "A correction or revision is for the same date as the value."
            if not self.revision_kind:
                errors["revision_kind"] = "Say whether it corrects a mistake or is a revision."
        if self.revision_kind == self.Revision.CORRECTION and not self.correction_note.strip():
            errors["correction_note"] = "Say what was wrong: readers see this on every story."
        if errors:
            raise ValidationError(errors)

    @property
    def display(self) -> str:
        return self.statistic.format(self.value)

    @property
    def shown_source(self) -> "Source":
        return self.source if self.source_id else self.statistic.source

    @property
    def sort_date(self) -> datetime.date:
        """Where it stands in the history: its date, or the day it was recorded if unknown."""
        return self.as_of or self.period_end or timezone.localdate(self.recorded_at)

    @staticmethod
    def sort_key(value) -> tuple:
        return (value.sort_date, value.recorded_at, value.pk or 0)

    @property
    def date_display(self) -> str:
        return f"as of {self.as_of:%-d %B %Y}" if self.as_of else "date not given"

    @property
    def period_display(self) -> str:
        """ "in 2024", "1 January to 30 June 2025", or "" when no period is given."""
        start, end = self.period_start, self.period_end
        if start is None and end is None:
            return ""
        if start and end and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
            return f"in {start:%Y}" if start.year == end.year else f"{start:%Y} to {end:%Y}"
        if start and end:
            return f"{start:%-d %B %Y} to {end:%-d %B %Y}"
        return f"since {start:%-d %B %Y}" if start else f"until {end:%-d %B %Y}"


class Claim(FactBlock):
    text = models.TextField("claim", help_text="What was claimed, in one sentence")
    claimant = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="claims", null=True, blank=True
    )
    claimant_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="If the claim is not a named person's: the government, a party",
    )
    claimed_on = models.DateField(null=True, blank=True, help_text="Leave empty if not given")
    made_in = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="claims_made",
        null=True,
        blank=True,
        help_text="Where the claim was made (a speech, a post, an interview), if known",
    )
    medium = models.CharField("how it was made", max_length=16, choices=Medium.choices, blank=True)
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="claims")
    explanation = models.TextField(help_text="Why it has this rating")
    verdict_by = models.CharField(
        max_length=200,
        blank=True,
        help_text="Leave empty when the verdict is our fact-checkers'; else who gave it, e.g. "
        "Sky News (it is then their review, not ours)",
    )
    verdict_source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="verdicts",
        null=True,
        blank=True,
        help_text="Where that publisher gave the verdict",
    )
    sources = models.ManyToManyField(
        Source,
        through="ClaimSource",
        related_name="claims",
        blank=True,
        help_text="The evidence for the verdict",
    )

    token_kind = "claim"

    class Meta:
        ordering = ["-claimed_on", "text"]
        permissions = [
            ("verify_claim", "Can mark claims as checked"),
            ("rate_claim", "Can set and change claim ratings"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="claim_text_not_empty",
                violation_error_message="Write down what was claimed.",
            ),
            models.CheckConstraint(
                condition=Q(claimant__isnull=False) | ~Q(claimant_name=""),
                name="claim_has_claimant",
                violation_error_message=(
                    "Say who made the claim: pick a person or name the claimant."
                ),
            ),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 90 else self.text[:87] + "…"

    @property
    def claimed_by(self) -> str:
        return str(self.claimant) if self.claimant_id else self.claimant_name

    @property
    def is_our_verdict(self) -> bool:
        return not self.verdict_by.strip()

    def get_absolute_url(self):
        return slug_url("claims:claim", self.slug)

    def evidence_problem(self, evidence: list) -> str | None:
        """A verdict of our own needs at least one piece of evidence beyond where the claim was
        made and the article reporting it: else it is only that article's word."""
        if not self.is_our_verdict:
            return None
        reported = {self.made_in_id, self.verdict_source_id}
        if not [source for source in evidence if source and source.pk not in reported]:
            return (
                "A verdict of our own needs at least one source of evidence other than where "
                "the claim was made; or say whose verdict it is in “Verdict by”."
            )
        return None


class ClaimRating(models.Model):
    """Every verdict a claim has had, in order: the history is kept, never edited."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="ratings")
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="+")
    explanation = models.TextField()
    verdict_by = models.CharField(max_length=200, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["claim", "-rated_at", "-pk"]
        verbose_name = "verdict in the history"

    def __str__(self):
        return f"{self.rating} ({self.verdict_by or 'our fact-checkers'})"


class ClaimSource(models.Model):
    """A source cited for a claim's rating; a cited source cannot be deleted from under it."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claim_citations")

    class Meta:
        ordering = ["claim", "source"]
        verbose_name = "source cited"
        verbose_name_plural = "sources cited"
        constraints = [
            models.UniqueConstraint(fields=["claim", "source"], name="claim_cites_source_once"),
        ]

    def __str__(self):
        return str(self.source)


FACT_MODELS = {model.token_kind: model for model in (Quote, Statistic, Claim)}
FACT_KINDS = tuple(FACT_MODELS)


# A prefix that makes a figure an amount of money: pence and cents are written with two places.
CURRENCY_SIGNS = {"£", "$", "€", "¥", "US$", "A$", "C$"}
_SCALES = [(Decimal(10) ** 12, "tn"), (Decimal(10) ** 9, "bn"), (Decimal(10) ** 6, "m")]


def format_number(
    value: Decimal, *, display: str = Statistic.Display.FULL, prefix: str = ""
) -> str:
    """Format a figure the way a news style guide would: 50,271 · £1.6bn · 12.5%."""
    value = Decimal(value)
    suffix = ""
    if display == Statistic.Display.PERCENT:
        suffix = "%"
    elif display == Statistic.Display.COMPACT:
        for scale, name in _SCALES:
            if abs(value) >= scale:
                value, suffix = value / scale, name
                break
    if display == Statistic.Display.PERCENT or suffix:
        # Scaled figures and percentages read best with at most one decimal place.
        value = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    places = max(0, -value.normalize().as_tuple().exponent)
    if prefix in CURRENCY_SIGNS and not suffix and places:
        places = max(places, 2)  # money: £3.60, never £3.6
    number = f"{abs(value):,.{places}f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{prefix}{number}{suffix}"


# A figure as people write it: commas only between groups of three digits, a point for decimals.
_FIGURE = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*([a-z]*)")
_WORD_SCALES = {
    "k": Decimal(10) ** 3, "thousand": Decimal(10) ** 3, "m": Decimal(10) ** 6,
    "million": Decimal(10) ** 6, "bn": Decimal(10) ** 9, "billion": Decimal(10) ** 9,
    "tn": Decimal(10) ** 12, "trillion": Decimal(10) ** 12,
}  # fmt: skip
MAX_FIGURE = Decimal(10) ** 16  # StatisticValue.value holds 20 digits, 4 after the point


def parse_figure(text: str, *, scaled: bool = False) -> Decimal:
    """The number in "50,271", "1,600,000" or "1.6" (and, ``scaled``, "1.6bn" or "431 thousand"):
    the reverse of ``format_number``. Raises ValueError for anything else, "1,6" included, which
    could be 1.6 or 16."""
    text = str(text).strip().lower().replace("\u2212", "-")  # a typographic minus, pasted
    match = _FIGURE.fullmatch(text)
    if not match or (match.group(2) and (not scaled or match.group(2) not in _WORD_SCALES)):
        raise ValueError(text)
    number = Decimal(match.group(1).replace(",", "")) * _WORD_SCALES.get(match.group(2), 1)
    if abs(number) >= MAX_FIGURE:
        raise ValueError(text)
    return number


def facts_showing(obj) -> dict[str, models.QuerySet]:
    """The fact blocks whose cards show ``obj``, by kind (``quote``, ``statistic``, ``claim``):
    the block itself, a person's quotes and claims, a source's quotes, figures and rated
    claims, a rating's claims, a value's statistic. The one definition of "what shows this";
    the stories showing it are the stories placing these blocks."""
    if isinstance(obj, FactBlock):
        return {obj.token_kind: type(obj).objects.filter(pk=obj.pk)}
    if isinstance(obj, Person):
        return {
            "quote": Quote.objects.filter(speaker=obj),
            "claim": Claim.objects.filter(claimant=obj),
        }
    if isinstance(obj, Source):
        return {kind: citing(obj, kind=kind) for kind in ("quote", "statistic", "claim")}
    if isinstance(obj, PersonRole):
        return {"quote": Quote.objects.filter(speaker=obj.person_id)}
    if isinstance(obj, Rating):
        return {"claim": Claim.objects.filter(rating=obj)}
    if isinstance(obj, StatisticValue):
        return {"statistic": Statistic.objects.filter(pk=obj.statistic_id)}
    return {}


# A statistic's values with the source each names: for any page or endpoint showing history.
VALUES_WITH_SOURCES = models.Prefetch(
    "values", queryset=StatisticValue.objects.select_related("source").order_by()
)


def citing(source=None, *, kind: str) -> models.QuerySet:
    """The quotes, statistics or claims (``kind``) that cite ``source``: a quote's source; a
    statistic's own source or one of its values'; a claim's evidence, where it was made or
    where its verdict was given. The one definition of "cites"; without ``source``, the
    source of the query this is a subquery of (``OuterRef``)."""
    here = source if source is not None else OuterRef("pk")
    inner = source if source is not None else OuterRef(OuterRef("pk"))
    model, ways = _ways_of_citing(here, inner, kind)
    either = Q()
    for way in ways:
        either |= way
    return model.objects.filter(either)


def _ways_of_citing(here, inner, kind: str) -> tuple[type, list[Q]]:
    """``citing``'s model and its ways of citing ``here``, each a filter on that model (``inner``
    is ``here`` as seen from a subquery of it)."""
    if kind == "quote":
        return Quote, [Q(source=here)]
    if kind == "statistic":
        by_value = StatisticValue.objects.filter(statistic=OuterRef("pk"), source=inner)
        return Statistic, [Q(source=here), Q(Exists(by_value))]
    evidence = ClaimSource.objects.filter(claim=OuterRef("pk"), source=inner)
    return Claim, [Q(Exists(evidence)), Q(made_in=here), Q(verdict_source=here)]
