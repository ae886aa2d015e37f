"""The usage index as the facts app asks it (``newsroom.core.usage``): where a fact block, person,
source or media item is used, built on the usage rows (``SectionBlock``). Registered when the
app starts (``ExplainersConfig.ready``); the stories app's own admin uses it too."""

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Window
from django.db.models.functions import Coalesce, DenseRank
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from newsroom.core import usage
from newsroom.core.links import slug_url

from .models import Correction, Explainer, Media, SectionBlock

# How many stories an admin page lists for a block it shows (the newest); the public pages and
# the API list claims.models.STORIES_LISTED at once.
ADMIN_LISTED = 50

FIELDS = {"quote": "quote", "statistic": "statistic", "claim": "claim", "media": "media"}


def _field(model) -> str:
    return FIELDS[model._meta.model_name]


def story_ref(*, id, slug, title, kind, published_at, updated_at) -> usage.StoryRef:
    return usage.StoryRef(
        slug=slug,
        title=title,
        kind=kind,
        kind_label=Explainer.Kind(kind).label,
        published_at=published_at,
        updated_at=updated_at,
        url=slug_url("explainers:detail", slug),
        api_url=slug_url("api:explainer-detail", slug),
    )


class PublicStories(usage.Stories):
    """The published stories using a block, newest first, each once, a slice at a time."""

    def __init__(self, rows):
        self.rows = rows  # SectionBlock rows grouped by story (``by_story``)

    def count(self) -> int:
        return self.rows.count()

    def __getitem__(self, index):
        story = "section__explainer__"
        if isinstance(index, slice):
            return [
                story_ref(
                    id=row[story + "id"],
                    slug=row[story + "slug"],
                    title=row[story + "title"],
                    kind=row[story + "kind"],
                    published_at=row["newest"],
                    updated_at=row[story + "updated_at"],
                )
                for row in self.rows[index]
            ]
        return self[index : index + 1][0]


class StoryUsage(usage.UsageIndex):
    def public_filter(self, model) -> Q:
        """From the time each block stores (``public_from``): the database keeps it as the
        earliest publication time of the stories placing the block that are published or
        scheduled (``public_from.py``), so this is ``live_public_filter`` without reading a
        usage row."""
        return Q(public_from__lte=timezone.now())

    def live_public_filter(self, model) -> Q:
        """The rule itself, read from the usage rows: what ``public_filter`` stores."""
        rows = SectionBlock.objects.published().filter(**{_field(model): OuterRef("pk")})
        return Q(Exists(rows))

    def with_public_stories(self, queryset, limit: int):
        field = _field(queryset.model)
        newest_first = Window(
            DenseRank(),  # one rank per story, however many sections place the block
            partition_by=F(field),
            order_by=[
                F("section__explainer__published_at").desc(),
                F("section__explainer_id").desc(),
            ],
        )
        places = SectionBlock.objects.published().for_usage_list().annotate(story_rank=newest_first)
        stories = (
            SectionBlock.objects.published()
            .filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("section__explainer", distinct=True))
            .values("n")
        )
        return queryset.annotate(
            public_story_count=Coalesce(Subquery(stories), 0)
        ).prefetch_related(
            Prefetch(
                "section_blocks",
                queryset=places.filter(story_rank__lte=limit),
                to_attr="public_uses",
            )
        )

    def public_stories_of(self, obj) -> list[usage.StoryRef]:
        seen = {}
        for use in obj.public_uses:
            story = use.section.explainer
            if story.pk not in seen:
                seen[story.pk] = story_ref(
                    id=story.pk,
                    slug=story.slug,
                    title=story.title,
                    kind=story.kind,
                    published_at=story.published_at,
                    updated_at=story.updated_at,
                )
        return list(seen.values())

    def public_stories(self, obj) -> PublicStories:
        return PublicStories(SectionBlock.objects.showing(obj).published().by_story())

    def public_stories_api_path(self, obj) -> str:
        return f"{reverse('api:explainer-list')}?{urlencode({obj.token_kind: obj.slug})}"

    def story_count(self, model):
        story = Coalesce(
            "section_blocks__section__explainer__draft_of", "section_blocks__section__explainer"
        )
        return Count(story, distinct=True)

    def admin_used_in(self, obj, *, total: int | None = None) -> str:
        return used_in_html(obj, total=total)

    def public_notes_of(self, obj) -> list:
        return list(
            Correction.objects.filter(**{obj.token_kind: obj}).order_by("published_at", "pk")
        )

    def stories_showing(self, obj) -> list[str]:
        titles = {}
        rows = SectionBlock.objects.showing(obj).select_related("section__explainer__draft_of")
        for use in rows:
            story = use.section.explainer.story
            titles.setdefault(story.pk, f"{story.title} ({story.get_status_display().lower()})")
        if isinstance(obj, Media):
            for story in Explainer.objects.filter(hero=obj).select_related("draft_of"):
                story = story.story
                titles.setdefault(story.pk, f"{story.title} ({story.get_status_display().lower()})")
        return list(titles.values())


def stories_using_url(token: str) -> str:
    """The story changelist filtered to the stories using a block (``?uses=quote:slug``)."""
    return f"{reverse('admin:explainers_explainer_changelist')}?{urlencode({'uses': token})}"


def used_in_html(
    obj, *, total: int | None = None, empty: str = "Not used in any story yet."
) -> str:
    """The admin's "Used in": the ADMIN_LISTED newest stories using a block (drafts and
    unpublished changes included), each linked, with the total and a link to them all. Two
    queries (one when the total is known), however many stories use it.
    """
    uses = SectionBlock.objects.showing(obj).for_usage_list()
    listed = list(
        uses.of_newest_stories(ADMIN_LISTED).select_related("section__explainer__draft_of")
    )
    if not listed:
        return empty
    stories = {}
    for use in listed:
        explainer = use.section.explainer
        story = explainer.story
        entry = stories.setdefault(story.pk, {"story": story, "sections": [], "copy": False})
        entry["sections"].append(str(use.section))
        entry["copy"] = entry["copy"] or explainer.is_working_copy
    rows = []
    for entry in stories.values():
        story = entry["story"]
        status = story.get_status_display() + (", unpublished changes" if entry["copy"] else "")
        rows.append(
            (
                reverse("admin:explainers_explainer_change", args=[story.pk]),
                story.title,
                status,
                "; ".join(dict.fromkeys(entry["sections"])),
            )
        )
    if total is None:
        total = uses.stories().count()
    total = max(total, len(rows))
    shown, more = "", ""
    if total > len(rows):
        shown = f"; the {len(rows)} newest"
        token = f"{obj.token_kind if hasattr(obj, 'token_kind') else 'media'}:{obj.slug}"
        more = format_html(
            "<p><a href='{}'>See all {} stories</a></p>", stories_using_url(token), total
        )
    return format_html(
        "<p>Used in {} {}{}:</p><ul class='usage-list'>{}</ul>{}",
        total,
        "story" if total == 1 else "stories",
        shown,
        format_html_join("", "<li><a href='{}'>{}</a> ({}) · {}</li>", rows),
        more,
    )
