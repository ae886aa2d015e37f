"""Stories rendered once, when they change, and stored (``Rendering``): a reader's page is one
query for the story row with its rendering, and the API's detail and lists only place the
stored JSON.

When a change happens
    Every workflow verb calls ``pagecache.changing(obj)`` inside its transaction, before it
    changes ``obj``; ``mark_stale`` (registered then) marks the rendering of every story showing
    ``obj`` stale in that same transaction: the usage index says which (``SectionBlock.showing``,
    a lead image, a topic, an author). After the commit, up to ``NEWSROOM_RENDER_AT_ONCE`` of
    the stories readers see are rendered again at once; the rest stay stale and are rendered by
    the first request that meets them, or by ``manage.py render_stories``.

Why no stale rendering is ever served after the change commits
    The change locks each rendering row it marks (an upsert, in id order, after locking the
    story rows in id order, which is also the order the story verbs lock in, so two changes
    cannot deadlock). A rendering is made holding that row's lock (``refresh``). If the render
    took the lock first, the change waits for it and marks its result stale after; if the change
    did, the render waits for the commit and then reads the changed rows (each statement of a
    READ COMMITTED transaction sees what committed before it). Either way the rendering left
    after the commit is stale or shows the change. The lock also makes concurrent first
    requests render and store a story once: the others wait, then find it current.

Origins
    Pages and the API give absolute URLs on the host a reader asked. They are rendered with a
    stand-in request whose origin is ``ORIGIN``, which the views replace with the reader's.
"""

import functools
import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString
from django_tasks import task
from rest_framework.renderers import JSONRenderer

from claims.models import FactBlock, Person, Rating, Source, StatisticValue

from .models import Author, Explainer, Media, Rendering, SectionBlock, Topic

ORIGIN_HOST = "origin.newsroom.invalid"
ORIGIN = f"http://{ORIGIN_HOST}"
STORY_TEMPLATE = "explainers/story.html"
# What a reader's page and the API load of a story and its rendering: nothing more, since every
# column costs compiling and decoding on every request (``is_current`` needs ``FRESHNESS``).
FRESHNESS = (
    "updated_at",
    "rendering__stale",
    "rendering__version",
    "rendering__renderer",
    "rendering__story_updated_at",
)
PAGE_FIELDS = (
    *("slug", "title", "seo_title", "seo_description", "standfirst"),
    *FRESHNESS,
    *("rendering__head", "rendering__article", "rendering__keys"),
)
API_DETAIL_FIELDS = (
    *("slug", *FRESHNESS),
    *("rendering__last_modified", "rendering__api_detail", "rendering__keys"),
)
API_LIST_FIELDS = ("slug", "published_at", *FRESHNESS, "rendering__api_item")


class StandInRequest(HttpRequest):
    """The request a story is rendered with for storage: templates and serializers build
    absolute URLs on ``ORIGIN``, replaced per request by ``for_origin``."""

    scheme = "http"

    def __init__(self):
        super().__init__()
        self.method = "GET"
        self.path = self.path_info = "/"

    def get_host(self) -> str:
        return ORIGIN_HOST


def origin_of(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def for_origin(text: str, request) -> str:
    return text.replace(ORIGIN, origin_of(request))


# --- Rendering ---------------------------------------------------------------------------------

CODE = ("claims", "explainers", "newsroom", "templates")


@functools.cache
def renderer_version() -> str:
    """A fingerprint of the code and templates that render stories: a rendering made by other
    code (before a deploy) is rendered again when first met, as if stale. Read once a process,
    from the files' contents, so every app server running the same release agrees."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    for folder in CODE:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".html") and "migrations" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def is_current(rendering: Rendering, story: Explainer) -> bool:
    """Rendered by this code, not marked stale since, from the story row as it now stands."""
    return rendering.renderer == renderer_version() and rendering.is_current_for(story)


def render_parts(story: Explainer, request) -> dict:
    """The page's head and article for ``story`` (loaded ``for_public_detail``), rendered for
    ``request``: the stand-in when storing, the editor's own for a preview."""
    context = {"explainer": story, "request": request, "site_name": settings.NEWSROOM_SITE_NAME}
    return {
        "head": SafeString(get_template(f"{STORY_TEMPLATE}#head").render(context).strip()),
        "article": SafeString(get_template(f"{STORY_TEMPLATE}#article").render(context).strip()),
    }


def _json(data) -> str:
    return JSONRenderer().render(data).decode()


def _render(story: Explainer) -> dict:
    from .caching import story_keys
    from .serializers import ExplainerDetailSerializer, ExplainerSerializer

    request = StandInRequest()
    context = {"request": request}
    return {
        **render_parts(story, request),
        "api_detail": _json(ExplainerDetailSerializer(story, context=context).data),
        "api_item": _json(ExplainerSerializer(story, context=context).data),
        "last_modified": story.last_changed,
        "story_updated_at": story.updated_at,
        # What the page and the API detail show, for the shared cache in front to purge by.
        "keys": " ".join(story_keys(story)),
    }


def refresh(pk: int, *, force: bool = False) -> Rendering | None:
    """Render the story ``pk`` and store it, unless it is current by the time its rendering's
    lock is ours (a concurrent request stored it). None for a story readers cannot see."""
    with transaction.atomic():
        Rendering.objects.bulk_create([Rendering(explainer_id=pk)], ignore_conflicts=True)
        rendering = Rendering.objects.select_for_update().get(pk=pk)
        story = Explainer.objects.live_or_scheduled().for_public_detail().filter(pk=pk).first()
        if story is None:
            return None
        if not force and is_current(rendering, story):
            return rendering
        for name, value in _render(story).items():
            setattr(rendering, name, value)
        rendering.stale = False
        rendering.version = uuid.uuid4().hex
        rendering.rendered_at = timezone.now()
        rendering.render_count = F("render_count") + 1  # counted in the row, lock or none
        rendering.renderer = renderer_version()
        rendering.save()
        rendering.refresh_from_db(fields=["render_count"])
        return rendering


def current(story: Explainer) -> Rendering:
    """The story's rendering, loaded with it (``select_related("rendering")``), rendered now if
    it is missing or stale."""
    try:
        rendering = story.rendering
    except ObjectDoesNotExist:
        rendering = None
    if rendering is None or not is_current(rendering, story):
        rendering = refresh(story.pk)
        if rendering is None:  # taken down since the row was read
            raise Explainer.DoesNotExist
    return rendering


def render_stale(limit: int | None = None, *, every: bool = False) -> int:
    """Render the stories readers see (or will, when scheduled) whose rendering is stale,
    missing or made by other code, newest first (``every``: all of them); how many were
    rendered. For ``manage.py render_stories`` and the task queue (``render_stale_stories``)."""
    waiting = Explainer.objects.live_or_scheduled()
    if not every:
        waiting = waiting.filter(
            Q(rendering__isnull=True)
            | Q(rendering__stale=True)
            | ~Q(rendering__renderer=renderer_version())
        )
    waiting = waiting.order_by("-published_at", "-pk").values_list("pk", flat=True)
    done = 0
    for pk in waiting[:limit] if limit else waiting.iterator():
        if refresh(pk, force=every) is not None:
            done += 1
    return done


# --- What a change makes stale -------------------------------------------------------------------


def stories_showing(obj):
    """The ids of the stories (drafts and working copies too) whose rendering shows ``obj``, as a
    queryset of ``pk``; None for an object no story shows."""
    if isinstance(obj, Explainer):
        return Explainer.objects.filter(pk=obj.story.pk if obj.pk else None).values("pk")
    if isinstance(obj, Topic):
        return Explainer.objects.filter(topics=obj).values("pk")
    if isinstance(obj, Author):
        return Explainer.objects.filter(authors=obj).values("pk")
    if isinstance(obj, Media):
        rows = SectionBlock.objects.filter(media=obj).values("section__explainer")
        return Explainer.objects.filter(Q(pk__in=rows) | Q(hero=obj)).values("pk")
    if isinstance(obj, FactBlock | Person | Source | Rating | StatisticValue):
        rows = SectionBlock.objects.showing(obj).values("section__explainer")
        return Explainer.objects.filter(pk__in=rows).values("pk")
    return None


def mark_stale(objects) -> None:
    """Registered with ``pagecache.register_stale_marker``: inside the change's transaction,
    mark stale the rendering of every story showing ``objects`` and, on commit, render again
    the first ``NEWSROOM_RENDER_AT_ONCE`` of those readers see."""
    marked = set()
    for obj in objects:
        stories = stories_showing(obj)
        if stories is None or getattr(obj, "pk", None) is None:
            continue
        ids = list(
            Explainer.objects.filter(pk__in=stories)
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
        if not ids:
            continue
        _upsert_stale(stories)
        marked.update(ids)
    if marked:
        _render_on_commit(marked)


class _OnCommit:
    """The stories one transaction marked: rendered once it commits, ``NEWSROOM_RENDER_AT_ONCE``
    at most, however many changes within it marked them (a new figure notes every story
    showing it, one ``changing`` each)."""

    def __init__(self):
        self.ids = set()

    def __call__(self):
        _render_after_commit(sorted(self.ids))


def _render_on_commit(ids) -> None:
    connection_ = transaction.get_connection()
    pending = getattr(connection_, "newsroom_renders", None)
    # Still waiting for this transaction's commit? (A rollback drops it from the list.)
    if pending is None or not any(entry[1] is pending for entry in connection_.run_on_commit):
        pending = connection_.newsroom_renders = _OnCommit()
        transaction.on_commit(pending)
    pending.ids.update(ids)


def _upsert_stale(stories) -> None:
    """One statement, however many stories: a rendering row for each, marked stale, locked."""
    shown = Explainer.objects.filter(pk__in=stories).values(shown_id=F("pk"))
    subquery, params = shown.query.get_compiler(connection=connection).as_sql()
    table = connection.ops.quote_name(Rendering._meta.db_table)
    columns = (
        "explainer_id, stale, version, render_count, renderer, head, article, api_detail, "
        "api_item, keys"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "
            f"SELECT shown.shown_id, TRUE, '', 0, '', '', '', '', '', '' FROM ({subquery}) shown "
            "WHERE TRUE ORDER BY shown.shown_id "
            "ON CONFLICT (explainer_id) DO UPDATE SET stale = TRUE",
            params,
        )


def _render_after_commit(ids: list[int]) -> None:
    limit = settings.NEWSROOM_RENDER_AT_ONCE
    live = (
        Explainer.objects.live_or_scheduled()
        .filter(pk__in=ids)
        .order_by("-published_at", "-pk")
        .values_list("pk", flat=True)
    )
    at_once = list(live[: limit + 1])
    for pk in at_once[:limit]:
        refresh(pk)
    if len(at_once) > limit:  # the rest on the task queue, not in the editor's request
        render_stale_stories.enqueue()


@task(queue_name="default")
def render_stale_stories() -> int:
    """Render every stale story readers see (a fact used by thousands of stories changed);
    how many. Safe to run twice at once: each story is rendered under its row's lock."""
    return render_stale()


def etag(rendering: Rendering, request, part: str) -> str:
    """The API's ETag for a stored part: its version, on the host asked."""
    origin = hashlib.sha1(origin_of(request).encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{rendering.version}-{part}-{origin}"
