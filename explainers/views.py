from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache

from newsroom.core.pagecache import object_key
from newsroom.core.paging import paginate

from . import renderings
from .models import Explainer, Topic
from .renderings import PAGE_FIELDS

PREVIEW_SALT = "explainers.preview"
TOPIC_PAGE_SIZE = 20


def explainer_detail(request, slug):
    """One query for the story row and its stored rendering (``renderings``); the template
    only places its strings."""
    stories = Explainer.objects.published().select_related("rendering").only(*PAGE_FIELDS)
    explainer = get_object_or_404(stories, slug=slug)
    try:
        rendering = renderings.current(explainer)
    except Explainer.DoesNotExist:
        raise Http404("No such story.") from None
    response = render(
        request,
        "explainers/explainer_detail.html",
        {
            "explainer": explainer,
            "head": SafeString(renderings.for_origin(rendering.head, request)),
            "article": SafeString(rendering.article),
        },
    )
    response.surrogate_keys = rendering.keys.split()  # stored with it: the page cache's keys
    return response


def topic_detail(request, slug):
    """A topic's published stories, newest first, TOPIC_PAGE_SIZE to a page (``?page=N``)."""
    topic = get_object_or_404(Topic.objects.with_public_explainer_count(), slug=slug)
    # A topic with nothing published may only exist for a story still in draft: no page 1.
    page = paginate(
        request,
        topic.explainers.published().for_public_list(),
        TOPIC_PAGE_SIZE,
        count=topic.public_explainer_count,
        allow_empty=False,
    )
    response = render(request, "explainers/topic_detail.html", {"topic": topic, "page": page})
    response.surrogate_keys = [object_key(topic), *(object_key(story) for story in page)]
    return response


def render_preview(request, explainer, *, shared: bool, from_form: bool = False):
    """The draft through the same template as readers' pages, rendered live."""
    response = render(
        request,
        "explainers/explainer_detail.html",
        {
            "explainer": explainer,
            **renderings.render_parts(explainer, request),
            "preview": True,
            "shared_preview": shared,
            "from_form": from_form,
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@permission_required("explainers.view_explainer")
def preview(request, pk):
    """Staff preview: the draft rendered with the public template, exactly as it will look."""
    explainer = get_object_or_404(Explainer.objects.for_public_detail(), pk=pk)
    return render_preview(request, explainer, shared=False)


@never_cache
def shared_preview(request, token):
    """A signed, expiring link an editor can send to someone without an account."""
    try:
        data = signing.loads(
            token, salt=PREVIEW_SALT, max_age=settings.NEWSROOM_PREVIEW_LINK_HOURS * 3600
        )
    except signing.SignatureExpired:
        return render(request, "explainers/preview_expired.html", status=410)
    except signing.BadSignature:
        raise Http404("No such preview.") from None
    explainer = get_object_or_404(Explainer.objects.for_public_detail(), pk=data.get("pk"))
    return render_preview(request, explainer, shared=True)


def preview_token(explainer: Explainer) -> str:
    return signing.dumps({"pk": explainer.pk}, salt=PREVIEW_SALT)
