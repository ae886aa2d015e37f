"""Stories: topics, explainers, their ordered sections, media, and the blocks placed in sections."""

import re
from re import _parser as regex_parser  # what re compiles with (sre_parse before 3.11)

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Max, Prefetch, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify

from claims.models import Claim, Quote, Statistic, StatisticValue, facts_showing
from newsroom.core.links import slug_url
from newsroom.core.models import Versioned

from . import images
from .validators import GeneratedImageName, validate_image

BLOCK_MARKER = re.compile(r"<!--block:(\d+)-->")


class TopicQuerySet(models.QuerySet):
    def public(self):
        """Topics with at least one story readers can see (a draft's topic stays private)."""
        return self.filter(
            models.Exists(Explainer.objects.published().filter(topics=models.OuterRef("pk")))
        )

    def with_public_explainer_count(self):
        """``public_explainer_count``: published stories only, never drafts or scheduled ones."""
        return self.annotate(
            public_explainer_count=models.Count(
                "explainers", filter=ExplainerQuerySet.published_q(prefix="explainers__")
            )
        )


class Topic(Versioned):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_url("explainers:topic", self.slug)


class Media(Versioned):
    """A photograph or a video, with the caption and credit readers see."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.IMAGE)
    slug = models.SlugField(
        max_length=120, unique=True, help_text="Used in section text as [[media:slug]]"
    )
    title = models.CharField(max_length=200, blank=True, help_text="Required for videos")
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(max_length=120, blank=True, help_text="e.g. PA, AP")
    alt_text = models.CharField(
        "alt text",
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Required with a file.",
    )
    image = models.ImageField(
        upload_to=GeneratedImageName("images"),
        blank=True,
        validators=[validate_image],
        help_text="JPEG, PNG, WebP or GIF; at most 10 MB and 8000 pixels on each side",
    )
    video_url = models.URLField("video URL", blank=True)
    duration = models.DurationField(null=True, blank=True, help_text="Videos: e.g. 00:04:01")
    focal_x = models.PositiveSmallIntegerField(
        "focal point across (%)",
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Where the subject is, from the left edge (0) to the right (100). "
        "Crops for the home and topic pages keep this point in view.",
    )
    focal_y = models.PositiveSmallIntegerField(
        "focal point down (%)",
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Where the subject is, from the top (0) to the bottom (100).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "media"
        constraints = [
            models.CheckConstraint(
                condition=Q(image="") | ~Q(alt_text=""),
                name="media_image_has_alt_text",
                violation_error_message="Describe the image in its alt text for readers who cannot see it.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="video") | ~Q(title=""),
                name="media_video_has_title",
                violation_error_message="A video needs a title.",
            ),
            models.CheckConstraint(
                condition=Q(focal_x__lte=100, focal_y__lte=100),
                name="media_focal_point_in_picture",
                violation_error_message="The focal point is a percentage: 0 to 100 each way.",
            ),
        ]

    def __str__(self):
        label = self.title or self.caption or self.slug
        return f"{self.get_kind_display()}: {label}"

    @property
    def duration_display(self) -> str:
        if self.duration is None:
            return ""
        seconds = int(self.duration.total_seconds())
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"

    @property
    def focal_class(self) -> str:
        """CSS classes placing the focal point of a cropped rendering, in 10 % steps (the
        content security policy allows no inline ``style``; site.css has the 22 classes)."""
        return f"focal-x{(self.focal_x + 5) // 10 * 10} focal-y{(self.focal_y + 5) // 10 * 10}"

    @cached_property
    def picture(self) -> "images.Picture | None":
        """The uploaded image's renditions for ``srcset``, made on first use; None without a
        usable file (the page then shows the caption and credit alone)."""
        return images.picture(self.image) if self.image else None


class Author(Versioned):
    """Who a story is by: a person or an organisation, chosen from this list."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERSON)
    url = models.URLField("URL", blank=True, help_text="Their page, if any")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ExplainerQuerySet(models.QuerySet):
    @staticmethod
    def published_q(prefix: str = "") -> Q:
        """Visible to readers: published, its time has come (no job needed), not a working copy."""
        return Q(
            **{
                f"{prefix}status": Explainer.Status.PUBLISHED,
                f"{prefix}published_at__lte": timezone.now(),
                f"{prefix}draft_of__isnull": True,
            }
        )

    def published(self):
        return self.filter(self.published_q())

    def stories(self):
        """The stories themselves, without the working copies of published ones."""
        return self.filter(draft_of__isnull=True)

    def live_or_scheduled(self):
        """Stories readers see now or will see at their time, without a further step: what a
        change to them, or to anything they show, must refresh."""
        return self.filter(status=Explainer.Status.PUBLISHED, draft_of__isnull=True)

    def changed_since(self, moment):
        """Stories that changed for readers at or after ``moment``: their own fields (a public
        note moves ``updated_at``), or a fact, person, source or value they show
        (``SectionBlock.SHOWN_TIMES``). ``Explainer.last_changed`` asks the same in Python."""
        shown = Q()
        for path in SectionBlock.SHOWN_TIMES:
            shown |= Q(**{f"{path.replace('.', '__')}__gte": moment})
        changed_facts = SectionBlock.objects.filter(section__explainer=models.OuterRef("pk"))
        return self.filter(
            Q(updated_at__gte=moment) | Q(models.Exists(changed_facts.filter(shown)))
        )

    def for_public_list(self):
        """Newest first; the primary key breaks ties, so pages of a list never overlap."""
        return (
            self.select_related("hero")
            .prefetch_related("topics", "authors")
            .order_by("-published_at", "-pk")
        )

    def for_public_detail(self):
        """One query per level, however many sections and blocks the story has."""
        return self.select_related("hero").prefetch_related(
            "topics",
            "authors",
            Prefetch("corrections", queryset=Correction.objects.order_by("published_at", "pk")),
            Prefetch(
                "sections",
                queryset=Section.objects.order_by("position").prefetch_related(
                    Prefetch("blocks", queryset=SectionBlock.objects.for_rendering())
                ),
            ),
        )


class Explainer(Versioned):
    class Kind(models.TextChoices):
        EXPLAINER = "explainer", "Explainer"
        ANALYSIS = "analysis", "Analysis"
        NEWS = "news", "News"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField("headline", max_length=200)
    slug = models.SlugField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.EXPLAINER)
    standfirst = models.TextField(
        help_text="One or two sentences under the headline: what the reader will learn"
    )
    authors = models.ManyToManyField(Author, related_name="explainers", blank=True)
    figures = models.CharField(
        "figures in the text",
        max_length=8,
        choices=[
            ("", "As the kind says: pinned for analysis and news, live for explainers"),
            ("pinned", "Pinned: as they stood when it was published"),
            ("live", "Live: the newest value"),
        ],
        blank=True,
        help_text="A dated analysis keeps the figures its prose was written with; an evergreen "
        "explainer shows the newest. Readers are told when a newer figure exists.",
    )
    original_publisher = models.CharField(
        "originally published by",
        max_length=200,
        blank=True,
        help_text="When the story is another publisher's text, e.g. Sky News",
    )
    original_url = models.URLField(
        "original URL", max_length=500, blank=True, help_text="The origin, as canonical link"
    )
    original_published_on = models.DateField(
        "originally published on", null=True, blank=True, help_text="Leave empty if not given"
    )
    licence = models.CharField(
        max_length=300, blank=True, help_text="On what terms we publish another's text"
    )
    topics = models.ManyToManyField(Topic, related_name="explainers", blank=True)
    hero = models.ForeignKey(
        Media,
        on_delete=models.PROTECT,
        related_name="hero_of",
        null=True,
        blank=True,
        help_text="Lead image shown under the headline",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Readers see it from this time on"
    )
    seo_title = models.CharField("SEO title", max_length=200, blank=True)
    seo_description = models.CharField("SEO description", max_length=300, blank=True)
    draft_of = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="working_copy",
        editable=False,
        help_text="Set on the working copy that holds unpublished changes to a published story",
    )
    has_changes = models.BooleanField(
        "unpublished changes",
        default=False,
        editable=False,
        help_text="On a working copy: edited since the story was last published or discarded",
    )
    revised_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When published content last changed"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExplainerQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        permissions = [
            ("submit_explainer", "Can submit explainers for review"),
            ("publish_explainer", "Can publish, schedule, unpublish and archive explainers"),
            ("correct_explainer", "Can add public corrections, clarifications and updates"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(draft_of__isnull=True),
                name="explainer_unique_slug",
                violation_error_message="Another explainer already has this slug.",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="explainer_published_has_date",
                violation_error_message=(
                    "A published explainer needs a publication time: set “Published at” "
                    "(Today and Now publish it at once; a future time schedules it)."
                ),
            ),
        ]
        indexes = [models.Index(fields=["status", "published_at"], name="explainer_status_pub_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return slug_url("explainers:detail", self.slug)

    @property
    def is_live(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def story(self) -> "Explainer":
        """The story readers know: itself, or the published explainer this copy will replace."""
        return self.draft_of if self.draft_of_id else self

    @property
    def autosave_target(self) -> "Explainer":
        """Unsaved text is kept for the story, whichever of its rows the form was open on."""
        return self.story

    @property
    def pins_figures(self) -> bool:
        """Figures in the text stand as they were when the story was published."""
        if self.figures:
            return self.figures == "pinned"
        return self.kind != self.Kind.EXPLAINER  # analysis and news are dated

    @property
    def figures_as_of(self):
        """The day pinned figures are taken from: its publication (today, for a draft)."""
        if not self.pins_figures:
            return None
        when = self.story.published_at if self.is_working_copy else self.published_at
        return timezone.localdate(when) if when else timezone.localdate()

    @property
    def author_names(self) -> str:
        """The byline: its authors' names (uses prefetched ``authors``)."""
        names = [author.name for author in self.authors.all()]
        return (
            " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)
        )

    @property
    def audit_target(self) -> "Explainer":
        """Audit entries are written on the story, for its working copy too."""
        return self.story

    @property
    def is_working_copy(self) -> bool:
        return self.draft_of_id is not None

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def status_label(self) -> str:
        if self.is_working_copy:
            return f"Unpublished changes ({self.get_status_display().lower()})"
        if self.is_scheduled:
            return f"Scheduled for {timezone.localtime(self.published_at):%-d %b %Y, %H:%M}"
        return self.get_status_display()

    @property
    def modified_at(self):
        """The last time readers' version changed: republished or given a public note."""
        notes = [note.published_at for note in self.corrections.all()]
        dates = [d for d in [self.published_at, self.revised_at, *notes] if d]
        return max(dates) if dates else None

    @cached_property
    def fact_notes(self) -> list["Correction"]:
        """Public notes on the facts this story shows, made since it was published (a story
        published after a fact was corrected never showed the mistake): one query; none before
        it is published."""
        if self.published_at is None:
            return []
        return list(
            Correction.objects.on_facts_shown_by(self.pk)
            .filter(published_at__gt=self.published_at)
            .select_related("quote__speaker", "statistic", "claim")
            .order_by("published_at", "pk")
        )

    @property
    def public_notes(self) -> list["Correction"]:
        """Its own notes (prefetched) and its facts' notes, oldest first."""
        notes = [*self.corrections.all(), *self.fact_notes]
        return sorted(notes, key=lambda note: (note.published_at, note.pk))

    @property
    def contents(self) -> list["Section"]:
        """Sections with a heading, for the table of contents (uses prefetched sections)."""
        return [section for section in self.sections.all() if section.heading]

    def placed_blocks(self):
        """Every block the story places, in reading order (uses prefetched sections and
        blocks: ``for_public_detail``). The one walk over a story's facts."""
        for section in self.sections.all():
            yield from section.blocks.all()

    @property
    def sources_cited(self) -> list:
        """Every source behind the story's fact blocks, once each."""
        sources = {}
        for block in self.placed_blocks():
            for source in block.sources:
                sources.setdefault(source.pk, source)
        return sorted(sources.values(), key=lambda source: (source.publisher, source.title))

    @property
    def last_changed(self):
        """When anything readers see of it last changed: its own fields, a public note, or a
        fact, person, source or value it shows (``SectionBlock.SHOWN_TIMES``, prefetched).
        ``ExplainerQuerySet.changed_since`` asks the same in SQL."""
        times = [self.updated_at, *(note.published_at for note in self.corrections.all())]
        for block in self.placed_blocks():
            times.extend(block.shown_times())
        return max(filter(None, times))


class Section(models.Model):
    explainer = models.ForeignKey(Explainer, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField()
    heading = models.CharField(
        max_length=200,
        blank=True,
        help_text="Often a reader's question. Leave empty for the opening section.",
    )
    body = models.TextField(
        blank=True,
        help_text=(
            "Markdown: a blank line starts a paragraph; **bold**, *italic*, [link](https://…), "
            "lists with 1. or -, sub-headings with ###. Pick fact blocks with the search box: "
            "cards stand on a line of their own, [[value:…]] and [[said:…]] go inside a sentence, "
            "and @YYYY-MM-DD pins a statistic to its value on that date."
        ),
    )
    body_html = models.TextField(editable=False, blank=True)

    class Meta:
        ordering = ["explainer", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["explainer", "position"], name="section_unique_position"
            ),
        ]

    def __str__(self):
        if self.heading:
            return self.heading
        return "Opening section" if self.position == 1 else f"Section {self.position}"

    @property
    def anchor(self) -> str:
        return slugify(self.heading)[:80] or f"section-{self.position}"

    def parts(self) -> list[tuple[str, "SectionBlock | None"]]:
        """The body as (html, None) and ("", block) pieces, from prefetched blocks."""
        blocks = {block.position: block for block in self.blocks.all()}
        pieces = BLOCK_MARKER.split(self.body_html)
        result = []
        for index, piece in enumerate(pieces):
            if index % 2 == 0:
                if piece:
                    result.append((piece, None))
            elif (block := blocks.get(int(piece))) is not None:
                result.append(("", block))
        return result

    def write_blocks(self, placed) -> bool:
        """Make this section's usage rows match the blocks its compiled body places; say
        whether they changed. Rows are only rewritten when something changed, so saving
        unchanged text is a no-op. Called by ``publishing.write_sections``.
        """
        wanted = [
            SectionBlock(section=self, position=position, **fields) for position, fields in placed
        ]
        existing = list(self.blocks.order_by("position"))
        if [block.signature for block in existing] == [block.signature for block in wanted]:
            return False
        self.blocks.all().delete()
        SectionBlock.objects.bulk_create(wanted)
        return True


class SectionBlockQuerySet(models.QuerySet):
    """The usage index: each row places a fact block or media item in a section of a story.

    A published story's working copy has rows of its own; every question below counts them for
    the story they will replace (``story_ids``)."""

    def published(self):
        return self.filter(ExplainerQuerySet.published_q(prefix="section__explainer__"))

    def live_or_scheduled(self):
        return self.filter(
            section__explainer__status=Explainer.Status.PUBLISHED,
            section__explainer__draft_of__isnull=True,
        )

    def showing(self, obj):
        """Rows whose block shows ``obj``: the block itself, a media item, or a person,
        source, rating or value on a fact card (``claims.models.facts_showing``). The one
        definition of "which stories show this"."""
        if isinstance(obj, Media):
            return self.filter(media=obj)
        if isinstance(obj, Quote | Statistic | Claim):
            return self.filter(**{obj.token_kind: obj})
        placed = Q()
        for kind, facts in facts_showing(obj).items():
            placed |= Q(**{f"{kind}__in": facts.values("pk")})
        return self.filter(placed) if placed else self.none()

    def story_ids(self):
        """The ids of the stories these rows are in: a working copy's rows count for its story."""
        return self.values(story=Coalesce("section__explainer__draft_of", "section__explainer"))

    def stories(self):
        """The stories these rows are in, each once."""
        return Explainer.objects.filter(pk__in=self.story_ids())

    def of_newest_stories(self, limit: int):
        """Only the rows of the ``limit`` newest of these stories: a bounded "used in" list."""
        first = self.stories().order_by("-published_at", "title", "pk").values("pk")[:limit]
        return self.alias(
            story=Coalesce("section__explainer__draft_of", "section__explainer")
        ).filter(story__in=first)

    def by_story(self):
        """One row per story these rows are in, newest first: (id, slug, title, kind,
        published_at, updated_at), what a list of them shows.

        Grouped from the rows' side, and ordered by an aggregate, so the cost follows how many
        rows there are. Asked as "the newest explainers that have such rows", PostgreSQL walked
        the archive back from its newest story: 1.6 s at 80,000 stories for a fact only an old
        story uses.
        """
        story = "section__explainer__"
        return (
            self.values(*(story + name for name in ("id", "slug", "title", "kind", "updated_at")))
            .annotate(newest=Max(story + "published_at"))
            .order_by("-newest", f"-{story}id")
        )

    def for_usage_list(self):
        return self.select_related("section__explainer").order_by(
            "-section__explainer__published_at", "section__explainer__title", "section__position"
        )

    def for_rendering(self):
        return (
            self.select_related(
                "quote__speaker",
                "quote__role",
                "quote__source",
                "quote__checked_by",
                "statistic__source",
                "statistic__checked_by",
                "claim__rating",
                "claim__claimant",
                "claim__made_in",
                "claim__verdict_source",
                "claim__checked_by",
                "media",
            )
            .prefetch_related(
                # sorted in Python; each value with its own source, if it names one
                Prefetch(
                    "statistic__values",
                    queryset=StatisticValue.objects.select_related("source").order_by(),
                ),
                "claim__sources",
            )
            .order_by("position")
        )


class SectionBlock(models.Model):
    """A fact block or media item placed in a section: together these rows are the usage index."""

    class Kind(models.TextChoices):
        QUOTE = "quote", "Quote card"
        SAID = "said", "Quoted words inside a sentence"
        STATISTIC = "statistic", "Statistic card"
        VALUE = "value", "Statistic value in a sentence"
        CLAIM = "claim", "Claim card"
        MEDIA = "media", "Image or video"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    quote = models.ForeignKey(
        Quote, on_delete=models.PROTECT, related_name="section_blocks", null=True, blank=True
    )
    statistic = models.ForeignKey(
        Statistic, on_delete=models.PROTECT, related_name="section_blocks", null=True, blank=True
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="section_blocks", null=True, blank=True
    )
    media = models.ForeignKey(
        Media, on_delete=models.PROTECT, related_name="section_blocks", null=True, blank=True
    )
    pinned_value = models.ForeignKey(
        StatisticValue,
        on_delete=models.PROTECT,
        related_name="pinned_blocks",
        null=True,
        blank=True,
        help_text="Set when the statistic is pinned to its value as of a date",
    )

    objects = SectionBlockQuerySet.as_manager()

    # Every time a placed block's readers' version depends on, as a path from the row: the
    # block, who said or made it, its sources, a statistic's values. Walked over prefetched
    # objects for the API's Last-Modified (``shown_times``) and filtered on in SQL for
    # ``?updated_since=`` (``ExplainerQuerySet.changed_since``), so the two always agree.
    SHOWN_TIMES = (
        "quote.updated_at",
        "quote.speaker.updated_at",
        "quote.source.updated_at",
        "statistic.updated_at",
        "statistic.source.updated_at",
        "statistic.values.recorded_at",
        "claim.updated_at",
        "claim.claimant.updated_at",
        "claim.sources.updated_at",
    )

    class Meta:
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "position"], name="block_unique_position"),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=["quote", "said"],
                        quote__isnull=False,
                        statistic=None,
                        claim=None,
                        media=None,
                    )
                    | Q(
                        kind__in=["statistic", "value"],
                        statistic__isnull=False,
                        quote=None,
                        claim=None,
                        media=None,
                    )
                    | Q(kind="claim", claim__isnull=False, quote=None, statistic=None, media=None)
                    | Q(kind="media", media__isnull=False, quote=None, statistic=None, claim=None)
                ),
                name="block_target_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(pinned_value=None) | Q(kind__in=["statistic", "value"]),
                name="block_only_statistics_pin",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.target}"

    @property
    def signature(self) -> tuple:
        return (
            self.position,
            self.kind,
            self.quote_id,
            self.statistic_id,
            self.claim_id,
            self.media_id,
            self.pinned_value_id,
        )

    @property
    def target(self):
        return self.quote or self.statistic or self.claim or self.media

    @property
    def sources(self) -> list:
        """The sources its card cites (from prefetched objects)."""
        if self.quote_id:
            return [self.quote.source] if self.quote.source_id else []
        if self.statistic_id:
            value = self.shown_value
            return [value.shown_source if value else self.statistic.source]
        if self.claim_id:
            return list(self.claim.sources.all())
        return []

    def shown_times(self) -> list:
        """The times of ``SHOWN_TIMES``, read from prefetched objects (None where a link is
        empty)."""
        return [time for path in self.SHOWN_TIMES for time in _follow(self, path.split("."))]

    @property
    def explainer(self) -> Explainer:
        return self.section.explainer

    @cached_property
    def shown_value(self) -> StatisticValue | None:
        """The value readers see. Pinned (``@date`` in the token, or a story whose figures
        stand as they were when it was published): that value, as corrected since. Live: the
        statistic's current value."""
        if self.statistic_id is None:
            return None
        statistic = self.statistic
        if self.pinned_value_id:
            return statistic.corrected(self.pinned_value_id)
        story = self.section.explainer
        if story.pins_figures:
            published = story.story.published_at if story.is_working_copy else story.published_at
            return statistic.value_on(story.figures_as_of, known_at=published) or statistic.current
        return statistic.current

    @property
    def is_pinned(self) -> bool:
        return self.pinned_value_id is not None or (
            self.statistic_id is not None and self.section.explainer.pins_figures
        )

    @cached_property
    def newer_value(self) -> StatisticValue | None:
        """For a pinned figure: the statistic's current value, if it came after."""
        if not self.is_pinned or self.shown_value is None:
            return None
        current, shown = self.statistic.current, self.shown_value
        later = current and StatisticValue.sort_key(current) > StatisticValue.sort_key(shown)
        return current if later and current.pk != shown.pk else None


def _follow(obj, names: list[str]) -> list:
    """The values at the end of a dotted path, through foreign keys and prefetched many-sides."""
    if obj is None:
        return []
    if not names:
        return [obj]
    value = getattr(obj, names[0])
    if isinstance(value, models.Manager):
        return [found for item in value.all() for found in _follow(item, names[1:])]
    return _follow(value, names[1:])


class CorrectionQuerySet(models.QuerySet):
    def on_facts_shown_by(self, story_pk):
        """Notes on the quotes, statistics and claims a story places."""
        blocks = SectionBlock.objects.filter(section__explainer=story_pk)
        return self.filter(
            Q(quote__in=blocks.filter(quote__isnull=False).values("quote"))
            | Q(statistic__in=blocks.filter(statistic__isnull=False).values("statistic"))
            | Q(claim__in=blocks.filter(claim__isnull=False).values("claim"))
        )


class Correction(Versioned):
    """A public note on a story: a correction, a clarification or an update."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        UPDATE = "update", "Update"

    explainer = models.ForeignKey(
        Explainer,
        on_delete=models.CASCADE,
        related_name="corrections",
        null=True,
        blank=True,
        help_text="A story, or else one of the facts below",
    )
    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="notes", null=True, blank=True
    )
    statistic = models.ForeignKey(
        Statistic, on_delete=models.CASCADE, related_name="notes", null=True, blank=True
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="notes", null=True, blank=True
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(help_text="What was wrong and what is right, in plain words")
    published_at = models.DateTimeField(default=timezone.now)
    automatic = models.BooleanField(
        default=False, editable=False, help_text="Written by the system when a live figure changed"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = "public note"
        verbose_name_plural = "public notes (corrections and updates)"
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="correction_text_not_empty",
                violation_error_message="Write the note readers will see.",
            ),
            models.CheckConstraint(
                condition=Q(explainer__isnull=False, quote=None, statistic=None, claim=None)
                | Q(explainer=None, quote__isnull=False, statistic=None, claim=None)
                | Q(explainer=None, quote=None, statistic__isnull=False, claim=None)
                | Q(explainer=None, quote=None, statistic=None, claim__isnull=False),
                name="correction_on_one_story_or_fact",
                violation_error_message="A note is on one story, or on one fact.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to “{self.subject}”"

    @property
    def subject(self):
        return self.explainer or self.quote or self.statistic or self.claim

    @property
    def fact(self):
        return self.quote or self.statistic or self.claim


class Revision(models.Model):
    """A snapshot of a story's content at a save, publish or restore. Never changed afterwards."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        PUBLISHED = "published", "Published"
        RESTORED = "restored", "Restored"

    explainer = models.ForeignKey(Explainer, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=Action.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    content = models.JSONField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["explainer", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["explainer", "number"], name="revision_unique_number"),
        ]

    def __str__(self):
        return f"Revision {self.number} of “{self.explainer}”"


class Rendering(models.Model):
    """A story as readers and partners get it, rendered when the story or anything it shows
    changes, never per request (``explainers/renderings.py``): the page's head and article, the
    API's detail and list item. A change marks it stale in its own transaction; a request that
    meets a stale one renders it then, so none is served after the change commits."""

    explainer = models.OneToOneField(
        Explainer, on_delete=models.CASCADE, primary_key=True, related_name="rendering"
    )
    stale = models.BooleanField(default=True)
    version = models.CharField(
        max_length=32, blank=True, help_text="New at every rendering: the API's ETag"
    )
    rendered_at = models.DateTimeField(null=True, blank=True)
    render_count = models.PositiveIntegerField(default=0, help_text="Times it was rendered")
    renderer = models.CharField(
        max_length=16, blank=True, help_text="The fingerprint of the code that rendered it"
    )
    story_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="The story row's updated_at it was rendered from"
    )
    last_modified = models.DateTimeField(
        null=True, blank=True, help_text="When anything readers see of it last changed"
    )
    head = models.TextField(blank=True)
    article = models.TextField(blank=True)
    api_detail = models.TextField(blank=True)
    api_item = models.TextField(blank=True)
    keys = models.TextField(
        blank=True,
        help_text="Its surrogate keys: the story and everything it shows (explainers/caching.py)",
    )

    def __str__(self):
        return f"Rendering of story {self.explainer_id}"

    def is_current_for(self, story: Explainer) -> bool:
        """Rendered, not marked stale since, and from the story row as it now stands."""
        return bool(self.version) and not self.stale and self.story_updated_at == story.updated_at


# --- Page furniture an import drops -------------------------------------------------------------

# A furniture line is short: longer lines are never tested against a pattern, which bounds the
# work a regular expression can do on one line (see ``check_furniture_regex``).
FURNITURE_LINE_LIMIT = 300
# The most backtracking a pattern may allow on such a line, counted as the product of its
# repeats' lengths: `.*x.*` is 301² (fine), `.*x.*y.*` is 301³ and is refused.
FURNITURE_REGEX_COST = 10**7


def check_furniture_regex(pattern: str) -> re.Pattern:
    """Compile a furniture pattern, or raise ValidationError saying what to change.

    Python's ``re`` backtracks, so a pattern such as ``(a+)+$`` can take hours on a short
    line. Refused: a repeat inside a repeat, alternatives inside a repeat, back-references, and
    more backtracking than ``FURNITURE_REGEX_COST`` on a line of ``FURNITURE_LINE_LIMIT``
    characters. What is left runs in well under a millisecond a line.
    """
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
        parsed = regex_parser.parse(pattern)
    except (re.error, RecursionError, OverflowError) as error:
        raise ValidationError(
            f"This is not a regular expression Python can read: {error}."
        ) from None
    repeats = {
        regex_parser.MAX_REPEAT,
        regex_parser.MIN_REPEAT,
        getattr(regex_parser, "POSSESSIVE_REPEAT", None),
    }
    cost = 1

    def walk(items, inside_repeat: bool) -> None:
        nonlocal cost
        for op, arg in items:
            if op in repeats:
                _, high, sub = arg
                if inside_repeat:
                    raise ValidationError(
                        "A repeat inside a repeat, such as (a+)+, can take hours on one line: "
                        "repeat a single character or class instead, e.g. [^.]{1,40}."
                    )
                cost *= min(high, FURNITURE_LINE_LIMIT) + 1
                walk(sub, True)
            elif op is regex_parser.BRANCH:
                if inside_repeat:
                    raise ValidationError(
                        "Alternatives inside a repeat, such as (a|b)+, can take hours on one "
                        "line: use a character class, e.g. [ab]+."
                    )
                for branch in arg[1]:
                    walk(branch, inside_repeat)
            elif op is regex_parser.SUBPATTERN:
                walk(arg[-1], inside_repeat)
            elif op in (regex_parser.ASSERT, regex_parser.ASSERT_NOT):
                walk(arg[1], inside_repeat)
            elif op in (regex_parser.GROUPREF, regex_parser.GROUPREF_EXISTS):
                raise ValidationError("Back-references (\\1) are not allowed in a pattern.")

    walk(parsed, False)
    if cost > FURNITURE_REGEX_COST:
        raise ValidationError(
            "Too much repetition for one line: use at most two open-ended repeats (*, +) and "
            "give the others a short length, e.g. [^.]{1,40} instead of .*."
        )
    return compiled


def _plain(text: str) -> str:
    """A line as patterns compare it: spaces collapsed, curly apostrophes straight, any case."""
    return " ".join(text.replace("’", "'").split()).casefold()


class FurniturePattern(Versioned):
    """A kind of line an imported text's page brings along that is not the story ("Please use
    Chrome browser…", "More from Politics", "Read more:"): the import drops it and lists it,
    with the pattern that matched, on its review screen. Kept in the admin, not in code."""

    class Kind(models.TextChoices):
        STARTS_WITH = "starts_with", "The line starts with"
        EXACT = "exact", "The whole line is"
        REGEX = "regex", "The whole line matches the regular expression"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STARTS_WITH)
    pattern = models.CharField(
        max_length=200,
        help_text="Case does not matter. A regular expression must match the whole line: "
        "“More from [^.!?]{1,40}” drops “More from Politics” and keeps a sentence.",
    )
    note = models.CharField(
        max_length=200, blank=True, help_text="What it is, e.g. the video player's notice"
    )
    active = models.BooleanField(default=True, help_text="Untick to stop dropping such lines")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "pattern"]
        verbose_name = "page furniture pattern"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "pattern"],
                name="furniture_pattern_unique",
                violation_error_message="This pattern is already on the list.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} “{self.pattern}”"

    def clean(self):
        if not self.pattern.strip():
            raise ValidationError({"pattern": "Write the text or pattern to drop."})
        if self.kind == self.Kind.REGEX:
            try:
                check_furniture_regex(self.pattern)
            except ValidationError as error:
                raise ValidationError({"pattern": error.messages}) from None

    @cached_property
    def _compiled(self) -> re.Pattern | None:
        if self.kind != self.Kind.REGEX:
            return None
        try:
            return check_furniture_regex(self.pattern)
        except ValidationError:
            return None  # saved before the checks, or by hand: it matches nothing

    def matches(self, line: str) -> bool:
        """Whether ``line`` (one line of pasted text) is this furniture."""
        line = line.strip()
        if not line or len(line) > FURNITURE_LINE_LIMIT:
            return False
        if self.kind == self.Kind.REGEX:
            compiled = self._compiled
            return bool(compiled and compiled.fullmatch(" ".join(line.split())))
        plain, pattern = _plain(line), _plain(self.pattern)
        if self.kind == self.Kind.EXACT:
            return plain == pattern.rstrip()
        return plain.startswith(pattern)
