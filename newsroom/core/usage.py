"""Where the things stories show are used: the question the facts app asks, and may not ask the
stories app directly, since it sits below it.

A fact block is public only while a published story uses it; its page lists those stories; its
admin page says where it is used, drafts included; a person or source that a story shows may not
be deleted from under it. Those answers live with the stories (their usage rows), so the stories
app implements ``UsageIndex`` and registers it when it starts (``ExplainersConfig.ready``); the
facts app calls ``index()``. Every answer counts a published story's working copy as that story.

Until a stories app registers, nothing is used anywhere: no fact is public.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, Value


@dataclass(frozen=True)
class StoryRef:
    """A story as a "used in" list shows it, without the stories app's model."""

    slug: str
    title: str
    kind: str
    kind_label: str  # "Explainer", "Analysis": as readers see it
    published_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    url: str  # its public page (a path)
    api_url: str  # its partner API resource (a path)


class Stories(Sequence):
    """A countable, sliceable list of stories, for ``core.paging.paginate``: one COUNT and one
    query for a page, however many stories there are."""

    def count(self) -> int:
        raise NotImplementedError

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        raise NotImplementedError


class UsageIndex:
    """What the facts app may ask about the stories using a fact block, person or source."""

    def public_filter(self, model) -> Q:
        """A filter on ``model`` (a fact block): used by a story readers can see."""
        return Q(pk__in=[])

    def with_public_stories(self, queryset, limit: int):
        """``queryset`` (fact blocks) annotated with ``public_story_count`` and carrying the
        ``limit`` newest public stories of each, for ``public_stories_of``: two queries for any
        number of blocks."""
        return queryset.annotate(public_story_count=Value(0))

    def public_stories_of(self, obj) -> list[StoryRef]:
        """The stories ``with_public_stories`` loaded for ``obj``, newest first."""
        return []

    def public_stories(self, obj) -> Sequence[StoryRef]:
        """Every published story using ``obj``, newest first, each once, to page through."""
        return []

    def public_stories_api_path(self, obj) -> str:
        """The partner API's list of the published stories using ``obj``."""
        return ""

    def story_count(self, model):
        """An annotation on ``model``: how many stories use each row, drafts included."""
        return Value(0)

    def admin_used_in(self, obj, *, total: int | None = None) -> str:
        """HTML for an admin page: the newest stories using ``obj`` (drafts included), linked,
        with the total (``story_count``, when the page already annotated it) and a link to them
        all."""
        return "Not used in any story yet."

    def public_notes_of(self, obj) -> list:
        """The public notes (corrections, clarifications, updates) on a fact block, oldest
        first: its page shows them, as does every story showing it."""
        return []

    def stories_showing(self, obj) -> list[str]:
        """Titles (with status) of every story that shows ``obj``: a fact block, a person or
        source shown on a card, a rating; for the admin's delete page."""
        return []


_index = UsageIndex()


def register(index: UsageIndex) -> None:
    global _index
    _index = index


def index() -> UsageIndex:
    return _index
