from django.conf import settings
from django.utils.functional import SimpleLazyObject

from explainers.caching import nav_topics


def site(request):
    """The site's name, and the masthead's topics on every page (``explainers.caching``: kept
    under the page cache's ``site`` token, which a change to them replaces everywhere)."""
    return {
        "site_name": settings.NEWSROOM_SITE_NAME,
        "nav_topics": SimpleLazyObject(nav_topics),
    }
