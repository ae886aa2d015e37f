"""Reusable fact blocks: people, sources, quotes, statistics and claims.

A fact block is checked once and placed in any number of stories. The stories app points at
these models and this app never names it: where a block is used is asked of the usage index
(``newsroom.core.usage``), which the stories app provides.
"""

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
        return ", ".join(part for part in (self.role, self.affiliation) if part)


class SourceQuerySet(models.QuerySet):
    def public(self):
        """Sources cited by at least one fact block that readers can see."""
        return self.filter(
            Q(Exists(Quote.objects.public().filter(source=OuterRef("pk"))))
            | Q(Exists(Statistic.objects.public().filter(source=OuterRef("pk"))))
            | Q(Exists(Claim.objects.public().filter(sources=OuterRef("pk"))))
        )

    def with_public_fact_counts(self):
        """``public_quote_count``, ``public_statistic_count``, ``public_claim_count``: in SQL,
        so a source page knows its totals without a query per list."""
        return self.annotate(
            public_quote_count=_count(Quote.objects.public().filter(source=OuterRef("pk"))),
            public_statistic_count=_count(Statistic.objects.public().filter(source=OuterRef("pk"))),
            public_claim_count=_count(Claim.objects.public().filter(sources=OuterRef("pk"))),
        )

    def public_with_counts(self):
        """``public()`` decided from the totals of ``with_public_fact_counts()``: for one source
        (its page) this costs a few milliseconds, where ``public()``'s three-way OR made
        PostgreSQL test every fact block in the archive (200 ms with 600 of them)."""
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
        OFFICIAL_STATISTICS = "official_statistics", "Official statistics"
        STATEMENT = "statement", "Statement or speech"
        POLL = "poll", "Poll"
        SOCIAL_POST = "social_post", "Social media post"
        BROADCAST = "broadcast", "Broadcast or interview"
        REPORT = "report", "Report"
        NEWS = "news", "News report"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    publisher = models.CharField(max_length=200, help_text="Who published it, e.g. Home Office")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    url = models.URLField("URL", max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)
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
        """Blocks used in at least one story that readers can see: nothing else is public."""
        return self.filter(usage.index().public_filter(self.model))

    def with_public_stories(self, limit: int | None = None):
        """Each block's published stories: all counted into ``public_story_count``, the newest
        ``limit`` (STORIES_LISTED) loaded for ``public_stories``; two queries for any number."""
        return usage.index().with_public_stories(self, limit or STORIES_LISTED)

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
    objects = FactQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_due_for_review(self) -> bool:
        return self.review_by is not None and self.review_by <= timezone.localdate()

    @property
    def public_stories(self) -> list:
        """The newest published stories using this block; needs ``with_public_stories()``."""
        return usage.index().public_stories_of(self)


class Quote(FactBlock):
    text = models.TextField(help_text="Verbatim, without surrounding quotation marks")
    speaker = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="quotes")
    said_on = models.DateField(null=True, blank=True)
    context = models.CharField(
        max_length=300, blank=True, help_text="Where or why it was said, e.g. in a post on X"
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

    def get_absolute_url(self):
        return slug_url("claims:quote", self.slug)


class Statistic(FactBlock):
    class Display(models.TextChoices):
        FULL = "full", "In full (50,271)"
        COMPACT = "compact", "Compact (1.6bn)"
        PERCENT = "percent", "Percentage (12.5%)"

    label = models.CharField(max_length=200, help_text="What is counted, e.g. Small-boat arrivals")
    unit = models.CharField(max_length=60, blank=True, help_text="Shown after the number: people")
    prefix = models.CharField(max_length=8, blank=True, help_text="Shown before the number: £")
    display = models.CharField(max_length=8, choices=Display.choices, default=Display.FULL)
    qualifier = models.CharField(
        max_length=30, blank=True, help_text="Shown before the number on cards: about, more than"
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="statistics")
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
        """Values newest first; uses the prefetched ``values`` when present."""
        return sorted(self.values.all(), key=lambda v: v.as_of, reverse=True)

    @property
    def current(self) -> "StatisticValue | None":
        history = self.history
        return history[0] if history else None

    def record_value(self, *, value, as_of, period: str = "", note: str = "") -> "StatisticValue":
        """Add a value to the history. Old values are never overwritten."""
        if self.values.filter(as_of=as_of).exists():
            raise ValidationError(
                f"“{self}” already has a value for {as_of:%-d %B %Y}; values are never "
                "overwritten. Record the new figure under the date it describes."
            )
        return StatisticValue.objects.create(
            statistic=self, value=value, as_of=as_of, period=period, note=note
        )

    def value_on(self, day) -> "StatisticValue | None":
        """The value that was current on ``day`` (the newest not later than it)."""
        return next((v for v in self.history if v.as_of <= day), None)


class StatisticValue(models.Model):
    """One entry in a statistic's history. Values are added, never overwritten."""

    statistic = models.ForeignKey(Statistic, on_delete=models.CASCADE, related_name="values")
    value = models.DecimalField(max_digits=20, decimal_places=4)
    as_of = models.DateField(help_text="The date the figure describes, or the end of its period")
    period = models.CharField(
        max_length=120, blank=True, help_text="If it covers a period: since 4 July 2024, in 2024"
    )
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["statistic", "-as_of"]
        get_latest_by = "as_of"
        constraints = [
            models.UniqueConstraint(
                fields=["statistic", "as_of"],
                name="statistic_one_value_per_date",
                violation_error_message="This statistic already has a value for that date.",
            ),
        ]

    def __str__(self):
        return f"{self.display} (as of {self.as_of:%-d %b %Y})"

    @property
    def display(self) -> str:
        return self.statistic.format(self.value)


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
    claimed_on = models.DateField(null=True, blank=True)
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="claims")
    explanation = models.TextField(help_text="Why it has this rating")
    sources = models.ManyToManyField(
        Source, through="ClaimSource", related_name="claims", blank=True
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

    def get_absolute_url(self):
        return slug_url("claims:claim", self.slug)


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
    number = f"{abs(value):,.{places}f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{prefix}{number}{suffix}"


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
        return {
            "quote": Quote.objects.filter(source=obj),
            "statistic": Statistic.objects.filter(source=obj),
            "claim": Claim.objects.filter(
                pk__in=ClaimSource.objects.filter(source=obj).values("claim")
            ),
        }
    if isinstance(obj, Rating):
        return {"claim": Claim.objects.filter(rating=obj)}
    if isinstance(obj, StatisticValue):
        return {"statistic": Statistic.objects.filter(pk=obj.statistic_id)}
    return {}
