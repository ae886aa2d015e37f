from django.conf import settings
from django.utils.functional import SimpleLazyObject

from explainers.models import Topic

NAV_TOPICS = 10
# The masthead's topic links are shown on the pages the page cache keeps under its ``lists``
# tag (newsroom/urls.py, explainers/urls.py), which every publish, take-down and topic change
# refreshes (explainers/caching.py). A story or fact page is kept under its own tag only, so a
# topic link there could outlive the last public story in that topic: it would name a draft's
# topic (tests/newsroom_tests/test_visibility.py catches it).
NAV_VIEWS = {"home", "explainers:topic"}


def site(request):
    match = getattr(request, "resolver_match", None)
    on_list_page = match is not None and match.view_name in NAV_VIEWS
    return {
        "site_name": settings.NEWSROOM_SITE_NAME,
        "nav_topics": SimpleLazyObject(nav_topics) if on_list_page else [],
    }


def nav_topics() -> list[Topic]:
    """Topics with published stories (never a draft's or a scheduled story's topic), the most
    covered first, at most ``NAV_TOPICS``, shown by name. One query, made only when a page
    showing them is rendered: a page served from the page cache costs none."""
    topics = (
        Topic.objects.with_public_explainer_count()
        .filter(public_explainer_count__gt=0)
        .order_by("-public_explainer_count", "name")[:NAV_TOPICS]
    )
    return sorted(topics, key=lambda topic: topic.name)
