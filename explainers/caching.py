"""What the page cache knows of stories: the tags of their pages, which stories show a changed
object, and when a scheduled story will appear by itself. Registered with the core page cache
when the app starts (``ExplainersConfig.ready``)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.utils import timezone

from claims.caching import fact_tag
from claims.models import FactBlock, Person, Rating, Source, StatisticValue
from newsroom.core import pagecache

from .models import Author, Explainer, Media, SectionBlock, Topic

SCHEDULE_KEY = "pagecache:next-scheduled:"
NAV_KEY = "pagecache:nav:"
NAV_TOPICS = 10


def story_tag(slug: str) -> str:
    return pagecache.tag("explainer", slug)


def story_page_tags(request, slug, **kwargs) -> list[str]:
    return [story_tag(slug)]


# --- Which story pages show something ---------------------------------------------------------


def story_pages_showing(obj) -> set[str]:
    """For a story readers see (or will, when scheduled): its page, the lists and fact pages
    it appears on. For anything a story shows: the pages of the stories readers see with it.
    Drafts and working copies are on no public page, so changing them refreshes nothing."""
    if isinstance(obj, Explainer):
        return _story_pages(obj)
    if isinstance(obj, Topic):
        stories = Explainer.objects.live_or_scheduled().filter(topics=obj)
        return {
            pagecache.LISTS,
            *(story_tag(slug) for slug in stories.values_list("slug", flat=True)),
        }
    if isinstance(obj, Author):  # a byline, on the story's page and its teasers in lists
        stories = Explainer.objects.live_or_scheduled().filter(authors=obj)
        slugs = set(stories.values_list("slug", flat=True))
        return {pagecache.LISTS, *(story_tag(slug) for slug in slugs)} if slugs else set()
    if isinstance(obj, Media | FactBlock | Person | Source | Rating | StatisticValue):
        rows = SectionBlock.objects.showing(obj).live_or_scheduled()
        slugs = set(rows.values_list("section__explainer__slug", flat=True))
        if isinstance(obj, Media):  # a lead image is on the home and topic pages too
            heroes = Explainer.objects.live_or_scheduled().filter(hero=obj)
            slugs.update(heroes.values_list("slug", flat=True))
            return {pagecache.LISTS, *(story_tag(slug) for slug in slugs)} if slugs else set()
        return {story_tag(slug) for slug in slugs}
    return set()


def story_pages_showing_with_nav(obj) -> set[str]:
    """``story_pages_showing``, and every page when the masthead's topics change with it (a
    story's first or last public story in a topic, a topic renamed): asked before the change
    and again after its commit, it compares the topics now public with those pages show."""
    tags = story_pages_showing(obj)
    # A story taken down is on no list after its commit, yet its topic may leave the masthead.
    touches_nav = pagecache.LISTS in tags or isinstance(obj, Explainer | Topic)
    if touches_nav and _nav_changed():
        tags.add(pagecache.SITE)
    return tags


def _story_pages(story: Explainer) -> set[str]:
    if story.is_working_copy:
        return set()
    stored = Explainer.objects.live_or_scheduled().filter(pk=story.pk)
    slug = stored.values_list("slug", flat=True).first()
    if slug is None:  # not (or no longer) for readers
        return set()
    tags = {pagecache.LISTS, pagecache.FACTS, story_tag(slug), story_tag(story.slug)}
    blocks = SectionBlock.objects.filter(section__explainer=story.pk).values_list(
        "quote__slug", "statistic__slug", "claim__slug"
    )
    for row in blocks:
        for kind, fact_slug in zip(("quote", "statistic", "claim"), row, strict=True):
            if fact_slug:
                tags.add(fact_tag(kind, fact_slug))
    return tags


# --- Stories scheduled for later appear by themselves ------------------------------------------


def seconds_until_next_story(limit: int) -> int:
    """Keep pages no longer than until the next scheduled story goes live.

    The answer is kept in the cache under the ``lists`` token, which every publish, schedule,
    unpublish and archive replaces: a page rendered afresh costs this query once per change of
    schedule, not once per page.
    """
    now = timezone.now()
    key = SCHEDULE_KEY + pagecache.token(pagecache.LISTS)
    upcoming = cache.get(key)
    if upcoming is None or (upcoming != "none" and upcoming <= now):
        upcoming = (
            (
                Explainer.objects.live_or_scheduled()
                .filter(published_at__gt=now)
                .aggregate(next=Min("published_at"))["next"]
            )
            or "none"
        )
        cache.set(key, upcoming, timeout=limit)
    if upcoming == "none":
        return limit
    return max(1, min(limit, int((upcoming - now).total_seconds()) + 1))


# --- The masthead's topics ---------------------------------------------------------------------


@dataclass(frozen=True)
class NavTopic:
    name: str
    url: str


def _nav_query() -> list[NavTopic]:
    """Topics with published stories (never a draft's or a scheduled story's topic), the most
    covered first, at most ``NAV_TOPICS``, in alphabetical order. One query."""
    topics = (
        Topic.objects.with_public_explainer_count()
        .filter(public_explainer_count__gt=0)
        .order_by("-public_explainer_count", "name")[:NAV_TOPICS]
    )
    return sorted((NavTopic(t.name, t.get_absolute_url()) for t in topics), key=lambda t: t.name)


def nav_topics() -> list[NavTopic]:
    """The masthead's topics on every public page. With the page cache on, they are kept under
    the ``site`` token, which a change to them replaces (``_nav_changed``): a page rendered
    afresh costs no query for them (counting every published story per topic is slow in a
    large archive). They are kept until that token changes, never for a set time: an expiry
    between a take-down's commit and its refresh would let a request store the new topics
    under the old token, and pages cached before it would keep the old ones. A scheduled story
    going live adds its topic at the next change to the lists."""
    if settings.NEWSROOM_PAGE_CACHE_SECONDS <= 0:
        return _nav_query()
    key = NAV_KEY + pagecache.token(pagecache.SITE)
    topics = cache.get(key)
    if topics is None:
        topics = _nav_query()
        cache.set(key, topics, timeout=None)
    return topics


def _nav_changed() -> bool:
    """Whether the topics now public differ from those the pages under the current ``site``
    token show (asked before a change and again after its commit)."""
    if settings.NEWSROOM_PAGE_CACHE_SECONDS <= 0:
        return False  # no page is kept, so none can show old topics
    shown = cache.get(NAV_KEY + pagecache.token(pagecache.SITE))
    return shown is None or shown != _nav_query()
