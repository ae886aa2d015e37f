"""What the page cache knows of stories: the tags of their pages, the names a change to a
story, topic, author or media item touches, the objects a story's page shows (its surrogate
keys), and when a scheduled story will appear by itself. Registered with the core page cache
when the app starts (``ExplainersConfig.ready``)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.utils import timezone

from claims.caching import fact_tag
from newsroom.core import pagecache

from .models import Author, Explainer, Media, SectionBlock, Topic

SCHEDULE_KEY = "pagecache:next-scheduled:"
NAV_KEY = "pagecache:nav:"
NAV_TOPICS = 10


def story_tag(slug: str) -> str:
    return pagecache.tag("explainer", slug)


def story_page_tags(request, slug, **kwargs) -> list[str]:
    return [story_tag(slug)]


# --- Which names a change touches ----------------------------------------------------------------


def story_pages_showing(obj) -> set[str]:
    """For a story readers see (or will, when scheduled): its own key and pages, the lists it
    is on and the pages of the facts it shows (they list the stories using them). For a topic,
    author or media item a story readers see shows: its own key, on every page showing it, and
    the lists (teasers, the topic pages). Fact blocks, people, sources and values are the facts
    app's to name (``claims/caching.py``): a story's page carries their keys, so they are never
    enumerated here. Drafts and working copies are on no public page: changing them, or what
    only they show, touches nothing."""
    if isinstance(obj, Explainer):
        return _story_pages(obj)
    if not isinstance(obj, Topic | Author | Media) or obj.pk is None:
        return set()
    stories = Explainer.objects.live_or_scheduled()
    if isinstance(obj, Topic):
        shown = stories.filter(topics=obj).exists()
    elif isinstance(obj, Author):  # a byline, on the story's page and its teasers in lists
        shown = stories.filter(authors=obj).exists()
    else:  # a lead image is on the home and topic pages too
        shown = (
            SectionBlock.objects.showing(obj).live_or_scheduled().exists()
            or stories.filter(hero=obj).exists()
        )
    return {pagecache.LISTS, pagecache.object_key(obj)} if shown else set()


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
    tags = {
        pagecache.LISTS,
        pagecache.FACTS,
        pagecache.object_key(story),
        story_tag(slug),
        story_tag(story.slug),
    }
    blocks = SectionBlock.objects.filter(section__explainer=story.pk).values_list(
        "quote__slug", "statistic__slug", "claim__slug"
    )
    for row in blocks:
        for kind, fact_slug in zip(("quote", "statistic", "claim"), row, strict=True):
            if fact_slug:
                tags.add(fact_tag(kind, fact_slug))
    return tags


# --- What a story's page shows: its surrogate keys --------------------------------------------


def story_keys(story: Explainer) -> list[str]:
    """The keys of everything a story's page and API detail show, the story's own first: its
    topics, authors and lead image, and each block it places with the people, sources and
    rating on its card. Read from the objects ``for_public_detail`` loaded (no query), when the
    story is rendered; at most ``pagecache.MAX_OBJECT_KEYS`` (``pagecache.bounded``)."""
    key = pagecache.object_key
    keys = [key(story)]
    keys.extend(key(topic) for topic in story.topics.all())
    keys.extend(key(author) for author in story.authors.all())
    if story.hero_id:
        keys.append(key(story.hero))
    for block in story.placed_blocks():
        keys.extend(key(shown) for shown in _shown_by(block) if shown is not None)
    return pagecache.bounded(keys)


def _shown_by(block: SectionBlock) -> list:
    if block.quote_id:
        quote = block.quote
        return [quote, quote.speaker, quote.source]
    if block.statistic_id:
        statistic = block.statistic
        return [statistic, statistic.source, *(value.source for value in statistic.values.all())]
    if block.claim_id:
        claim = block.claim
        return [
            claim,
            claim.claimant,
            claim.rating,
            claim.made_in,
            claim.verdict_source,
            *claim.sources.all(),
        ]
    return [block.media]


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
